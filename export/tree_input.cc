// Trees files in (export/tree_input.h).
#include "export/tree_input.h"

#include <algorithm>
#include <stdexcept>

#include "core/input_error.h"
#include "datasets/loaders.h"
#include "datasets/record_parsers.h"
#include "mcts/tree_json.h"
#include "search/record.h"

namespace steptree {
namespace {

// Gold and difficulty from the problem record, read by the parser of the format it is in.
// A record written by search for a problem without one ({"id", "question", "gold"}) or of
// a generic layout gives what its "gold" field holds and no difficulty.
void ReadProblemFields(const nlohmann::json& problem, const RecordContext& where, SearchedTree* out) {
  try {
    const std::string format = DetectFormat(problem, where);
    Problem parsed = format == "gsm8k" ? ParseGsm8kRecord(problem, where)
                     : format == "math" ? ParseMathRecord(problem, where)
                                        : ParseSteptreeRecord(problem, where);
    out->gold = parsed.gold;
    out->difficulty = parsed.difficulty;
    out->source = parsed.source;
  } catch (const InputError&) {
    out->gold.reset();
    out->difficulty.reset();
    const auto source = problem.find("source");
    out->source = source != problem.end() && source->is_string() ? source->get<std::string>() : "";
  }
  if (!out->gold) {
    const auto gold = problem.find("gold");
    if (gold != problem.end() && gold->is_string()) out->gold = gold->get<std::string>();
  }
}

// The text layout of `provenance` (search/record.h) into *out.
void ReadTextLayout(const nlohmann::json& provenance, const RecordContext& where, SearchedTree* out) {
  if (!provenance.is_object()) throw InputError(where.file, where.line, "field \"provenance\" to be an object");
  const auto prompt = provenance.find("prompt");
  if (prompt == provenance.end() || !prompt->is_string()) {
    throw InputError(where.file, where.line, "field \"provenance\".\"prompt\" to be a string (the question's prompt)");
  }
  const auto delimiter = provenance.find("step_delimiter");
  if (delimiter == provenance.end() || !delimiter->is_string() || delimiter->get<std::string>().empty()) {
    throw InputError(where.file, where.line, "field \"provenance\".\"step_delimiter\" to be a non-empty string");
  }
  out->prompt = prompt->get<std::string>();
  out->step_delimiter = delimiter->get<std::string>();
  out->messages = nullptr;
  const auto messages = provenance.find("messages");
  if (messages == provenance.end()) return;
  const char* expected = "field \"provenance\".\"messages\" to be an array of {\"role\": string, \"content\": string}";
  if (!messages->is_array() || messages->empty()) throw InputError(where.file, where.line, expected);
  out->messages = nlohmann::ordered_json::array();
  for (const nlohmann::json& message : *messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string() ||
        !message.contains("content") || !message["content"].is_string()) {
      throw InputError(where.file, where.line, expected);
    }
    out->messages.push_back({{"role", message["role"]}, {"content", message["content"]}});
  }
}

}  // namespace

std::string BuiltinPromptText(const std::string& question) {
  std::string line = question;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  return "Q: " + line + "\n";
}

TreeFileReader::TreeFileReader(const std::string& path) : reader_(path) {}

bool TreeFileReader::Next(SearchedTree* out, nlohmann::json* whole) {
  nlohmann::json record;
  if (!reader_.Next(&record)) {
    reader_.RequireRecords();
    return false;
  }
  const std::string& file = reader_.path();
  const long line = reader_.line_number();
  const std::string expected_record = std::string("a \"") + kTreeRecordFormat + "\" version " +
                                      std::to_string(kTreeRecordVersion) +
                                      " record (search --output) with \"id\", \"problem\" and \"tree\"";
  if (!record.is_object()) throw InputError(file, line, expected_record + ", found " + record.type_name());
  const auto format = record.find("format");
  const auto version = record.find("version");
  if (format == record.end() || *format != kTreeRecordFormat || version == record.end() ||
      !version->is_number_integer() || version->get<long long>() != kTreeRecordVersion) {
    throw InputError(file, line, expected_record);
  }
  const auto id = record.find("id");
  if (id == record.end() || !id->is_string() || id->get<std::string>().empty()) {
    throw InputError(file, line, "field \"id\" to be a non-empty string");
  }
  const auto problem = record.find("problem");
  if (problem == record.end() || !problem->is_object()) {
    throw InputError(file, line, "field \"problem\" to be an object");
  }
  const auto nodes = record.find("tree");
  if (nodes == record.end()) throw InputError(file, line, "field \"tree\" (the array of nodes)");

  out->id = id->get<std::string>();
  out->file = file;
  out->line = line;
  try {
    out->tree = TreeFromJson(*nodes);
  } catch (const std::exception& e) {
    // TreeFromJson says "tree node 3: expected ..."; keep its words after our "expected".
    throw InputError(file, line, std::string("a valid \"tree\" array (") + e.what() + ")");
  }
  out->question = out->tree.root().step;
  ReadProblemFields(*problem, RecordContext{file, line}, out);
  const auto provenance = record.find("provenance");
  if (provenance != record.end()) {
    ReadTextLayout(*provenance, RecordContext{file, line}, out);
  } else {
    out->prompt = BuiltinPromptText(out->question);
    out->step_delimiter = "\n";
    out->messages = nullptr;
  }
  if (whole != nullptr) *whole = std::move(record);
  return true;
}

}  // namespace steptree

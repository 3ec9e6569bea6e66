// `inspect` on data files (app/inspect.h): which kind a JSONL file is, by its first record,
// and the summaries of problem sets, value-target files (search --value-targets), solutions
// (eval -o) and grade records (grade --input, in or out). A file whose first line is not one
// JSON value but which parses whole (pretty-printed JSON), or a file of one record that no
// JSONL kind claims, is one JSON document (inspect_runs.cc).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "app/inspect.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "core/jsonl.h"
#include "mcts/value_records.h"
#include "search/record.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRecognisedRecords =
    "a record of a file inspect knows: a problem set (\"question\" or \"problem\"; other layouts "
    "need --question-field), trees (\"format\": \"steptree-tree\", search --output), an export (sft: "
    "\"messages\", or \"prompt\" and \"completion\"; value: \"steps\" of {\"step\", \"Q\"} and \"gold\"; "
    "prm: \"completions\" and \"labels\"; pairs: \"chosen\" and \"rejected\"), value targets (\"steps\" of "
    "{\"step\", \"Q\"}), solutions (eval -o: \"steps\", \"end\", \"generated_tokens\"), grade records "
    "(\"gold\" with \"pred\" or \"text\"); or a file holding one JSON document";

bool HasKey(const json& record, const char* key) { return record.is_object() && record.contains(key); }

// The JSONL kind a first record says: "trees", "export", "value_targets", "solutions",
// "grade", "dataset", or "" (none). *format: the export format.
std::string RecordKind(const json& record, std::string* format) {
  if (!record.is_object()) return "";
  if (HasKey(record, "format") && record["format"] == kTreeRecordFormat) return "trees";
  *format = ExportFormatOfRecord(record);
  if (!format->empty()) return "export";
  const auto steps = record.find("steps");
  if (steps != record.end() && steps->is_array() && !steps->empty() && (*steps)[0].is_object()) {
    return "value_targets";
  }
  if (HasKey(record, "end") && HasKey(record, "generated_tokens") && HasKey(record, "steps")) return "solutions";
  if (HasKey(record, "gold") && (HasKey(record, "pred") || HasKey(record, "text"))) return "grade";
  if (HasKey(record, "question") || HasKey(record, "problem")) return "dataset";
  return "";
}

// The first non-blank line of `text`, trimmed.
std::string FirstLineOf(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) return line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
    at = end + 1;
  }
  return "";
}

// The whole file as one JSON document, when it is one (null otherwise). `jsonl_error`: why
// the first line is not a JSONL record; it is thrown unless the file looks pretty-printed
// (its first line opens an object or array), when the document's own error is.
json ReadDocumentInstead(const std::string& path, const InputError& jsonl_error) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxJsonFileBytes || size == 0) throw jsonl_error;
  const std::string text = ReadTextFile(path);
  const std::string first = FirstLineOf(text);
  try {
    if (!IsValidUtf8(text)) throw InputError(path, 0, "UTF-8 JSON text, found invalid bytes");
    return ParseJsonText(text, path);
  } catch (const InputError&) {
    if (first == "{" || first == "[") throw;
    throw jsonl_error;
  }
}

json SummarizeValueTargets(const std::string& path) {
  const std::vector<ValuePathRecord> paths = LoadValuePaths(path);
  long steps = 0, correct = 0, positive = 0;
  double q_sum = 0;
  std::set<std::string> questions;
  for (const ValuePathRecord& p : paths) {
    questions.insert(ProblemKey(p.id, p.question));
    steps += static_cast<long>(p.steps.size());
    correct += p.correct();
    for (double q : p.q) {
      positive += q > 0;
      q_sum += q;
    }
  }
  return {{"path", path},
          {"kind", "value_targets"},
          {"records", paths.size()},
          {"questions", questions.size()},
          {"steps", steps},
          {"correct_paths", correct},
          {"incorrect_paths", static_cast<long>(paths.size()) - correct},
          {"labels", LabelFigures(positive, steps - positive, q_sum)}};
}

// Solutions of `eval -o` (app/evaluation.h SolutionRecord).
json SummarizeSolutions(const std::string& path) {
  JsonlReader reader(path);
  json record;
  long problems = 0, answered = 0, with_gold = 0, correct = 0, steps = 0, tokens = 0;
  std::map<std::string, long> ends;
  std::map<int, std::pair<long, long>> by_difficulty;  // level -> (correct, graded)
  std::string first_id;
  while (reader.Next(&record)) {
    const RecordContext where{path, reader.line_number()};
    const std::string id = RequireString(record, "id", where);
    RequireString(record, "question", where);
    const std::optional<std::string> gold = OptionalString(record, "gold", where);
    const std::optional<std::string> answer = OptionalString(record, "answer", where);
    const json& list = RequireField(record, "steps", where);
    ExpectInRecord(list.is_array(), where, "field \"steps\" to be an array of strings (a solution's steps)");
    for (const json& step : list) ExpectInRecord(step.is_string(), where, "field \"steps\" to hold strings");
    const json& is_correct = RequireField(record, "correct", where);
    ExpectInRecord(is_correct.is_boolean(), where, "field \"correct\" to be true or false");
    const std::string end = RequireString(record, "end", where);
    const json& generated = RequireField(record, "generated_tokens", where);
    ExpectInRecord(generated.is_number_integer() && generated.get<long long>() >= 0, where,
                   "field \"generated_tokens\" to be a non-negative integer");
    const std::optional<int> difficulty = OptionalLevel(record, where);
    if (problems++ == 0) first_id = id;
    answered += answer.has_value();
    steps += static_cast<long>(list.size());
    tokens += generated.get<long>();
    ++ends[end];
    if (!gold) continue;
    ++with_gold;
    correct += is_correct.get<bool>();
    if (difficulty) {
      by_difficulty[*difficulty].first += is_correct.get<bool>();
      ++by_difficulty[*difficulty].second;
    }
  }
  reader.RequireRecords();
  json levels = json::object();
  for (const auto& [level, figures] : by_difficulty) {
    levels[std::to_string(level)] = {{"accuracy", ShareOrNull(figures.first, figures.second)}, {"n", figures.second}};
  }
  return {{"path", path},
          {"kind", "solutions"},
          {"problems", problems},
          {"answered", answered},
          {"with_gold", with_gold},
          {"correct", correct},
          {"accuracy", ShareOrNull(correct, with_gold)},
          {"by_difficulty", levels},
          {"ends", ends},
          {"steps", steps},
          {"generated_tokens", tokens},
          {"tokens_per_problem", static_cast<double>(tokens) / static_cast<double>(problems)},
          {"first_id", first_id}};
}

// Records of `grade --input`: {"gold", "pred" or "text", ...}, and after grading also
// "extracted" and "equal".
json SummarizeGradeRecords(const std::string& path) {
  JsonlReader reader(path);
  json record;
  long records = 0, with_pred = 0, with_text = 0, graded = 0, equal = 0;
  while (reader.Next(&record)) {
    const RecordContext where{path, reader.line_number()};
    ExpectInRecord(OptionalStringOrNumber(record, "gold", where).has_value(), where,
                   "field \"gold\" (a string or number: a grade --input record)");
    const bool pred = OptionalStringOrNumber(record, "pred", where).has_value();
    const bool text = OptionalString(record, "text", where).has_value();
    ExpectInRecord(pred || text, where, "field \"pred\" or \"text\" (a grade --input record)");
    ++records;
    with_pred += pred;
    with_text += !pred && text;
    if (record.contains("equal")) {
      ExpectInRecord(record["equal"].is_boolean(), where, "field \"equal\" to be true or false");
      ++graded;
      equal += record["equal"].get<bool>();
    }
  }
  reader.RequireRecords();
  return {{"path", path},     {"kind", "grade"},  {"records", records},
          {"with_pred", with_pred}, {"with_text", with_text}, {"graded", graded},
          {"equal", equal},   {"accuracy", ShareOrNull(equal, graded)}};
}

}  // namespace

// ---- shared by the inspect files (app/inspect.h) ----------------------------------------

json ShareOrNull(long part, long whole) {
  return whole > 0 ? json(static_cast<double>(part) / static_cast<double>(whole)) : json();
}

json LabelFigures(long positive, long negative, double sum) {
  const long n = positive + negative;
  return {{"positive", positive},
          {"negative", negative},
          {"positive_share", ShareOrNull(positive, n)},
          {"mean", n > 0 ? json(sum / static_cast<double>(n)) : json()}};
}

json LevelsJson(const std::map<int, long>& levels) {
  json histogram = json::object();
  for (const auto& [level, count] : levels) histogram[std::to_string(level)] = count;
  return histogram;
}

std::string ProblemKey(const std::string& id, const std::string& question) {
  const size_t slash = id.rfind('/');
  return slash == std::string::npos ? "question: " + question : id.substr(0, slash);
}

void ExpectInRecord(bool ok, const RecordContext& where, const std::string& what) {
  if (!ok) throw InputError(where.file, where.line, what);
}

std::optional<int> OptionalLevel(const json& record, const RecordContext& where) {
  const auto it = record.find("difficulty");
  if (it == record.end() || it->is_null()) return std::nullopt;
  ExpectInRecord(it->is_number_integer() && std::abs(it->get<long long>()) < 1000000, where,
                 "field \"difficulty\" to be an integer level");
  return it->get<int>();
}

// ---- data sets --------------------------------------------------------------------------

json SummarizeDataset(const LoadedDataset& data) {
  long with_gold = 0, with_steps = 0, steps = 0, without_difficulty = 0;
  std::map<int, long> difficulty;
  std::map<std::string, long> sources;
  for (const Problem& p : data.problems) {
    if (p.gold) ++with_gold;
    if (!p.reference_steps.empty()) ++with_steps;
    steps += static_cast<long>(p.reference_steps.size());
    if (p.difficulty) {
      ++difficulty[*p.difficulty];
    } else {
      ++without_difficulty;
    }
    ++sources[p.source];
  }
  return {{"path", data.path},
          {"kind", "dataset"},
          {"format", data.format},
          {"format_detected", data.detected},
          {"problems", data.problems.size()},
          {"with_gold", with_gold},
          {"with_reference_steps", with_steps},
          {"reference_steps", steps},
          {"difficulty", LevelsJson(difficulty)},
          {"without_difficulty", without_difficulty},
          {"sources", sources},
          {"first_id", data.problems.empty() ? "" : data.problems.front().id}};
}

void PrintDataset(const json& s, std::ostream& out) {
  const long problems = s["problems"].get<long>();
  out << "file         " << s["path"].get<std::string>() << "\n"
      << "kind         JSONL data set\n"
      << "format       " << s["format"].get<std::string>()
      << (s["format_detected"].get<bool>() ? " (detected)" : " (named)") << "\n"
      << "problems     " << problems << "\n"
      << "with gold    " << s["with_gold"].get<long>() << "\n"
      << "with steps   " << s["with_reference_steps"].get<long>();
  if (s["with_reference_steps"].get<long>() > 0) {
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.1f",
                  s["reference_steps"].get<double>() / s["with_reference_steps"].get<double>());
    out << " (" << mean << " steps each on average)";
  }
  out << "\ndifficulty  ";
  std::map<int, long> levels;
  for (const auto& [level, count] : s["difficulty"].items()) {
    levels[std::stoi(level)] = count.get<long>();
  }
  for (const auto& [level, count] : levels) out << " " << level << ": " << count;
  const long without = s["without_difficulty"].get<long>();
  if (without == problems) {
    out << " none given";
  } else if (without > 0) {
    out << "  (" << without << " without)";
  }
  out << "\nsources     ";
  for (const auto& [source, count] : s["sources"].items()) {
    out << " " << source << ": " << count.get<long>();
  }
  out << "\nfirst id     " << s["first_id"].get<std::string>() << "\n";
}

// ---- which kind of file ------------------------------------------------------------------

json SummarizeDataFile(const std::string& path, const LoaderOptions& loader) {
  if (loader.format != "auto" || !loader.question_field.empty()) {
    return SummarizeDataset(LoadProblems(path, loader));
  }
  json first;
  long first_line = 0;
  {
    JsonlReader reader(path);
    try {
      if (!reader.Next(&first)) reader.RequireRecords();
    } catch (const InputError& e) {
      return SummarizeJsonDocument(path, ReadDocumentInstead(path, e));
    }
    first_line = reader.line_number();
    std::string format;
    const std::string kind = RecordKind(first, &format);
    if (kind.empty()) {
      json next;
      bool single = false;
      try {
        single = !reader.Next(&next);
      } catch (const InputError&) {
      }
      if (single) return SummarizeJsonDocument(path, first);
      throw InputError(path, first_line, kRecognisedRecords);
    }
    if (kind == "trees") return SummarizeTrees(path);
    if (kind == "export") return SummarizeExport(path, format);
    if (kind == "value_targets") return SummarizeValueTargets(path);
    if (kind == "solutions") return SummarizeSolutions(path);
    if (kind == "grade") return SummarizeGradeRecords(path);
  }
  return SummarizeDataset(LoadProblems(path, loader));
}

}  // namespace steptree::app

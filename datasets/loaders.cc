// JSONL problem loaders: format detection, reading, ids, duplicate checks.
#include "datasets/loaders.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/input_error.h"
#include "datasets/record_parsers.h"

namespace steptree {
namespace {

using nlohmann::json;

bool StringFieldContains(const json& record, const char* field, const char* needle) {
  auto it = record.find(field);
  return it != record.end() && it->is_string() &&
         it->get_ref<const std::string&>().find(needle) != std::string::npos;
}

// nlohmann copies and prints values recursively: a record nested deep enough would
// exhaust the stack later, so such records are refused here (the parser itself is not
// recursive). Checked twice: by the reader's scan of the line before parsing (so a
// 1e6-deep line costs no parse), and on the parsed value.
constexpr int kMaxRecordDepth = 100;

bool NestedDeeperThan(const json& root, int limit) {
  std::vector<std::pair<const json*, int>> stack = {{&root, 1}};
  while (!stack.empty()) {
    const auto [value, depth] = stack.back();
    stack.pop_back();
    if (!value->is_structured()) continue;
    if (depth > limit) return true;
    for (const json& child : *value) stack.push_back({&child, depth + 1});
  }
  return false;
}

void CheckOptions(const LoaderOptions& options) {
  const auto& known = KnownFormats();
  if (std::find(known.begin(), known.end(), options.format) == known.end()) {
    throw UsageError("unknown --format '" + options.format +
                     "' (expected auto, steptree, gsm8k, math or generic)");
  }
  const bool fields = !options.question_field.empty() || !options.answer_field.empty();
  if (fields && options.format != "auto" && options.format != "generic") {
    throw UsageError("--question-field/--answer-field go with --format generic, not --format " +
                     options.format);
  }
  if (options.format == "generic" && options.question_field.empty()) {
    throw UsageError("--format generic needs --question-field FIELD");
  }
  if (!options.answer_field.empty() && options.question_field.empty()) {
    throw UsageError("--answer-field needs --question-field");
  }
}

}  // namespace

const std::vector<std::string>& KnownFormats() {
  static const std::vector<std::string> formats = {"auto", "steptree", "gsm8k", "math", "generic"};
  return formats;
}

std::string DetectFormat(const json& record, const RecordContext& where) {
  if (!record.is_object()) {
    throw InputError(where.file, where.line,
                     std::string("a JSON object, found ") + record.type_name());
  }
  if (HasField(record, "steps")) return "steptree";
  auto source = record.find("source");
  if (source != record.end() && *source == "synthetic") return "steptree";
  if (HasField(record, "question") && StringFieldContains(record, "answer", "####")) return "gsm8k";
  if (HasField(record, "problem") || HasField(record, "solution")) return "math";
  if (StringFieldContains(record, "answer", "\\boxed")) return "math";
  if (HasField(record, "question")) return "steptree";
  throw InputError(where.file, where.line,
                   "a problem record: \"question\" (steptree, gsm8k) or \"problem\" (math); "
                   "for other fields use --question-field FIELD");
}

LoadedDataset LoadProblems(const std::string& path, const LoaderOptions& options) {
  CheckOptions(options);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, 0, "a JSONL file, found a directory");
  }
  LoadedDataset dataset;
  dataset.path = path;
  dataset.format = options.format;
  if (dataset.format == "auto" && !options.question_field.empty()) dataset.format = "generic";

  JsonlReader reader(path, kMaxRecordDepth);
  std::unordered_map<std::string, long> id_lines;
  json record;
  while (reader.Next(&record)) {
    const RecordContext where{path, reader.line_number()};
    if (NestedDeeperThan(record, kMaxRecordDepth)) {
      throw InputError(path, where.line,
                       "a record nested at most " + std::to_string(kMaxRecordDepth) +
                           " levels deep");
    }
    if (dataset.format == "auto") {
      dataset.format = DetectFormat(record, where);
      dataset.detected = true;
    }
    Problem problem;
    if (dataset.format == "steptree") {
      problem = ParseSteptreeRecord(record, where);
    } else if (dataset.format == "gsm8k") {
      problem = ParseGsm8kRecord(record, where);
    } else if (dataset.format == "math") {
      problem = ParseMathRecord(record, where);
    } else {
      problem = ParseGenericRecord(record, where, options.question_field, options.answer_field);
    }
    auto [it, inserted] = id_lines.emplace(problem.id, where.line);
    if (!inserted) {
      throw InputError(path, where.line,
                       "a unique id, \"" + problem.id + "\" is already used on line " +
                           std::to_string(it->second));
    }
    dataset.problems.push_back(std::move(problem));
    if (options.limit > 0 && dataset.problems.size() >= options.limit) break;
  }
  reader.RequireRecords();
  return dataset;
}

}  // namespace steptree

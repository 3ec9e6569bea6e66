// Step-level preference pairs in and encoded (policy/train/step_preference.h).
#include "policy/train/step_preference.h"

#include <algorithm>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "policy/train/training_path.h"

namespace steptree {
namespace {

StepPreference ParseStepPreference(const nlohmann::json& record, const RecordContext& where) {
  if (!record.is_object()) {
    throw InputError(where.file, where.line,
                     std::string("a pair object {\"question\", \"prefix\", \"chosen\", \"rejected\"}, found ") +
                         record.type_name());
  }
  StepPreference pair;
  pair.question = RequireString(record, "question", where);
  if (pair.question.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(where.file, where.line, "field \"question\" to hold a question, found an empty string");
  }
  const nlohmann::json& prefix = RequireField(record, "prefix", where);
  if (!prefix.is_array()) {
    throw InputError(where.file, where.line,
                     std::string("field \"prefix\" to be an array of step strings, found ") + prefix.type_name());
  }
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (!prefix[k].is_string()) {
      throw InputError(where.file, where.line, "prefix[" + std::to_string(k) + "] to be a string");
    }
    pair.prefix.push_back(prefix[k].get<std::string>());
  }
  pair.chosen = RequireString(record, "chosen", where);
  pair.rejected = RequireString(record, "rejected", where);
  if (pair.chosen == pair.rejected) {
    throw InputError(where.file, where.line, "fields \"chosen\" and \"rejected\" to be different steps");
  }
  return pair;
}

// The prefix and `step` as generation writes them (the step followed by its delimiter).
ScoredStep EncodeSide(const PromptFormat& format, const StepPreference& pair, const std::string& step) {
  std::vector<std::string> steps = pair.prefix;
  steps.push_back(step);
  ScoredStep side;
  side.ids = format.EncodePrefix(pair.question, steps);
  return side;
}

// True when some position >= scored_from is scored (not tool-written).
bool HasScoredToken(const ScoredStep& side) {
  for (size_t i = side.scored_from; i < side.ids.size(); ++i) {
    if (side.tool_written.empty() || side.tool_written[i] == 0) return true;
  }
  return false;
}

}  // namespace

std::vector<StepPreference> LoadStepPreferences(const std::string& path) {
  JsonlReader reader(path);
  std::vector<StepPreference> pairs;
  nlohmann::json record;
  while (reader.Next(&record)) {
    pairs.push_back(ParseStepPreference(record, RecordContext{reader.path(), reader.line_number()}));
  }
  reader.RequireRecords();
  return pairs;
}

std::optional<PreferenceExample> EncodeStepPreference(const PromptFormat& format, const StepPreference& pair,
                                                      int context) {
  PreferenceExample example;
  example.chosen = EncodeSide(format, pair, pair.chosen);
  example.rejected = EncodeSide(format, pair, pair.rejected);
  for (const ScoredStep* side : {&example.chosen, &example.rejected}) {
    if (static_cast<long>(side->ids.size()) > static_cast<long>(context) + 1) return std::nullopt;
  }
  if (example.chosen.ids == example.rejected.ids) return std::nullopt;
  // Shared leading tokens score the same on both sides: start at the first difference.
  const size_t shared = static_cast<size_t>(
      std::mismatch(example.chosen.ids.begin(), example.chosen.ids.end(), example.rejected.ids.begin(),
                    example.rejected.ids.end())
          .first -
      example.chosen.ids.begin());
  const size_t prompt_length = format.EncodePrefix(pair.question, {}).size();
  for (ScoredStep* side : {&example.chosen, &example.rejected}) {
    // Position 0 has no token before it to predict it from.
    side->scored_from = std::max<size_t>(shared, 1);
    side->tool_written = ToolWrittenTokens(format.tokenizer(), side->ids, std::min(prompt_length, side->ids.size()));
    if (side->scored_from >= side->ids.size() || !HasScoredToken(*side)) return std::nullopt;
  }
  return example;
}

}  // namespace steptree

// Training paths and their tokenised examples (policy/train/training_path.h).
#include "policy/train/training_path.h"

#include <algorithm>
#include <stdexcept>

#include "datasets/calculator.h"
#include "policy/text/prompt.h"

namespace steptree {

TrainingPath SftTrainingPath(const Problem& problem) {
  TrainingPath path;
  path.question = problem.question;
  path.steps = problem.reference_steps;
  path.imitate = true;
  return path;
}

std::vector<TrainingPath> SftTrainingPaths(const std::vector<Problem>& problems) {
  std::vector<TrainingPath> paths;
  paths.reserve(problems.size());
  for (const Problem& problem : problems) paths.push_back(SftTrainingPath(problem));
  return paths;
}

TrainingPath ValueTrainingPath(const ValuePathRecord& path, bool imitate_correct) {
  TrainingPath training;
  training.question = path.question;
  training.steps = path.steps;
  training.imitate = imitate_correct && path.correct();
  training.value_targets = path.q;
  return training;
}

std::optional<TrainingExample> EncodeTrainingPath(const Tokenizer& tokenizer, const TrainingPath& path,
                                                  int context) {
  return EncodeTrainingPath(*MakeBuiltinPromptFormat(tokenizer), path, context);
}

std::optional<TrainingExample> EncodeTrainingPath(const PromptFormat& format, const TrainingPath& path, int context) {
  const Tokenizer& tokenizer = format.tokenizer();
  const bool has_values = !path.value_targets.empty();
  if (path.steps.empty() || (!path.imitate && !has_values)) return std::nullopt;
  if (has_values && path.value_targets.size() != path.steps.size()) {
    throw std::logic_error("EncodeTrainingPath: one value target per step");
  }
  TrainingExample example;
  example.ids = format.EncodeSolution(path.question, path.steps, &example.prompt_length);
  if (static_cast<long>(example.ids.size()) > static_cast<long>(context) + 1) return std::nullopt;
  example.imitate = path.imitate;
  example.tool_written = ToolWrittenTokens(tokenizer, example.ids, example.prompt_length);
  if (has_values) {
    const std::vector<size_t> positions = StepValuePositions(tokenizer, example.ids, example.prompt_length, format.step_delimiter());
    // The prompt format removes delimiters inside steps, so each step ends exactly once.
    if (positions.size() != path.steps.size()) {
      throw std::logic_error("EncodeTrainingPath: " + std::to_string(positions.size()) + " step ends for " +
                             std::to_string(path.steps.size()) + " steps");
    }
    example.value_positions.assign(positions.begin(), positions.end());
    example.value_targets.assign(path.value_targets.begin(), path.value_targets.end());
  }
  return example;
}

std::vector<uint8_t> ToolWrittenTokens(const Tokenizer& tokenizer, const std::vector<int>& ids, size_t prompt_length) {
  if (prompt_length >= ids.size()) return {};
  const std::vector<int> solution(ids.begin() + static_cast<long>(prompt_length), ids.end());
  const std::string text = tokenizer.Decode(solution);
  const std::vector<std::pair<size_t, size_t>> spans = ToolWrittenSpans(text);
  if (spans.empty()) return {};
  // end[j]: bytes of text decoded from solution[0..j]. Byte-level tokenizers decode token by
  // token (the lengths add up); otherwise decode every prefix.
  std::vector<size_t> end(solution.size());
  size_t total = 0;
  for (size_t j = 0; j < solution.size(); ++j) end[j] = total += tokenizer.Decode({solution[j]}).size();
  if (total != text.size()) {
    for (size_t j = 0; j < solution.size(); ++j) {
      end[j] = tokenizer.Decode(std::vector<int>(solution.begin(), solution.begin() + static_cast<long>(j) + 1)).size();
    }
  }
  std::vector<uint8_t> written(ids.size(), 0);
  size_t span = 0;
  for (size_t j = 0; j < solution.size(); ++j) {
    const size_t begin = j == 0 ? 0 : end[j - 1];
    if (begin == end[j]) continue;  // a special token (EOS): no text
    while (span < spans.size() && spans[span].second <= begin) ++span;
    if (span < spans.size() && spans[span].first < end[j]) written[prompt_length + j] = 1;
  }
  return written;
}

std::vector<std::vector<const TrainingExample*>> CutIntoBatches(const std::vector<const TrainingExample*>& rows,
                                                                long batch_tokens, int max_rows) {
  std::vector<std::vector<const TrainingExample*>> batches;
  std::vector<const TrainingExample*> current;
  size_t longest = 0;
  for (const TrainingExample* row : rows) {
    const size_t width = std::max(longest, row->ids.size() - 1);
    if (!current.empty() && (static_cast<long>(width * (current.size() + 1)) > batch_tokens ||
                             static_cast<int>(current.size()) >= max_rows)) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(row);
    longest = std::max(longest, row->ids.size() - 1);
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

}  // namespace steptree

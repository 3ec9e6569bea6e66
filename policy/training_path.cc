// Training paths and their tokenised examples (policy/training_path.h).
#include "policy/training_path.h"

#include <algorithm>
#include <stdexcept>

#include "policy/prompt.h"

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
  if (has_values) {
    const std::vector<size_t> positions = StepValuePositions(tokenizer, example.ids, example.prompt_length);
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

// What the trainer learns from: paths (a question and its steps) and their tokenised form.
// No torch here.
//
// A TrainingPath can carry two losses (policy/train/trainer.h; AlphaMath, Chen et al. 2024, eq. 5):
//   imitation  cross-entropy on its step tokens: SFT records, correct search paths
//   value      (V(question + steps 1..k) - value_targets[k-1])^2 for every step k: search
//              paths, correct and incorrect, whose targets are the search's Q-values
// A TrainingExample is the same path as token ids (policy/text/prompt.h layout), with the input
// positions at which its values are read (StepValuePositions: where step generation reads
// them too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "policy/text/prompt.h"
#include "policy/text/tokenizer.h"
#include "mcts/value_records.h"

namespace steptree {

struct TrainingPath {
  std::string question;
  std::vector<std::string> steps;
  bool imitate = true;                // the step tokens are cross-entropy targets
  std::vector<double> value_targets;  // empty (no value loss) or one target per step
};

// A problem's reference solution: imitated, no value targets.
TrainingPath SftTrainingPath(const Problem& problem);
std::vector<TrainingPath> SftTrainingPaths(const std::vector<Problem>& problems);
// A search path: value targets are its Q-values; imitated when `imitate_correct` and its
// final answer is correct (AlphaMath trains the policy on correct paths only).
TrainingPath ValueTrainingPath(const ValuePathRecord& path, bool imitate_correct);

struct TrainingExample {
  std::vector<int> ids;                  // EncodeSolution(question, steps)
  size_t prompt_length = 0;              // ids before the first step: never a loss target
  bool imitate = false;                  // ids[prompt_length..] are cross-entropy targets
  std::vector<int64_t> value_positions;  // input positions of V(steps 1..k), k = 1..n
  std::vector<double> value_targets;     // same size as value_positions (both may be empty)
  // tool_written[i] != 0: ids[i] was written by the calculator tool (the RESULT>> of a
  // "<<EXPR=RESULT>>" call in a step, datasets/calculator.h), never a cross-entropy target:
  // the policy does not write it, as AlphaMath masks the interpreter's observations. Empty
  // when no step holds a tool call; otherwise ids.size() entries.
  std::vector<uint8_t> tool_written;
};

// Marks the ids of a solution (ids[prompt_length..]) that fall in a tool-written span of its
// decoded text (a token overlapping a span counts as tool-written). Empty when there is none.
std::vector<uint8_t> ToolWrittenTokens(const Tokenizer& tokenizer, const std::vector<int>& ids, size_t prompt_length);

// The example of `path`, or nullopt when it has nothing to learn (no steps, or neither
// imitated nor value targets) or its ids do not fit the context (ids.size() > context + 1:
// inputs are ids[:-1]). Invariant of a result: every value position < ids.size() - 1.
std::optional<TrainingExample> EncodeTrainingPath(const Tokenizer& tokenizer, const TrainingPath& path,
                                                  int context);
// The same in a policy's prompt format (Policy::prompt(); the built-in one above).
std::optional<TrainingExample> EncodeTrainingPath(const PromptFormat& format, const TrainingPath& path, int context);

// Cuts `rows`, in their order, into consecutive batches: a batch takes the next row while
// (rows + 1) x (longest input length) <= batch_tokens and rows < max_rows. A row longer
// than batch_tokens gets a batch of its own. Input length = ids.size() - 1.
std::vector<std::vector<const TrainingExample*>> CutIntoBatches(const std::vector<const TrainingExample*>& rows,
                                                                long batch_tokens, int max_rows);

}  // namespace steptree

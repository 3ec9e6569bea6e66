// What every search returns for one problem: the grown tree, the chosen answer, and the
// model work it cost. Answers are read from the chosen terminal node, so the tree alone
// explains the result.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/problem.h"
#include "mcts/tree.h"
#include "search/backend.h"

namespace steptree {

// The answer MCTS would give if it stopped after `iteration` selections.
struct IterationChoice {
  int iteration;  // a checkpoint: 5, 10, 20, 40, ...
  int node;       // the chosen terminal then, or -1
  Budget budget;  // the model work spent up to this checkpoint (budget.nodes = tree size then)
};

// One sampled solution of a rollout-based search (maj@k, best-of-N), in sample order: what
// budget studies need to re-vote any subset of the samples (sweep/sweep_points.h).
struct SampleOutcome {
  int leaf = -1;               // the node the solution ends at; -1 for a row without steps
  long generated_tokens = 0;   // tokens this sample generated (its steps, merged or not)
  double final_value = 0;      // the backend's value of the final state (best-of-N's score)
  bool answered = false;       // ends with a final-answer step holding a parsable answer
};

struct SearchResult {
  explicit SearchResult(Tree grown) : tree(std::move(grown)) {}

  Tree tree;
  std::optional<std::string> answer;   // the chosen final answer, if any
  int chosen = -1;                     // the terminal node it comes from, or -1
  std::optional<bool> correct;         // known when the problem has a gold answer
  Budget budget;                       // model work; budget.nodes = tree.size()
  std::vector<int> ranking;            // sbs: finished terminals, best first
  std::vector<IterationChoice> answer_by_iteration;  // mcts: the choice at checkpoints
  std::vector<SampleOutcome> samples;                // maj, bon: every sample, in order
};

// The result of choosing node `chosen` (-1: none) of `tree`: answer and correctness from
// that node (correct = false when the problem has a gold answer but nothing was chosen).
SearchResult MakeResult(Tree tree, int chosen, const Budget& budget, const Problem& problem);

}  // namespace steptree

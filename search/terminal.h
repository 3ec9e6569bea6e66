// Terminal handling: when a step ends the solution and what it is worth.
//
// A step is terminal, with this reward (the node's value from then on):
//   end == kFinal with a parsable answer (ExtractAnswer, the grader eval uses):
//       reward mode kGold and a gold answer known: +1 if correct else -1
//       reward mode kTarget and a question with a target (countdown; TargetCheck in
//       datasets/synthetic.h): +1 if the whole path reaches the target validly else -1,
//       with no gold answer involved (the check a unit test does for code)
//       otherwise (kValue, or nothing to check against): the backend's value of the final state
//   end == kFinal without a parsable answer:                      -1
//   end == kCut or kContext (an unfinished step):                 -1
//   empty or whitespace-only step text:                           -1
//   depth == max_depth and the solution goes on (kStep):          -1
//   a state of max_state_tokens tokens or more (cannot be expanded): -1
// Non-terminal steps keep the backend's value. Correctness is recorded at every terminal
// whenever the gold answer is known (false for the invalid ones), in every reward mode;
// AlphaMath Almost Zero (Chen et al. 2024) uses it as the reward only for data generation.
// correct = AnswersEqual(answer, gold), except where the question has a target: there the
// whole path must be valid too (TargetCheck), so stating the target after wrong steps is
// not correct.
#pragma once

#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "mcts/node.h"
#include "search/tree_session.h"

namespace steptree {

// What a final answer is worth.
enum class TerminalReward {
  kGold,   // +1/-1 by the gold answer (data generation); the value when gold is unknown
  kValue,  // the backend's value of the final state (inference)
  kTarget, // +1/-1 by the question's own target where it has one (countdown), else the value
};
const char* TerminalRewardName(TerminalReward reward);

struct TerminalRules {
  std::optional<std::string> gold;               // the gold final answer, when known
  TerminalReward reward = TerminalReward::kGold; // how final answers are scored
  int max_depth = 10;                            // a step at this depth must finish the solution
  long max_state_tokens = LONG_MAX;              // the backend cannot expand longer states
  std::string question;                          // the problem statement
  bool has_target = false;                       // the question carries its own check (TargetCheck)
  // Final answers are scored by the question's own check (kTarget on a question with one):
  // a terminal valued +1 is then a verified solution.
  bool checks_target() const { return reward == TerminalReward::kTarget && has_target; }
};

// The rules for one problem: its gold answer, the backend's state limit.
TerminalRules MakeTerminalRules(const Problem& problem, const TreeSession& session, TerminalReward reward,
                                int max_depth);

struct StepOutcome {
  bool terminal = false;
  double value = 0;                   // the backend's value, or the reward at a terminal
  std::optional<std::string> answer;  // terminals: the extracted final answer
  std::optional<bool> correct;        // terminals, when gold is known
};

// Classifies the step held by `node` (its step text, end, value and depth are read), whose
// state is `state_tokens` long; `path_steps` are the steps from the root to the node (the
// node's last), read for final steps when rules.has_target (the path's validity is part of
// `correct` and, with checks_target(), the reward).
StepOutcome ClassifyStep(const Node& node, long state_tokens, const TerminalRules& rules,
                         const std::vector<std::string>& path_steps = {});

// Writes an outcome into the node (terminal, value, answer, correct).
void ApplyOutcome(const StepOutcome& outcome, Node* node);

}  // namespace steptree

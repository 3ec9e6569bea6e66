// True step correctness on synthetic problems (datasets/synthetic.h), the yardstick the
// audit holds labels against.
//
// Every step of a synthetic solution can be checked exactly, and the last one states the
// final answer, which the grader checks:
//   step_ok(s)   = the grader's verdict on s's final answer   when s is the final step
//                  (a terminal: its "correct"; in an export: SolutionCorrect with the gold)
//                = SyntheticStepRight(question, steps before s, s)   otherwise
//                  (arithmetic: the calculation "a op b=c" checks; countdown: a valid move
//                   after which the numbers left can still reach the target)
//   prefix_ok(s) = step_ok(s) and prefix_ok(parent(s))          (the question: true)
// A PRM label speaks for the solution so far (a step after a mistake is not a good step:
// Lightman et al. 2023 label up to the first mistake; ProcessBench, Zheng et al. 2024, asks
// for the first wrong step), so the audit compares labels with prefix_ok by default
// (TruthRule::kPrefix); TruthRule::kStep compares with step_ok, the step on its own.
// For arithmetic, CheckCalculation sees arithmetic only: a correct calculation on a misread
// number is a good step to it. Countdown's truth is exact (datasets/countdown.h).
#pragma once

#include <string>
#include <vector>

#include "mcts/tree.h"

namespace steptree {

enum class TruthRule { kPrefix, kStep };
// "prefix", "step".
const char* TruthRuleName(TruthRule rule);

// Problem sources whose steps have exact truth: "synthetic" (arithmetic) and "countdown".
bool HasStepTruth(const std::string& source);

// step_ok, then the rule, for each step of a path whose last step is the final answer.
std::vector<bool> PathTruth(const std::string& question, const std::vector<std::string>& steps, bool final_correct,
                            TruthRule rule);

// The same for every node of a tree (index 0, the question, is true). Terminals are judged
// by their "correct" (false when unknown or invalid); other nodes by SyntheticStepRight.
std::vector<bool> TreeTruth(const Tree& tree, TruthRule rule);

// Whether some step of a path fails step_ok (the final step excluded: `steps` holds the
// steps before it).
bool HasWrongStep(const std::string& question, const std::vector<std::string>& steps_before_final);

}  // namespace steptree

#include "search/terminal.h"

#include <algorithm>

#include "datasets/answer.h"
#include "datasets/answer_text.h"
#include "datasets/synthetic.h"

namespace steptree {

const char* TerminalRewardName(TerminalReward reward) {
  switch (reward) {
    case TerminalReward::kGold: return "gold";
    case TerminalReward::kValue: return "value";
    case TerminalReward::kTarget: return "target";
  }
  return "unknown";
}

namespace {

// A terminal without a usable answer: reward -1, and not correct when gold is known.
StepOutcome Invalid(const TerminalRules& rules) {
  StepOutcome outcome;
  outcome.terminal = true;
  outcome.value = -1;
  if (rules.gold) outcome.correct = false;
  return outcome;
}

}  // namespace

TerminalRules MakeTerminalRules(const Problem& problem, const TreeSession& session, TerminalReward reward,
                                int max_depth) {
  TerminalRules rules;
  rules.gold = problem.gold;
  rules.reward = reward;
  rules.max_depth = max_depth;
  rules.max_state_tokens = session.max_state_tokens();
  if (session.max_new_tokens() > 0) {
    const long prompt_tokens = static_cast<long>(session.EncodeQuestion(problem.question).size());
    rules.max_state_tokens = std::min(rules.max_state_tokens, prompt_tokens + session.max_new_tokens());
  }
  rules.question = problem.question;
  rules.has_target = HasTargetCheck(problem.question);
  return rules;
}

StepOutcome ClassifyStep(const Node& node, long state_tokens, const TerminalRules& rules,
                         const std::vector<std::string>& path_steps) {
  const bool empty = answer_text::Trim(node.step).empty();
  if (empty || node.end == StepEnd::kCut || node.end == StepEnd::kContext) return Invalid(rules);
  if (node.end == StepEnd::kFinal) {
    StepOutcome outcome = Invalid(rules);
    outcome.answer = ExtractAnswer(node.step);
    if (!outcome.answer) return outcome;
    if (rules.gold) outcome.correct = SolutionCorrect(rules.question, rules.gold, path_steps, outcome.answer);
    if (rules.reward == TerminalReward::kGold && rules.gold) {
      outcome.value = *outcome.correct ? 1.0 : -1.0;
    } else if (rules.checks_target()) {
      outcome.value = *TargetCheck(rules.question, path_steps) ? 1.0 : -1.0;
    } else {
      outcome.value = node.value;
    }
    return outcome;
  }
  if (node.depth >= rules.max_depth || state_tokens >= rules.max_state_tokens) return Invalid(rules);
  StepOutcome outcome;
  outcome.value = node.value;
  return outcome;
}

void ApplyOutcome(const StepOutcome& outcome, Node* node) {
  node->terminal = outcome.terminal;
  node->value = outcome.value;
  node->answer = outcome.answer;
  node->correct = outcome.correct;
}

}  // namespace steptree

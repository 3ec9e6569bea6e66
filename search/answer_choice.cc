#include "search/answer_choice.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "search/voting.h"

namespace steptree {

namespace {

constexpr AnswerBy kAllAnswerBy[] = {AnswerBy::kQValue, AnswerBy::kValue, AnswerBy::kVisits, AnswerBy::kMajority};

// Terminals holding a parsable answer, in tag order.
std::vector<int> AnsweredTerminals(const Tree& tree) {
  std::vector<int> nodes;
  for (int i = 1; i < tree.size(); ++i) {
    if (tree.node(i).terminal && tree.node(i).answer) nodes.push_back(i);
  }
  std::sort(nodes.begin(), nodes.end(), [&](int a, int b) { return tree.TagLess(a, b); });
  return nodes;
}

// The sort key of a terminal (bigger is better); earlier candidates win ties.
std::tuple<double, double> RankKey(const Node& node, AnswerBy by) {
  switch (by) {
    case AnswerBy::kQValue: return {node.Q(), node.visits};
    case AnswerBy::kValue: return {node.value, node.visits};
    case AnswerBy::kVisits: return {node.visits, node.Q()};
    case AnswerBy::kMajority: break;
  }
  return {0, 0};
}

}  // namespace

const char* AnswerByName(AnswerBy by) {
  switch (by) {
    case AnswerBy::kQValue: return "q_value";
    case AnswerBy::kValue: return "value";
    case AnswerBy::kVisits: return "visits";
    case AnswerBy::kMajority: return "majority";
  }
  return "unknown";
}

std::optional<AnswerBy> AnswerByFromName(const std::string& name) {
  for (AnswerBy by : kAllAnswerBy) {
    if (name == AnswerByName(by)) return by;
  }
  return std::nullopt;
}

int ChooseAnswer(const Tree& tree, AnswerBy by, bool verified_first) {
  std::vector<int> terminals = AnsweredTerminals(tree);
  if (verified_first) {
    std::vector<int> verified;
    for (int node : terminals) {
      if (tree.node(node).value >= 1.0) verified.push_back(node);
    }
    if (!verified.empty()) terminals = std::move(verified);
  }
  if (by == AnswerBy::kMajority) {
    std::vector<Ballot> ballots;
    for (int node : terminals) ballots.push_back({node, *tree.node(node).answer, double(tree.node(node).visits)});
    return MajorityVote(ballots);
  }
  int best = -1;
  for (int node : terminals) {
    if (best < 0 || RankKey(tree.node(node), by) > RankKey(tree.node(best), by)) best = node;
  }
  return best;
}

}  // namespace steptree

// Hard, soft and Q labels of a pruned tree's steps (export/labels.h).
#include "export/labels.h"

#include <algorithm>

namespace steptree {
namespace {

double ClampUnit(double x) { return std::clamp(x, -1.0, 1.0); }

}  // namespace

const char* StepLabelRuleName(StepLabelRule rule) {
  switch (rule) {
    case StepLabelRule::kHard: return "hard";
    case StepLabelRule::kSoftQ: return "soft-q";
    case StepLabelRule::kSoftFrac: return "soft-frac";
  }
  return "?";
}

TreeLabels::TreeLabels(const Tree& tree, int min_visits)
    : tree_(tree), min_visits_(min_visits), correct_below_(tree.size(), 0), terminals_below_(tree.size(), 0) {
  // Children come after their parents: one backward sweep sums the counts upwards.
  for (int i = tree.size() - 1; i >= 0; --i) {
    const Node& node = tree.node(i);
    if (node.terminal) {
      terminals_below_[i] += 1;
      correct_below_[i] += node.correct.value_or(false) ? 1 : 0;
    }
    if (node.parent >= 0) {
      terminals_below_[node.parent] += terminals_below_[i];
      correct_below_[node.parent] += correct_below_[i];
    }
  }
}

double TreeLabels::SoftFrac(int node) const {
  const int total = terminals_below_.at(node);
  return total == 0 ? 0.0 : static_cast<double>(correct_below_[node]) / total;
}

std::optional<double> TreeLabels::QTarget(int node) const {
  const Node& n = tree_.node(node);
  if (n.terminal && n.correct) return *n.correct ? 1.0 : -1.0;
  if (n.visits >= min_visits_ && n.visits > 0) return ClampUnit(n.Q());
  return std::nullopt;
}

double TreeLabels::QOrValue(int node) const {
  const std::optional<double> q = QTarget(node);
  return q ? *q : ClampUnit(tree_.node(node).value);
}

double TreeLabels::Label(int node, StepLabelRule rule) const {
  switch (rule) {
    case StepLabelRule::kHard: return Hard(node) ? 1.0 : 0.0;
    case StepLabelRule::kSoftQ: return SoftQ(node);
    case StepLabelRule::kSoftFrac: return SoftFrac(node);
  }
  return 0.0;
}

}  // namespace steptree

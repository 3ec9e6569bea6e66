// Dropping subtrees without a valid terminal and merging identical siblings
// (export/prune.h).
#include "export/prune.h"

#include <tuple>

#include "datasets/answer_text.h"

namespace steptree {
namespace {

// What makes two siblings the same step (rule 2).
using MergeKey = std::tuple<std::string, bool, std::string, bool>;
MergeKey KeyOf(const Node& node) {
  return {answer_text::Trim(node.step), node.terminal, node.answer.value_or(""), node.answer.has_value()};
}

// Copies groups of identical input siblings (kept nodes only), each as one output node,
// depth first: the output's index order is its tag order. An explicit stack instead of
// recursion, so that no input depth can exhaust the call stack.
class Copier {
 public:
  Copier(const Tree& input, const std::vector<bool>& keep, PrunedTree* out, PruneStats* stats)
      : input_(input), keep_(keep), out_(out), stats_(stats) {}

  void CopyFromRoot() {
    struct Work {
      std::vector<int> group;  // identical input siblings, first one first
      int parent;              // output index of the parent; -1 for the root
    };
    std::vector<Work> stack = {{{0}, -1}};
    while (!stack.empty()) {
      Work work = std::move(stack.back());
      stack.pop_back();
      const int index = CopyGroup(work.group, work.parent);
      // Children groups pushed last-first, so the first group is copied next.
      std::vector<std::vector<int>> groups = ChildGroups(work.group);
      for (auto it = groups.rbegin(); it != groups.rend(); ++it) stack.push_back({std::move(*it), index});
    }
  }

 private:
  // One output node for `group` under `parent`; returns its index.
  int CopyGroup(const std::vector<int>& group, int parent) {
    Node merged = input_.node(group.front());
    merged.children.clear();
    merged.parent = parent;
    for (size_t k = 1; k < group.size(); ++k) {
      const Node& twin = input_.node(group[k]);
      merged.visits += twin.visits;
      merged.value_sum += twin.value_sum;
      merged.merged += 1 + twin.merged;
      stats_->nodes_merged += 1;
    }
    out_->source_tags.push_back(input_.Tag(group.front()));
    if (parent >= 0) return out_->tree.AppendNode(std::move(merged));
    out_->tree = Tree(merged.step, {});
    out_->tree.node(0) = std::move(merged);
    return 0;
  }

  // The kept children of every member, grouped by MergeKey in order of first appearance.
  std::vector<std::vector<int>> ChildGroups(const std::vector<int>& group) const {
    std::vector<MergeKey> keys;
    std::vector<std::vector<int>> groups;
    for (int member : group) {
      for (int child : input_.node(member).children) {
        if (!keep_[child]) continue;
        const MergeKey key = KeyOf(input_.node(child));
        size_t g = 0;
        while (g < keys.size() && keys[g] != key) ++g;
        if (g == keys.size()) {
          keys.push_back(key);
          groups.emplace_back();
        }
        groups[g].push_back(child);
      }
    }
    return groups;
  }

  const Tree& input_;
  const std::vector<bool>& keep_;
  PrunedTree* out_;
  PruneStats* stats_;
};

}  // namespace

bool IsValidTerminal(const Node& node) {
  return node.terminal && node.answer.has_value() && node.correct.has_value();
}

PruneStats& PruneStats::operator+=(const PruneStats& other) {
  nodes_in += other.nodes_in;
  nodes_kept += other.nodes_kept;
  nodes_dropped += other.nodes_dropped;
  nodes_merged += other.nodes_merged;
  return *this;
}

PrunedTree PruneTree(const Tree& tree, PruneStats* stats) {
  PruneStats local;
  // keep[i]: the subtree of i holds a valid terminal. Children have higher indices than
  // their parents (mcts/tree.h), so one backward sweep settles every node.
  std::vector<bool> keep(tree.size(), false);
  for (int i = tree.size() - 1; i >= 1; --i) {
    if (IsValidTerminal(tree.node(i))) keep[i] = true;
    if (keep[i]) keep[tree.node(i).parent] = true;
  }
  keep[0] = true;  // the root stays, alone when nothing below is kept
  PrunedTree out;
  Copier(tree, keep, &out, &local).CopyFromRoot();
  local.nodes_in = tree.size();
  local.nodes_kept = out.tree.size();
  for (bool kept : keep) local.nodes_dropped += kept ? 0 : 1;
  if (stats) *stats += local;
  return out;
}

}  // namespace steptree

// Paths of a pruned tree and the per-question cap (export/paths.h).
#include "export/paths.h"

#include <algorithm>

namespace steptree {

std::optional<long> ParsePathLimit(const std::string& text) {
  if (text == "all") return kNoPathLimit;
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stol(text);
}

std::vector<TreePath> AllPaths(const Tree& tree) {
  std::vector<TreePath> paths;
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree.node(i);
    if (!node.terminal) continue;
    TreePath path;
    path.terminal = i;
    path.correct = node.correct.value_or(false);
    path.nodes = tree.PathFromRoot(i);
    path.nodes.erase(path.nodes.begin());  // the root is the question, not a step
    paths.push_back(std::move(path));
  }
  return paths;
}

std::vector<TreePath> CapPaths(const Tree& tree, const std::vector<TreePath>& paths, long max_correct,
                               long max_incorrect) {
  std::vector<size_t> order(paths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Most visited first; stable, so ties keep tag order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return tree.node(paths[a].terminal).visits > tree.node(paths[b].terminal).visits;
  });
  std::vector<bool> keep(paths.size(), false);
  long correct = 0, incorrect = 0;
  for (size_t i : order) {
    long& taken = paths[i].correct ? correct : incorrect;
    const long cap = paths[i].correct ? max_correct : max_incorrect;
    if (cap != kNoPathLimit && taken >= cap) continue;
    ++taken;
    keep[i] = true;
  }
  std::vector<TreePath> kept;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (keep[i]) kept.push_back(paths[i]);
  }
  return kept;
}

}  // namespace steptree

#include "mcts/tree.h"

#include <algorithm>
#include <stdexcept>

#include "datasets/answer_text.h"

namespace steptree {

namespace {

bool SameStep(const Node& node, const StepCandidate& candidate) {
  return node.end == candidate.end && answer_text::Trim(node.step) == answer_text::Trim(candidate.text);
}

}  // namespace

Tree::Tree(std::string question, std::vector<int> question_state) {
  Node root;
  root.step = std::move(question);
  root.num_tokens = static_cast<int>(question_state.size());
  root.token_ids = std::move(question_state);
  nodes_.push_back(std::move(root));
}

std::string Tree::Tag(int index) const {
  std::string tag = "0";
  for (int position : TagPath(index)) tag += "." + std::to_string(position);
  return tag;
}

std::vector<int> Tree::TagPath(int index) const {
  std::vector<int> positions;
  for (int child = index; nodes_.at(child).parent >= 0; child = nodes_[child].parent) {
    const std::vector<int>& siblings = nodes_[nodes_[child].parent].children;
    positions.push_back(static_cast<int>(std::find(siblings.begin(), siblings.end(), child) - siblings.begin()));
  }
  std::reverse(positions.begin(), positions.end());
  return positions;
}

bool Tree::TagLess(int a, int b) const { return TagPath(a) < TagPath(b); }

std::vector<int> Tree::PathFromRoot(int index) const {
  std::vector<int> path;
  for (int at = index; at >= 0; at = nodes_.at(at).parent) path.push_back(at);
  std::reverse(path.begin(), path.end());
  return path;
}

std::vector<std::string> Tree::PathSteps(int index) const {
  std::vector<std::string> steps;
  for (int at : PathFromRoot(index)) {
    if (at != 0) steps.push_back(nodes_[at].step);
  }
  return steps;
}

std::vector<int> Tree::StateTokens(int index) const {
  std::vector<int> state;
  for (int at : PathFromRoot(index)) {
    const std::vector<int>& ids = nodes_[at].token_ids;
    state.insert(state.end(), ids.begin(), ids.end());
  }
  return state;
}

long Tree::StateLength(int index) const {
  long length = 0;
  for (int at = index; at >= 0; at = nodes_.at(at).parent) length += nodes_[at].num_tokens;
  return length;
}

std::vector<Tree::Insertion> Tree::AddChildren(int parent, const std::vector<StepCandidate>& candidates) {
  std::vector<Insertion> insertions;
  insertions.reserve(candidates.size());
  for (const StepCandidate& candidate : candidates) {
    const double probability = candidate.MeanTokenProbability();
    int existing = -1;
    for (int child : nodes_.at(parent).children) {
      if (SameStep(nodes_[child], candidate)) {
        existing = child;
        break;
      }
    }
    if (existing >= 0) {
      nodes_[existing].probability += probability;
      nodes_[existing].merged += 1;
      insertions.push_back({existing, false});
      continue;
    }
    Node child;
    child.parent = parent;
    child.step = candidate.text;
    child.token_ids = candidate.token_ids;
    child.num_tokens = static_cast<int>(candidate.token_ids.size());
    child.logprob_sum = candidate.logprob_sum;
    child.tool_tokens = candidate.tool_tokens;
    child.probability = probability;
    child.value = candidate.value;
    child.end = candidate.end;
    insertions.push_back({AppendNode(std::move(child)), true});
  }
  NormalisePriors(parent);
  return insertions;
}

int Tree::AppendNode(Node node) {
  if (node.parent < 0 || node.parent >= size()) {
    throw std::out_of_range("Tree::AppendNode: parent " + std::to_string(node.parent) + " does not exist");
  }
  const int index = size();
  node.depth = nodes_[node.parent].depth + 1;
  nodes_[node.parent].children.push_back(index);
  nodes_.push_back(std::move(node));
  return index;
}

// Priors proportional to the probability mass; uniform when every mass is zero.
void Tree::NormalisePriors(int parent) {
  const std::vector<int>& children = nodes_.at(parent).children;
  double total = 0;
  for (int child : children) total += nodes_[child].probability;
  for (int child : children) {
    nodes_[child].prior = total > 0 ? nodes_[child].probability / total : 1.0 / children.size();
  }
}

}  // namespace steptree

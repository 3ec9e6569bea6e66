#include "mcts/tree_json.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "datasets/calculator.h"

namespace steptree {

namespace {

constexpr StepEnd kAllEnds[] = {StepEnd::kStep, StepEnd::kFinal, StepEnd::kCut,
                                     StepEnd::kContext};

[[noreturn]] void Malformed(size_t index, const std::string& expected) {
  throw std::runtime_error("tree node " + std::to_string(index) + ": expected " + expected);
}

// Reads the fields of one node object with type checks; J is json or ordered_json.
template <typename J>
class NodeReader {
 public:
  NodeReader(const J& object, size_t index) : object_(object), index_(index) {
    if (!object.is_object()) Malformed(index, "a JSON object");
  }
  const J& Get(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) Malformed(index_, std::string("field \"") + key + "\"");
    return *it;
  }
  std::string String(const char* key) const {
    const J& v = Get(key);
    if (!v.is_string()) Malformed(index_, std::string("field \"") + key + "\" to be a string");
    return v.template get<std::string>();
  }
  double Number(const char* key) const {
    const J& v = Get(key);
    if (!v.is_number()) Malformed(index_, std::string("field \"") + key + "\" to be a number");
    return v.template get<double>();
  }
  bool Has(const char* key) const { return object_.find(key) != object_.end(); }
  int Count(const char* key) const {
    const J& v = Get(key);
    if (!v.is_number_integer() || v.template get<long long>() < 0 || v.template get<long long>() > INT_MAX) {
      Malformed(index_, std::string("field \"") + key + "\" to be a non-negative integer");
    }
    return v.template get<int>();
  }
  bool Bool(const char* key) const {
    const J& v = Get(key);
    if (!v.is_boolean()) Malformed(index_, std::string("field \"") + key + "\" to be true or false");
    return v.template get<bool>();
  }
  std::optional<std::string> OptionalString(const char* key) const {
    const J& v = Get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) Malformed(index_, std::string("field \"") + key + "\" to be a string or null");
    return v.template get<std::string>();
  }
  std::optional<bool> OptionalBool(const char* key) const {
    const J& v = Get(key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_boolean()) Malformed(index_, std::string("field \"") + key + "\" to be true, false or null");
    return v.template get<bool>();
  }
  [[noreturn]] void Fail(const std::string& expected) const { Malformed(index_, expected); }
  StepEnd End() const {
    const std::string name = String("end");
    for (StepEnd end : kAllEnds) {
      if (name == StepEndName(end)) return end;
    }
    Malformed(index_, "field \"end\" to be \"step\", \"final\", \"cut\" or \"context\", found \"" + name + "\"");
  }

 private:
  const J& object_;
  size_t index_;
};

// Splits "0.3.1" into its parent tag "0.3" and position 1; false when not of that form.
bool SplitTag(const std::string& tag, std::string* parent_tag, int* position) {
  const size_t dot = tag.rfind('.');
  if (dot == std::string::npos || dot + 1 == tag.size() || tag.size() - dot > 10) return false;
  for (size_t i = dot + 1; i < tag.size(); ++i) {
    if (tag[i] < '0' || tag[i] > '9') return false;
  }
  if (tag[dot + 1] == '0' && tag.size() - dot > 2) return false;  // no leading zeros
  *parent_tag = tag.substr(0, dot);
  *position = std::stoi(tag.substr(dot + 1));
  return true;
}

// The fields every node carries, terminal ones included.
template <typename J>
Node ReadNodeFields(const NodeReader<J>& reader) {
  Node node;
  node.step = reader.String("step");
  node.prior = reader.Number("prior");
  node.probability = node.prior;
  node.value = reader.Number("value");
  node.value_sum = reader.Number("value_sum");
  node.visits = reader.Count("visits");
  const double q = reader.Number("q");
  if (std::abs(q - node.Q()) > 1e-9 * std::max(1.0, std::abs(q))) {
    reader.Fail("\"q\" = value_sum / visits (" + std::to_string(node.Q()) + "), found " + std::to_string(q));
  }
  node.depth = reader.Count("depth");
  node.terminal = reader.Bool("terminal");
  node.end = reader.End();
  node.logprob_sum = reader.Number("logprob");
  node.num_tokens = reader.Count("tokens");
  node.merged = reader.Count("merged");
  if (reader.Has("tool_tokens")) node.tool_tokens = reader.Count("tool_tokens");
  if (node.terminal) {
    node.answer = reader.OptionalString("answer");
    node.correct = reader.OptionalBool("correct");
  }
  return node;
}

template <typename J>
Tree ReadTree(const J& nodes) {
  if (!nodes.is_array() || nodes.empty()) {
    throw std::runtime_error("tree: expected a non-empty JSON array of nodes");
  }
  std::map<std::string, int> index_of_tag;
  std::optional<Tree> tree;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeReader<J> reader(nodes[i], i);
    const std::string tag = reader.String("tag");
    Node node = ReadNodeFields(reader);
    if (i == 0) {
      if (tag != "0") Malformed(i, "the root's tag \"0\" first, found \"" + tag + "\"");
      if (node.depth != 0) Malformed(i, "depth 0 at the root");
      tree.emplace(node.step, std::vector<int>{});
      tree->node(0) = std::move(node);
      index_of_tag[tag] = 0;
      continue;
    }
    std::string parent_tag;
    int position = 0;
    if (!SplitTag(tag, &parent_tag, &position)) Malformed(i, "a tag like \"0.3.1\", found \"" + tag + "\"");
    const auto parent = index_of_tag.find(parent_tag);
    if (parent == index_of_tag.end()) {
      Malformed(i, "the parent \"" + parent_tag + "\" of \"" + tag + "\" earlier in the array");
    }
    const Node& parent_node = tree->node(parent->second);
    if (parent_node.terminal) Malformed(i, "no children under the terminal \"" + parent_tag + "\"");
    if (position != static_cast<int>(parent_node.children.size())) {
      const std::string next = parent_tag + "." + std::to_string(parent_node.children.size());
      Malformed(i, "tag \"" + next + "\" next (children in order), found \"" + tag + "\"");
    }
    if (node.depth != parent_node.depth + 1) {
      Malformed(i, "depth " + std::to_string(parent_node.depth + 1) + " for tag \"" + tag + "\"");
    }
    node.parent = parent->second;
    index_of_tag[tag] = tree->AppendNode(std::move(node));
  }
  return std::move(*tree);
}

}  // namespace

nlohmann::ordered_json NodeToJson(const Tree& tree, int index) {
  const Node& node = tree.node(index);
  nlohmann::ordered_json out;
  out["tag"] = tree.Tag(index);
  out["step"] = node.step;
  out["prior"] = node.prior;
  out["value"] = node.value;
  out["q"] = node.Q();
  out["value_sum"] = node.value_sum;
  out["visits"] = node.visits;
  out["depth"] = node.depth;
  out["terminal"] = node.terminal;
  out["end"] = StepEndName(node.end);
  out["logprob"] = node.logprob_sum;
  out["tokens"] = node.num_tokens;
  out["merged"] = node.merged;
  if (node.tool_tokens > 0) {  // absent when no tool wrote into the step
    out["tool_tokens"] = node.tool_tokens;
    nlohmann::ordered_json spans = nlohmann::ordered_json::array();
    for (const auto& [begin, end] : ToolWrittenSpans(node.step)) spans.push_back({begin, end});
    out["tool_spans"] = spans;
  }
  if (node.terminal) {
    out["answer"] = node.answer ? nlohmann::ordered_json(*node.answer) : nlohmann::ordered_json(nullptr);
    out["correct"] = node.correct ? nlohmann::ordered_json(*node.correct) : nlohmann::ordered_json(nullptr);
  }
  return out;
}

nlohmann::ordered_json TreeToJson(const Tree& tree) {
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (int i = 0; i < tree.size(); ++i) nodes.push_back(NodeToJson(tree, i));
  return nodes;
}

Tree TreeFromJson(const nlohmann::json& nodes) { return ReadTree(nodes); }
Tree TreeFromJson(const nlohmann::ordered_json& nodes) { return ReadTree(nodes); }

}  // namespace steptree

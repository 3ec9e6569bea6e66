// A small hand-built trees record with known labels, shared by tests/test_export.cc and
// tests/test_audit.cc. "Calculate 2*3+4." (gold 10):
//
//   0 question                                visits 10
//   0.0   2*3=6          value 0.2  visits 6  value_sum  2   (Q  1/3)
//   0.0.0   6+4=10       value 0.5  visits 3  value_sum  1   (Q  1/3)
//   0.0.0.0   The answer is 10   terminal correct   visits 2  value_sum  2
//   0.0.0.1   The answer is 11   terminal wrong     visits 1  value_sum -1
//   0.0.1   6+4=11       value 0.4  visits 3  value_sum -3   (Q -1)
//   0.0.1.0   The answer is 11   terminal wrong     visits 3  value_sum -3
//   0.1   2*3=5          value -0.1 visits 3  value_sum -1   (Q -1/3; a wrong step)
//   0.1.0   5+4=9        value 0.1  visits 2  value_sum  0
//   0.1.0.0   The answer is 10   terminal correct   visits 1  value_sum  1  (a lucky answer)
//   0.1.0.1   The answer is 9    terminal wrong     visits 1  value_sum -1
//   0.1.1   "5+4=9 "     value 0.3  visits 1  value_sum -1   (same text: merged into 0.1.0)
//   0.1.1.0   The answer is 9    terminal wrong     visits 1  value_sum -1  (merged into 0.1.0.1)
//   0.2   2*3=7          value -0.5 visits 1  value_sum -1
//   0.2.0   "7+4="       terminal, end "cut", no answer (invalid: 0.2 is dropped)
//   0.3   2+3=5          unvisited, unexpanded (dropped)
//
// Pruned (index order = tag order): 0, 0.0, 0.0.0, 0.0.0.0, 0.0.0.1, 0.0.1, 0.0.1.0, 0.1,
// 0.1.0 (+0.1.1), 0.1.0.0, 0.1.0.1 (+0.1.1.0): 11 nodes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace steptree::test {

inline nlohmann::json FixtureNode(const std::string& tag, const std::string& step, double value, int visits,
                                  double value_sum, bool terminal = false, const char* end = "step",
                                  nlohmann::json answer = nullptr, nlohmann::json correct = nullptr) {
  int depth = 0;
  for (char c : tag) depth += c == '.' ? 1 : 0;
  nlohmann::ordered_json node;
  node["tag"] = tag;
  node["step"] = step;
  node["prior"] = 0.5;
  node["value"] = value;
  node["q"] = visits == 0 ? 0.0 : value_sum / visits;
  node["value_sum"] = value_sum;
  node["visits"] = visits;
  node["depth"] = depth;
  node["terminal"] = terminal;
  node["end"] = end;
  node["logprob"] = -1.0;
  node["tokens"] = 5;
  node["merged"] = 0;
  if (terminal) {
    node["answer"] = answer;
    node["correct"] = correct;
  }
  return nlohmann::json::parse(node.dump());
}

inline nlohmann::json FixtureTreeNodes() {
  using test::FixtureNode;
  return nlohmann::json::array({
      FixtureNode("0", "Calculate 2*3+4.", 0.0, 10, -2),
      FixtureNode("0.0", "2*3=6", 0.2, 6, 2),
      FixtureNode("0.0.0", "6+4=10", 0.5, 3, 1),
      FixtureNode("0.0.0.0", "The answer is 10", 1, 2, 2, true, "final", "10", true),
      FixtureNode("0.0.0.1", "The answer is 11", -1, 1, -1, true, "final", "11", false),
      FixtureNode("0.0.1", "6+4=11", 0.4, 3, -3),
      FixtureNode("0.0.1.0", "The answer is 11", -1, 3, -3, true, "final", "11", false),
      FixtureNode("0.1", "2*3=5", -0.1, 3, -1),
      FixtureNode("0.1.0", "5+4=9", 0.1, 2, 0),
      FixtureNode("0.1.0.0", "The answer is 10", 1, 1, 1, true, "final", "10", true),
      FixtureNode("0.1.0.1", "The answer is 9", -1, 1, -1, true, "final", "9", false),
      FixtureNode("0.1.1", "5+4=9 ", 0.3, 1, -1),
      FixtureNode("0.1.1.0", "The answer is 9", -1, 1, -1, true, "final", "9", false),
      FixtureNode("0.2", "2*3=7", -0.5, 1, -1),
      FixtureNode("0.2.0", "7+4=", -1, 1, -1, true, "cut", nullptr, false),
      FixtureNode("0.3", "2+3=5", 0.0, 0, 0),
  });
}

// The whole trees-file record (search/record.h layout) around FixtureTreeNodes.
inline nlohmann::json FixtureTreeRecord(const std::string& id = "p1", const std::string& source = "synthetic") {
  return {{"format", "steptree-tree"},
          {"version", 1},
          {"id", id},
          {"problem",
           {{"id", id},
            {"question", "Calculate 2*3+4."},
            {"answer", "10"},
            {"difficulty", 2},
            {"source", source},
            {"steps", {"2*3=6", "6+4=10", "The answer is 10"}}}},
          {"config", {{"mode", "mcts"}}},
          {"budget", {{"generated_tokens", 1}, {"prefill_tokens", 1}, {"forward_calls", 1}, {"nodes", 16}}},
          {"answer", "10"},
          {"correct", true},
          {"tree", FixtureTreeNodes()}};
}

}  // namespace steptree::test

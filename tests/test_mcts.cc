// The tree (mcts/): tags and states, prior normalisation and duplicate merging, backup,
// PUCT with hand-computed scores, virtual loss, JSON round trip and validation, value
// targets. No model and no torch: nodes are built from hand-made candidates.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mcts/backup.h"
#include "mcts/puct.h"
#include "mcts/tree.h"
#include "mcts/tree_json.h"
#include "mcts/value_targets.h"

using namespace steptree;

namespace {

// A candidate whose mean token probability is `probability`: one id per byte + delimiter.
StepCandidate Candidate(const std::string& text, double probability, float value = 0,
                        StepEnd end = StepEnd::kStep) {
  StepCandidate c;
  c.text = text;
  for (unsigned char ch : text) c.token_ids.push_back(ch);
  c.token_ids.push_back(end == StepEnd::kFinal ? 257 : '\n');
  c.logprob_sum = std::log(probability) * static_cast<double>(c.token_ids.size());
  c.end = end;
  c.value = value;
  return c;
}

Tree QuestionTree() { return Tree("What is 2+3?", {1, 2, 3}); }

// root -> {"a", "b", "c"}; "b" -> {"b0"}.
Tree SmallTree() {
  Tree tree = QuestionTree();
  tree.AddChildren(0, {Candidate("a", 0.5), Candidate("b", 0.3), Candidate("c", 0.2)});
  tree.AddChildren(2, {Candidate("b0", 1.0)});
  return tree;
}

}  // namespace

TEST_SUITE("mcts") {

TEST_CASE("mcts tree: tags, paths, depths and state tokens") {
  Tree tree = QuestionTree();
  for (int i = 0; i < 11; ++i) tree.AddChildren(0, {Candidate("s" + std::to_string(i), 0.5)});
  tree.AddChildren(3, {Candidate("x", 0.5), Candidate("y", 0.5)});
  CHECK(tree.Tag(0) == "0");
  CHECK(tree.Tag(1) == "0.0");
  CHECK(tree.Tag(11) == "0.10");
  CHECK(tree.Tag(12) == "0.2.0");
  CHECK(tree.Tag(13) == "0.2.1");
  CHECK(tree.node(13).depth == 2);
  CHECK(tree.node(13).parent == 3);
  CHECK(tree.PathFromRoot(13) == std::vector<int>{0, 3, 13});
  // Tag order is numeric per level: "0.2" < "0.2.0" < "0.10".
  CHECK(tree.TagLess(3, 12));
  CHECK(tree.TagLess(12, 11));
  CHECK_FALSE(tree.TagLess(11, 3));
  // State = question ids + every step's ids.
  CHECK(tree.StateTokens(13) == std::vector<int>{1, 2, 3, 's', '2', '\n', 'y', '\n'});
  CHECK(tree.StateLength(13) == 8);
}

TEST_CASE("mcts priors: normalised over siblings, duplicates merged into the first") {
  Tree tree = QuestionTree();
  const auto insertions = tree.AddChildren(0, {Candidate("x = 1", 0.5), Candidate("  x = 1 ", 0.3),
                                               Candidate("y = 2", 0.2),
                                               Candidate("x = 1", 0.1, 0, StepEnd::kFinal)});
  REQUIRE(insertions.size() == 4);
  CHECK(insertions[0].created);
  CHECK(insertions[1].node == insertions[0].node);  // same text after trimming: merged
  CHECK_FALSE(insertions[1].created);
  CHECK(insertions[3].created);  // same text but a final step: a different state
  REQUIRE(tree.root().children.size() == 3);
  const Node& x = tree.node(insertions[0].node);
  const Node& y = tree.node(insertions[2].node);
  const Node& x_final = tree.node(insertions[3].node);
  CHECK(x.merged == 1);
  CHECK(x.step == "x = 1");  // the first one is kept
  CHECK(x.prior == doctest::Approx(0.8 / 1.1));
  CHECK(y.prior == doctest::Approx(0.2 / 1.1));
  CHECK(x_final.prior == doctest::Approx(0.1 / 1.1));

  // A later duplicate renormalises every sibling.
  tree.AddChildren(0, {Candidate("y = 2", 0.4)});
  CHECK(tree.root().children.size() == 3);
  CHECK(tree.node(insertions[2].node).merged == 1);
  CHECK(tree.node(insertions[0].node).prior == doctest::Approx(0.8 / 1.5));
  CHECK(tree.node(insertions[2].node).prior == doctest::Approx(0.6 / 1.5));
  double total = 0;
  for (int child : tree.root().children) total += tree.node(child).prior;
  CHECK(total == doctest::Approx(1.0));
}

TEST_CASE("mcts backup: the value is added to the leaf and every ancestor, Q = value_sum / visits") {
  Tree tree = SmallTree();
  const int b = 2, b0 = 4, a = 1;
  Backup(tree, b0, 0.5);
  Backup(tree, b, -0.25);
  Backup(tree, a, 1.0);
  CHECK(tree.node(0).visits == 3);
  CHECK(tree.node(0).value_sum == 1.25);
  CHECK(tree.node(0).Q() == doctest::Approx(1.25 / 3));
  CHECK(tree.node(b).visits == 2);
  CHECK(tree.node(b).value_sum == 0.25);
  CHECK(tree.node(b).Q() == 0.125);
  CHECK(tree.node(b0).visits == 1);
  CHECK(tree.node(b0).Q() == 0.5);
  CHECK(tree.node(a).Q() == 1.0);
  CHECK(tree.node(3).visits == 0);
  CHECK(tree.node(3).Q() == 0.0);  // unvisited
}

TEST_CASE("mcts puct: hand-computed scores, ordering and ties") {
  Tree tree = SmallTree();
  Node& root = tree.node(0);
  root.visits = 10;
  Node& a = tree.node(1);
  Node& b = tree.node(2);
  Node& c = tree.node(3);
  a.prior = 0.5, a.visits = 4, a.value_sum = 1.0;  // Q 0.25
  b.prior = 0.3, b.visits = 1, b.value_sum = 0.5;  // Q 0.5
  c.prior = 0.2, c.visits = 0, c.value_sum = 0;    // unvisited: Q 0
  // Q + 1.5 * P * sqrt(10) / (1 + N)
  CHECK(PuctScore(root, a, 1.5) == doctest::Approx(0.25 + 1.5 * 0.5 * std::sqrt(10.0) / 5).epsilon(1e-12));
  CHECK(PuctScore(root, a, 1.5) == doctest::Approx(0.724341649));
  CHECK(PuctScore(root, b, 1.5) == doctest::Approx(1.211512474));
  CHECK(PuctScore(root, c, 1.5) == doctest::Approx(0.948683298));
  CHECK(SelectChild(tree, 0, 1.5) == 2);
  // With no exploration the best Q wins.
  CHECK(SelectChild(tree, 0, 0.0) == 2);
  b.value_sum = 0;
  CHECK(SelectChild(tree, 0, 0.0) == 1);
  // Equal scores: the lower position wins.
  Tree ties = QuestionTree();
  ties.AddChildren(0, {Candidate("p", 0.5), Candidate("q", 0.5)});
  ties.node(0).visits = 1;
  CHECK(SelectChild(ties, 0, 1.5) == 1);
  CHECK(SelectPath(ties, 1.5) == std::vector<int>{0, 1});
  CHECK(SelectChild(ties, 1, 1.5) == -1);  // a leaf
}

TEST_CASE("mcts virtual loss: counts as visits of value -1, steers selection, reverts exactly") {
  Tree tree = QuestionTree();
  tree.AddChildren(0, {Candidate("good", 0.5), Candidate("fair", 0.5)});
  tree.node(0).visits = 2;
  tree.node(0).value_sum = 0.7;
  tree.node(1).visits = 1, tree.node(1).value_sum = 0.4;
  tree.node(2).visits = 1, tree.node(2).value_sum = 0.3;
  const std::vector<Node> before = tree.nodes();
  const double score_before = PuctScore(tree.node(0), tree.node(1), 1.5);
  REQUIRE(SelectPath(tree, 1.5) == std::vector<int>{0, 1});

  ApplyVirtualLoss(tree, {0, 1});
  CHECK(tree.node(1).EffectiveVisits() == 2);
  CHECK(tree.node(1).EffectiveQ() == doctest::Approx((0.4 - 1) / 2));
  CHECK(tree.node(0).EffectiveVisits() == 3);
  CHECK(tree.node(1).visits == 1);  // real statistics untouched
  CHECK(tree.node(1).value_sum == 0.4);
  CHECK(PuctScore(tree.node(0), tree.node(1), 1.5) == doctest::Approx(-0.3 + 0.75 * std::sqrt(3.0) / 3));
  CHECK(PuctScore(tree.node(0), tree.node(2), 1.5) == doctest::Approx(0.3 + 0.75 * std::sqrt(3.0) / 2));
  CHECK(SelectPath(tree, 1.5) == std::vector<int>{0, 2});  // the in-flight path is avoided

  // An unvisited node with a rollout in flight reads as Q = -1.
  Tree fresh = QuestionTree();
  fresh.AddChildren(0, {Candidate("z", 1.0)});
  ApplyVirtualLoss(fresh, {0, 1});
  CHECK(fresh.node(1).EffectiveQ() == -1.0);
  RevertVirtualLoss(fresh, {0, 1});
  CHECK(fresh.node(1).EffectiveQ() == 0.0);

  RevertVirtualLoss(tree, {0, 1});
  for (int i = 0; i < tree.size(); ++i) {
    CHECK(tree.node(i).visits == before[i].visits);
    CHECK(tree.node(i).value_sum == before[i].value_sum);
    CHECK(tree.node(i).in_flight == 0);
  }
  CHECK(PuctScore(tree.node(0), tree.node(1), 1.5) == score_before);  // bit-exact
  CHECK(SelectPath(tree, 1.5) == std::vector<int>{0, 1});
}

TEST_CASE("mcts tree json: fixed keys, deterministic, lossless round trip") {
  Tree tree = SmallTree();
  tree.AddChildren(4, {Candidate("The answer is 5.", 0.9, 0.75f, StepEnd::kFinal),
                       Candidate("The answer is 6.", 0.1, -0.5f, StepEnd::kFinal)});
  tree.node(5).terminal = true, tree.node(5).answer = "5", tree.node(5).correct = true, tree.node(5).value = 1;
  tree.node(6).terminal = true, tree.node(6).answer = "6";  // gold unknown: correct null
  tree.node(3).terminal = true;                             // an invalid terminal: no answer
  Backup(tree, 5, 1.0);
  Backup(tree, 4, 0.1);
  Backup(tree, 1, -0.3);

  const nlohmann::ordered_json json = TreeToJson(tree);
  REQUIRE(json.size() == 7);
  const std::string root = json[0].dump();
  CHECK(root.rfind(R"({"tag":"0","step":"What is 2+3?","prior":1.0,"value":0.0,"q":)", 0) == 0);
  std::vector<std::string> keys;
  for (const auto& item : json[5].items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"tag", "step", "prior", "value", "q", "value_sum", "visits", "depth",
                                         "terminal", "end", "logprob", "tokens", "merged", "answer", "correct"});
  CHECK(json[5]["tag"] == "0.1.0.0");
  CHECK(json[5]["end"] == "final");
  CHECK(json[5]["correct"] == true);
  CHECK(json[6]["correct"].is_null());
  CHECK(json[3]["answer"].is_null());
  CHECK_FALSE(json[4].contains("answer"));  // not a terminal
  CHECK(json[4]["tokens"] == 3);
  CHECK(json[0]["tokens"] == 3);  // the question's tokens

  const Tree read = TreeFromJson(nlohmann::json::parse(json.dump()));
  CHECK(TreeToJson(read).dump() == json.dump());
  CHECK(TreeToJson(TreeFromJson(json)).dump() == json.dump());
  CHECK(read.node(5).Q() == tree.node(5).Q());
  CHECK(read.node(4).children == tree.node(4).children);
  CHECK(read.node(5).token_ids.empty());
}

TEST_CASE("mcts tree json: malformed trees are refused with what was expected") {
  const nlohmann::json good = nlohmann::json::parse(TreeToJson(SmallTree()).dump());
  auto refused = [](nlohmann::json nodes, const std::string& expected) {
    INFO(nodes.dump());
    CHECK_THROWS_WITH_AS(TreeFromJson(nodes), doctest::Contains(expected.c_str()), std::runtime_error);
  };
  refused(nlohmann::json::object(), "non-empty JSON array");
  refused(nlohmann::json::array(), "non-empty JSON array");
  nlohmann::json missing = good;
  missing[2].erase("visits");
  refused(missing, "tree node 2: expected field \"visits\"");
  nlohmann::json wrong_type = good;
  wrong_type[1]["visits"] = "3";
  refused(wrong_type, "field \"visits\" to be a non-negative integer");
  nlohmann::json orphan = good;
  orphan[4]["tag"] = "0.7.0";
  refused(orphan, "the parent \"0.7\"");
  nlohmann::json out_of_order = good;
  std::swap(out_of_order[1], out_of_order[2]);
  refused(out_of_order, "children in order");
  nlohmann::json bad_end = good;
  bad_end[1]["end"] = "eos";
  refused(bad_end, "found \"eos\"");
  nlohmann::json bad_depth = good;
  bad_depth[4]["depth"] = 1;
  refused(bad_depth, "depth 2");
  nlohmann::json bad_root = good;
  bad_root[0]["tag"] = "1";
  refused(bad_root, "the root's tag");
  nlohmann::json bad_q = good;
  bad_q[0]["visits"] = 2;
  bad_q[0]["value_sum"] = 1.0;
  refused(bad_q, "\"q\" = value_sum / visits");
  nlohmann::json terminal_parent = good;
  terminal_parent[2]["terminal"] = true;
  terminal_parent[2]["answer"] = nullptr;
  terminal_parent[2]["correct"] = nullptr;
  refused(terminal_parent, "no children under the terminal");
}

TEST_CASE("mcts value targets: Q along each root-to-terminal path, +1/-1 where graded") {
  Tree tree = SmallTree();  // root -> a, b, c; b -> b0
  tree.AddChildren(4, {Candidate("The answer is 5.", 0.5, 0.25f, StepEnd::kFinal),
                       Candidate("The answer is 6.", 0.5, 0.5f, StepEnd::kFinal)});
  tree.node(5).terminal = true, tree.node(5).answer = "5", tree.node(5).correct = true;
  tree.node(6).terminal = true, tree.node(6).answer = "6";  // ungraded: its value (unvisited)
  Backup(tree, 5, 0.5);
  Backup(tree, 4, 0.25);
  const std::vector<ValuePath> paths = ValueTargets(tree);
  REQUIRE(paths.size() == 2);
  CHECK(paths[0].terminal == 5);
  REQUIRE(paths[0].steps.size() == 3);
  CHECK(paths[0].steps[0].step == "b");
  CHECK(paths[0].steps[0].q == 0.375);  // (0.5 + 0.25) / 2
  CHECK(paths[0].steps[1].step == "b0");
  CHECK(paths[0].steps[1].q == 0.375);
  CHECK(paths[0].steps[2].q == 1.0);  // correct: +1 whatever its Q
  CHECK(paths[1].steps[2].q == 0.5);  // unvisited, ungraded: its value
  tree.node(6).correct = false;
  CHECK(ValueTargets(tree)[1].steps[2].q == -1.0);
}

}  // TEST_SUITE

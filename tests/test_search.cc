// The searches (search/) on the deterministic fake backend: terminal rewards, greedy,
// maj@k, best-of-N, SBS, MCTS, determinism by seed, the config table, output records and
// the parallel runner. No model and no torch.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "mcts/tree_json.h"
#include "search/config.h"
#include "search/fake_backend.h"
#include "search/record.h"
#include "search/runner.h"
#include "search/tree_growth.h"
#include "search/voting.h"
#include "tests/search_fixtures.h"

using namespace steptree;
using namespace steptree::test;  // Step, Final, MakeProblem, Enumerating (tests/search_fixtures.h)

namespace {


// The tree a search grew, as text.
std::string TreeText(const SearchResult& result) { return TreeToJson(result.tree).dump(); }

// Classifies one step of the given kind at `depth` under `rules`.
StepOutcome Classify(const std::string& text, StepEnd end, double value, int depth, const TerminalRules& rules,
                     long state_tokens = 10) {
  Node node;
  node.step = text;
  node.end = end;
  node.value = value;
  node.depth = depth;
  return ClassifyStep(node, state_tokens, rules);
}

}  // namespace

TEST_SUITE("search") {

TEST_CASE("search terminal: rewards by gold, by value, and -1 for invalid steps") {
  TerminalRules gold;
  gold.gold = "12";
  gold.max_depth = 4;
  gold.max_state_tokens = 100;

  StepOutcome right = Classify("So 5 + 7 = 12. The answer is 12.", StepEnd::kFinal, 0.25, 2, gold);
  CHECK(right.terminal);
  CHECK(right.value == 1.0);
  CHECK(right.answer == "12");
  CHECK(right.correct == true);
  StepOutcome boxed = Classify("Thus $\\boxed{12}$", StepEnd::kFinal, 0.25, 2, gold);
  CHECK(boxed.value == 1.0);
  StepOutcome wrong = Classify("The answer is 13.", StepEnd::kFinal, 0.25, 2, gold);
  CHECK(wrong.value == -1.0);
  CHECK(wrong.correct == false);

  TerminalRules inference = gold;
  inference.reward = TerminalReward::kValue;
  StepOutcome valued = Classify("The answer is 13.", StepEnd::kFinal, 0.25, 2, inference);
  CHECK(valued.terminal);
  CHECK(valued.value == 0.25);  // the backend's value, not the gold reward
  CHECK(valued.correct == false);  // but correctness is still recorded
  TerminalRules no_gold;
  StepOutcome ungraded = Classify("The answer is 13.", StepEnd::kFinal, -0.5, 2, no_gold);
  CHECK(ungraded.value == -0.5);  // gold mode without a gold answer: the value
  CHECK_FALSE(ungraded.correct.has_value());

  for (const StepOutcome& invalid :
       {Classify("I am not sure.", StepEnd::kFinal, 0.9, 2, gold),  // no parsable answer
        Classify("The answer is 12", StepEnd::kCut, 0.9, 2, gold),
        Classify("The answer is 12", StepEnd::kContext, 0.9, 2, gold),
        Classify("  \t ", StepEnd::kStep, 0.9, 2, gold),
        Classify("5 + 7 = 12", StepEnd::kStep, 0.9, 4, gold),  // max depth, not finished
        Classify("5 + 7 = 12", StepEnd::kStep, 0.9, 2, gold, 100)}) {  // state too long
    CHECK(invalid.terminal);
    CHECK(invalid.value == -1.0);
    CHECK(invalid.correct == false);
    CHECK_FALSE(invalid.answer.has_value());
  }
  StepOutcome going_on = Classify("5 + 7 = 12", StepEnd::kStep, 0.5, 3, gold);
  CHECK_FALSE(going_on.terminal);
  CHECK(going_on.value == 0.5);
  CHECK_FALSE(going_on.correct.has_value());
}

TEST_CASE("search greedy: the most probable step at every depth, as a chain") {
  ScriptTable script;
  script.Add({}, {Step("a", 0.3, 0.5), Step("b", 0.6, 0.25)})
      .Add({"b"}, {Step("c", 0.1, 0), Final("The answer is 5.", 0.9, 0.75)});
  FakeBackend backend(script);
  const Problem problem = MakeProblem("g1", "Q", "5");
  const SearchResult result = SearchGreedy(backend, problem, GreedyParams{}, 1);
  REQUIRE(result.tree.size() == 3);
  CHECK(result.tree.node(1).step == "b");
  CHECK(result.tree.node(2).parent == 1);
  CHECK(result.tree.node(2).terminal);
  CHECK(result.answer == "5");
  CHECK(result.correct == true);
  CHECK(result.chosen == 2);
  CHECK(result.tree.node(2).visits == 1);
  CHECK(result.budget.forward_calls == 2);  // two decoding rounds
  CHECK(result.budget.prefill_tokens == 2);  // "Q" + question end
  CHECK(result.budget.generated_tokens == 2 + 17);
  CHECK(result.budget.nodes == 3);

  // Cut by max_depth: no answer, -1, and wrong when gold is known.
  ScriptTable looping;
  looping.Add({}, {Step("x", 1, 0)}).Add({"x"}, {Step("x", 1, 0)}).Add({"x", "x"}, {Step("x", 1, 0)});
  FakeBackend loop_backend(looping);
  GreedyParams shallow;
  shallow.max_depth = 3;
  const SearchResult cut = SearchGreedy(loop_backend, problem, shallow, 1);
  CHECK(cut.tree.size() == 4);
  CHECK(cut.tree.node(3).terminal);
  CHECK(cut.tree.node(3).value == -1);
  CHECK_FALSE(cut.answer.has_value());
  CHECK(cut.correct == false);
}

TEST_CASE("search voting: equivalent answers pool, weights add, ties go to the first class") {
  CHECK(MajorityVote({}) == -1);
  CHECK(MajorityVote({{1, "6"}, {2, "5"}, {3, "5.0"}, {4, "6"}}) == 1);  // 2-2: "6" came first
  CHECK(MajorityVote({{1, "6"}, {2, "1/2"}, {3, "0.5"}, {4, "\\frac{1}{2}"}}) == 2);
  CHECK(MajorityVote({{1, "6", 3.0}, {2, "5", 1.0}, {3, "5", 1.0}}) == 1);
  CHECK(MajorityVote({{1, "6", 1.0}, {2, "5", 1.0}, {3, "5", 0.5}}) == 2);
}

TEST_CASE("search maj: k solutions in one trie, the most frequent answer wins, ties to the first") {
  // Row j takes child j % count at every step: row 0 "x" -> 4, row 1 "y" -> 4.0, row 2 "x"
  // -> 4 (the same path as row 0), row 3 "y" -> 9, row 4 "w" -> cut.
  ScriptTable script;
  script.Add({}, {Step("x", 0.5, 0), Step("y", 0.5, 0), Step("x", 0.5, 0), Step("y", 0.5, 0), Step("w", 0.5, 0)})
      .Add({"x"}, {Final("The answer is 4.", 1, 0), Final("The answer is 9.", 1, 0), Final("The answer is 4.", 1, 0)})
      .Add({"y"}, {Final("The answer is 9.", 1, 0), Final("The answer is 4.0", 1, 0), Final("The answer is 9.", 1, 0)})
      .Add({"w"}, {ScriptedStep{"The answer is", 1, 0, StepEnd::kCut}});
  FakeBackend backend(script, Enumerating());
  MajorityParams params;
  params.k = 5;
  const SearchResult result = SearchMajority(backend, MakeProblem("m1", "Q", "9"), params, 1);
  CHECK(result.answer == "4");  // 3 votes (4, 4.0, 4) against 1
  CHECK(result.correct == false);
  const Tree& tree = result.tree;
  REQUIRE(tree.root().children.size() == 3);  // x, y, w: identical prefixes share nodes
  const int x = tree.root().children[0];
  CHECK(tree.node(x).merged == 1);  // rows 0 and 2
  CHECK(tree.node(x).visits == 2);  // one backup per solution through it
  CHECK(tree.node(x).children.size() == 1);
  CHECK(tree.node(tree.node(x).children[0]).merged == 1);
  CHECK(tree.root().visits == 5);
  CHECK(result.chosen == tree.node(x).children[0]);  // row 0's terminal
  CHECK(tree.size() == 8);  // root, x, y, w, 4, 4.0, 9, the cut step

  // One step each: rows 0, 3 answer 9; rows 1, 2 answer 4 and 4.0.
  ScriptTable flat;
  flat.Add({}, {Final("The answer is 9.", 1, 0), Final("The answer is 4.", 1, 0),
                Final("The answer is 4.0", 1, 0), Final("The answer is 9.", 1, 0)});
  FakeBackend flat_backend(flat, Enumerating());
  params.k = 4;  // 2-2: 9 came first
  CHECK(SearchMajority(flat_backend, MakeProblem("m2", "Q", "4"), params, 1).answer == "9");
  params.k = 3;  // 4 wins 2-1
  const SearchResult three = SearchMajority(flat_backend, MakeProblem("m2", "Q", "4"), params, 1);
  CHECK(three.answer == "4");
  CHECK(three.correct == true);
}

TEST_CASE("search bon: the finished solution valued highest by the backend, never by gold") {
  ScriptTable script;
  script.Add({}, {Final("The answer is 1.", 1, 0.25), Final("The answer is 2.", 1, 0.75),
                  Final("The answer is 3.", 1, -0.5), ScriptedStep{"The answer is 8", 1, 0.9, StepEnd::kCut}});
  FakeBackend backend(script, Enumerating());
  BestOfNParams params;
  params.n = 4;
  const SearchResult result = SearchBestOfN(backend, MakeProblem("b1", "Q", "1"), params, 1);
  CHECK(result.answer == "2");  // the cut step valued 0.9 is not a finished solution
  CHECK(result.correct == false);  // gold says 1 (reward +1) but bon reads the value head
  CHECK(result.tree.node(result.chosen).value == -1.0);  // the tree holds the gold reward
  const SearchResult inference =
      SearchBestOfN(backend, MakeProblem("b1", "Q", "1"), params, 1, TerminalReward::kValue);
  CHECK(inference.answer == "2");
  CHECK(inference.tree.node(inference.chosen).value == 0.75);
}

TEST_CASE("search sbs: top-B1 by value, finished answers shrink the beam, one Expand per depth") {
  ScriptTable script;
  script.Add({}, {Step("p", 1, 0.5), Step("q", 1, 0.25), Step("w", 1, 0.125)})
      .Add({"p"}, {Final("The answer is 1.", 1, 0.5)})
      .Add({"q"}, {Step("q2", 1, 0.75)})
      .Add({"w"}, {Step(" ", 1, 0.875)})  // empty: invalid despite its value
      .Add({"q", "q2"}, {Final("The answer is 2.", 1, 0)});
  FakeBackend backend(script, Enumerating());
  SbsParams params;
  params.b1 = 3;
  params.b2 = 1;
  const Problem problem = MakeProblem("s1", "Q", "2");
  const SearchResult result = SearchSbs(backend, problem, params, 1, TerminalReward::kValue);
  // depth 1: root -> p, q, w (b1*b2 = 3), all kept; depth 2: ONE call for 3 beam nodes;
  // kept: q2 (0.75), answer 1 (0.5, finished: width 2); depth 3: q2 -> answer 2.
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 3, 1});
  CHECK(result.budget.forward_calls == 3);
  REQUIRE(result.ranking.size() == 2);
  CHECK(result.tree.node(result.ranking[0]).answer == "1");
  CHECK(result.tree.node(result.ranking[1]).answer == "2");
  CHECK(result.answer == "1");
  CHECK(result.correct == false);

  // Data mode: finished values are gold rewards, so the right answer ranks first.
  FakeBackend data_backend(script, Enumerating());
  const SearchResult data = SearchSbs(data_backend, problem, params, 1, TerminalReward::kGold);
  CHECK(data.answer == "2");
  CHECK(data.tree.node(data.ranking[0]).value == 1.0);
  CHECK(data.tree.node(data.ranking[1]).value == -1.0);

  // Max depth 2: q2 cannot finish in time (terminal, -1, never kept).
  FakeBackend shallow_backend(script, Enumerating());
  params.max_depth = 2;
  const SearchResult shallow = SearchSbs(shallow_backend, problem, params, 1, TerminalReward::kValue);
  CHECK(shallow_backend.ExpandBatchSizes() == std::vector<int>{1, 3});
  REQUIRE(shallow.ranking.size() == 1);
  CHECK(shallow.answer == "1");
  CHECK(shallow.tree.node(shallow.tree.node(shallow.tree.root().children[1]).children[0]).value == -1.0);
}

TEST_CASE("search sbs: the root gets B1*B2 children, beam nodes B2, keeps the top B1") {
  // Root: 4 candidates (b1 = 2, b2 = 2): values 0.125, 0.5, 0.875 (a final), 0.375.
  ScriptTable script;
  script.Add({}, {Step("r0", 1, 0.125), Step("r1", 1, 0.5), Final("The answer is 9.", 1, 0.875), Step("r3", 1, 0.375)})
      .Add({"r1"}, {Step("s0", 1, 0.25), ScriptedStep{"s1 cut", 1, 0.9, StepEnd::kCut}})
      .Add({"r1", "s0"}, {Final("The answer is 4.", 1, 0.625), Final("The answer is 5.", 1, 0.75)});
  FakeBackend backend(script, Enumerating());
  SbsParams params;
  params.b1 = 2;
  params.b2 = 2;
  const SearchResult result = SearchSbs(backend, MakeProblem("s2", "Q", std::nullopt), params, 1,
                                        TerminalReward::kValue);
  const Tree& tree = result.tree;
  REQUIRE(tree.root().children.size() == 4);
  // Kept at depth 1: the final (0.875; finished, width 1) and r1 (0.5); r0, r3 dropped.
  CHECK(tree.node(tree.root().children[0]).IsLeaf());
  CHECK(tree.node(tree.root().children[3]).IsLeaf());
  const Node& r1 = tree.node(tree.root().children[1]);
  CHECK(r1.children.size() == 2);  // b2 samples
  // depth 2: width 1 keeps s0 (the cut step is invalid); depth 3: keeps answer 5 (0.75).
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 1, 1});
  REQUIRE(result.ranking.size() == 2);
  CHECK(tree.Tag(result.ranking[0]) == "0.2");
  CHECK(tree.node(result.ranking[1]).answer == "5");
  CHECK(result.answer == "9");
  CHECK_FALSE(result.correct.has_value());
}

TEST_CASE("search mcts: finds the right branch whose prior is low but value high") {
  // The lure is 9x more probable but wrong; greedy takes it, MCTS does not.
  ScriptTable script;
  script.Add({}, {Step("lure", 0.9, -0.5), Step("good", 0.1, 0.5)})
      .Add({"lure"}, {Final("The answer is 3.", 1, -0.5)})
      .Add({"good"}, {Final("The answer is 7.", 1, 0.5)});
  FakeBackend backend(script, Enumerating());
  const Problem problem = MakeProblem("t1", "Q", "7");
  CHECK(SearchGreedy(backend, problem, GreedyParams{}, 1).answer == "3");

  MctsParams params;
  params.b2 = 2;
  params.iterations = 20;
  params.parallel_rollouts = 1;
  for (TerminalReward reward : {TerminalReward::kGold, TerminalReward::kValue}) {
    for (AnswerBy by : {AnswerBy::kQValue, AnswerBy::kValue, AnswerBy::kVisits, AnswerBy::kMajority}) {
      params.answer_by = by;
      const SearchResult result = SearchMcts(backend, problem, params, 1, reward);
      INFO(TerminalRewardName(reward), " ", AnswerByName(by));
      CHECK(result.answer == "7");
      CHECK(result.correct == true);
      CHECK(result.tree.root().visits == 20);  // one backup per iteration
      const Node& lure = result.tree.node(1);
      const Node& good = result.tree.node(2);
      CHECK(lure.prior == doctest::Approx(0.9));
      CHECK(good.visits > lure.visits);
    }
  }
}

TEST_CASE("search mcts: the first iteration expands the root, leaves back up their own value") {
  ScriptTable script;
  script.Add({}, {Step("a", 0.5, 0.25), Step("b", 0.5, -0.25)})
      .Add({"a"}, {Final("The answer is 1.", 1, 0.5)})
      .Add({"b"}, {Final("The answer is 2.", 1, 0.5)});
  FakeBackendOptions options = Enumerating();
  options.root_value = 0.125;
  FakeBackend backend(script, options);
  MctsParams params;
  params.b2 = 2;
  params.iterations = 2;
  params.parallel_rollouts = 1;
  const SearchResult result = SearchMcts(backend, MakeProblem("t2", "Q", "1"), params, 1);
  const Tree& tree = result.tree;
  // Iteration 1: root expanded, its Evaluate value 0.125 backed up. Iteration 2: PUCT ties
  // (Q 0, equal priors) -> "a" (lower position), expanded, backs up its own value 0.25.
  CHECK(tree.root().visits == 2);
  CHECK(tree.root().value_sum == 0.375);
  CHECK(tree.node(1).visits == 1);
  CHECK(tree.node(1).value_sum == 0.25);
  CHECK(tree.node(2).visits == 0);
  CHECK(tree.size() == 4);
  CHECK(tree.node(3).terminal);
  CHECK(tree.node(3).value == 1.0);  // gold reward
  CHECK(tree.node(3).visits == 0);
  CHECK(result.budget.forward_calls == 3);  // Evaluate + two Expand
}

TEST_CASE("search mcts: waves batch their expansions, collisions end a wave, no virtual loss remains") {
  FakeBackend backend(BranchingScript);
  MctsParams params;
  params.iterations = 24;
  params.parallel_rollouts = 4;
  params.b2 = 3;
  const SearchResult result = SearchMcts(backend, MakeProblem("w1", "Q1", "1"), params, 3);
  const std::vector<int> batches = backend.ExpandBatchSizes();
  REQUIRE(!batches.empty());
  CHECK(batches[0] == 1);  // the root alone: the second selection collides with it
  int largest = 0;
  for (int b : batches) largest = std::max(largest, b);
  CHECK(largest > 1);
  CHECK(largest <= 4);
  CHECK(result.tree.root().visits == 24);
  for (const Node& node : result.tree.nodes()) CHECK(node.in_flight == 0);
  CHECK(result.budget.forward_calls == 1 + static_cast<long>(batches.size()));
}

TEST_CASE("search mcts: answer_by_iteration equals the answers of shorter runs") {
  FakeBackend backend(BranchingScript);
  const Problem problem = MakeProblem("c1", "Q2", "2");
  MctsParams params;
  params.iterations = 23;
  params.b2 = 3;
  const SearchResult full = SearchMcts(backend, problem, params, 5);
  REQUIRE(full.answer_by_iteration.size() == 3);
  CHECK(full.answer_by_iteration[0].iteration == 5);
  CHECK(full.answer_by_iteration[1].iteration == 10);
  CHECK(full.answer_by_iteration[2].iteration == 20);
  CHECK(IterationCheckpoints(80) == std::vector<int>{5, 10, 20, 40, 80});
  for (const IterationChoice& choice : full.answer_by_iteration) {
    params.iterations = choice.iteration;
    const SearchResult shorter = SearchMcts(backend, problem, params, 5);
    INFO("iteration ", choice.iteration);
    CHECK(shorter.chosen == choice.node);  // node indices agree: the shorter tree is a prefix
    CHECK(shorter.tree.size() <= full.tree.size());
  }
}

TEST_CASE("search determinism: the same seed grows the same tree, another seed another") {
  FakeBackend backend(BranchingScript);
  const Problem problem = MakeProblem("d1", "Q3", "1");
  SearchConfig config;
  for (SearchMode mode : {SearchMode::kMajority, SearchMode::kBestOfN, SearchMode::kSbs, SearchMode::kMcts}) {
    config.mode = mode;
    INFO(SearchModeName(mode));
    config.seed = 1;
    const std::string first = TreeText(SearchProblem(backend, problem, config));
    CHECK(first == TreeText(SearchProblem(backend, problem, config)));
    config.seed = 2;
    CHECK(first != TreeText(SearchProblem(backend, problem, config)));
  }
  config.mode = SearchMode::kGreedy;  // temperature 0: the seed does not matter
  config.seed = 1;
  const std::string greedy = TreeText(SearchProblem(backend, problem, config));
  config.seed = 2;
  CHECK(greedy == TreeText(SearchProblem(backend, problem, config)));
}

TEST_CASE("search config: one table of keys, JSON round trip, bad values refused") {
  SearchConfig config;
  config.mode = SearchMode::kMcts;
  SetParam(&config, "iterations", "80");
  SetParam(&config, "c_puct", "2.5");
  SetParam(&config, "answer_by", "majority");
  SetParam(&config, "terminal_reward", "value");
  SetParam(&config, "seed", "18446744073709551615");
  CHECK(config.mcts.iterations == 80);
  CHECK(config.mcts.c_puct == 2.5);
  CHECK(config.mcts.answer_by == AnswerBy::kMajority);
  CHECK(config.terminal_reward == TerminalReward::kValue);
  CHECK(config.seed == UINT64_MAX);
  const nlohmann::ordered_json json = ConfigToJson(config);
  CHECK(json.dump() ==
        R"({"mode":"mcts","iterations":80,"b2":5,"temperature":0.6,"c_puct":2.5,"max_depth":8,)"
        R"("parallel_rollouts":4,"answer_by":"majority","seed":18446744073709551615,"terminal_reward":"value"})");
  CHECK(ConfigToJson(ConfigFromJson(nlohmann::json::parse(json.dump()))).dump() == json.dump());

  config.mode = SearchMode::kSbs;
  CHECK(ConfigToJson(config).dump() ==
        R"({"mode":"sbs","b1":3,"b2":5,"temperature":0.6,"max_depth":10,"seed":18446744073709551615,)"
        R"("terminal_reward":"value"})");
  CHECK_THROWS_WITH_AS(SetParam(&config, "k", "5"), doctest::Contains("sbs has no parameter \"k\""), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "b1", "0"), doctest::Contains("b1: expected an integer between 1 and 1024"), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "b1", "2x"), doctest::Contains("got \"2x\""), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "temperature", "-1"), doctest::Contains("a number between 0 and 100"), UsageError);
  CHECK_THROWS_AS(SetParam(&config, "terminal_reward", "reward"), UsageError);
  CHECK_THROWS_AS(ConfigFromJson(nlohmann::json::parse(R"({"mode":"beam"})")), UsageError);
  config.sbs.b2 = 0;
  CHECK_THROWS_WITH_AS(ValidateConfig(config), doctest::Contains("b2"), UsageError);

  const std::vector<ParamDescription> maj = DescribeParams(SearchMode::kMajority);
  REQUIRE(maj.size() == 5);
  CHECK(maj[0].key == "k");
  CHECK(maj[0].default_value == "5");
  CHECK(maj[1].default_value == "0.6");
  CHECK(maj[4].key == "terminal_reward");
  CHECK(maj[4].default_value == "gold");
  CHECK(DescribeParams(SearchMode::kBestOfN)[0].key == "n");
  CHECK(NeedsValueHead(config));
}

TEST_CASE("search record: keys in order, the problem, config, budget and tree") {
  FakeBackend backend(BranchingScript);
  Problem problem = MakeProblem("r1", "Q4", "1");
  SearchConfig config;
  config.mode = SearchMode::kMcts;
  config.mcts.iterations = 10;
  const SearchResult result = SearchProblem(backend, problem, config);
  const nlohmann::ordered_json record = SearchRecord(problem, config, result);
  std::vector<std::string> keys;
  for (const auto& item : record.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"format", "version", "id", "problem", "config", "budget", "answer",
                                         "correct", "answer_by_iteration", "tree"});
  CHECK(record["format"] == "steptree-tree");
  CHECK(record["problem"].dump() == R"({"id":"r1","question":"Q4","gold":"1"})");
  CHECK(record["config"]["iterations"] == 10);
  CHECK(record["budget"]["nodes"] == result.tree.size());
  CHECK(record["budget"]["forward_calls"] == result.budget.forward_calls);
  CHECK(record["answer_by_iteration"].size() == 2);
  CHECK(record["tree"].size() == static_cast<size_t>(result.tree.size()));

  problem.record = {{"question", "Q4"}, {"answer", "#### 1"}, {"extra", 3}};
  config.mode = SearchMode::kSbs;
  const nlohmann::ordered_json sbs = SearchRecord(problem, config, SearchProblem(backend, problem, config));
  CHECK(sbs["problem"]["extra"] == 3);
  CHECK(sbs.contains("ranking"));
  CHECK_FALSE(sbs.contains("answer_by_iteration"));
  for (const auto& entry : sbs["ranking"]) CHECK(entry.contains("value"));
}

TEST_CASE("search runner: output identical for 1 and 2 threads, in input order, resume skips") {
  FakeBackend backend(BranchingScript);
  std::vector<Problem> problems;
  for (int i = 0; i < 8; ++i) {
    // Problem 0 is slow, so with 2 threads later problems finish first and must wait.
    problems.push_back(MakeProblem("p" + std::to_string(i), i == 0 ? "slow" : "Q" + std::to_string(i),
                                   std::to_string(i % 3)));
  }
  SearchConfig config;
  config.mode = SearchMode::kMcts;
  config.mcts.iterations = 12;
  auto run = [&](int threads, const std::function<bool(const Problem&)>& skip, std::vector<size_t>* order) {
    std::string out;
    std::atomic<int> inits{0};
    RunOptions options;
    options.threads = threads;
    options.skip = skip;
    options.worker_init = [&] { ++inits; };
    RunSearch(problems, backend, config, options, [&](size_t index, const Problem& problem, SearchResult& result) {
      order->push_back(index);
      out += SearchRecord(problem, config, result).dump() + "\n";
    });
    CHECK(inits >= 1);
    CHECK(inits <= threads);
    return out;
  };
  std::vector<size_t> order1, order2, order_resumed;
  const std::string one = run(1, nullptr, &order1);
  const std::string two = run(2, nullptr, &order2);
  CHECK(one == two);
  CHECK(order1 == std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(order2 == order1);

  const std::set<std::string> done = {"p0", "p1", "p4"};
  const std::string resumed =
      run(2, [&](const Problem& p) { return done.count(p.id) > 0; }, &order_resumed);
  CHECK(order_resumed == std::vector<size_t>{2, 3, 5, 6, 7});
  std::string expected;
  size_t line_start = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    const size_t line_end = one.find('\n', line_start) + 1;
    if (!done.count(problems[i].id)) expected += one.substr(line_start, line_end - line_start);
    line_start = line_end;
  }
  CHECK(resumed == expected);
}

TEST_CASE("search runner: an exception in a search stops the run and reaches the caller") {
  ScriptTable empty;  // no script at all: the first expansion throws
  FakeBackend backend(empty);
  std::vector<Problem> problems = {MakeProblem("e1", "Q", "1"), MakeProblem("e2", "Q", "1")};
  SearchConfig config;
  config.mode = SearchMode::kSbs;
  RunOptions options;
  options.threads = 2;
  int delivered = 0;
  CHECK_THROWS_AS(RunSearch(problems, backend, config, options,
                            [&](size_t, const Problem&, SearchResult&) { ++delivered; }),
                  std::out_of_range);
  CHECK(delivered == 0);
}

TEST_CASE("search growth: a question that fills the context is not expanded") {
  ScriptTable script;
  script.Add({}, {Final("The answer is 1.", 1, 0)});
  FakeBackendOptions options;
  options.max_state_tokens = 3;  // "Q12" + question end = 4 tokens
  FakeBackend backend(script, options);
  const Problem problem = MakeProblem("x1", "Q12", "1");
  SearchConfig config;
  for (SearchMode mode : {SearchMode::kGreedy, SearchMode::kSbs, SearchMode::kMcts}) {
    config.mode = mode;
    const SearchResult result = SearchProblem(backend, problem, config);
    CHECK(result.tree.size() == 1);
    CHECK_FALSE(result.answer.has_value());
    CHECK(result.correct == false);
    CHECK(result.budget.forward_calls == 0);
  }
}

}  // TEST_SUITE

TEST_CASE("search config: step controls are written only when set, round-trip, and are range-checked") {
  SearchConfig config;
  config.mode = SearchMode::kGreedy;
  const std::string plain = ConfigToJson(config).dump();
  CHECK(plain == R"({"mode":"greedy","max_depth":10,"seed":1,"terminal_reward":"gold"})");  // as before they existed
  SetParam(&config, "top_k", "20");
  SetParam(&config, "top_p", "0.9");
  SetParam(&config, "max_step_tokens", "48");
  SetParam(&config, "max_new_tokens", "300");
  SetParam(&config, "stop", R"(["\n\n", "Step "])");
  ValidateConfig(config);
  const std::string json = ConfigToJson(config).dump();
  CHECK(json == R"({"mode":"greedy","max_depth":10,"seed":1,"terminal_reward":"gold","top_k":20,"top_p":0.9,)"
                R"("max_step_tokens":48,"max_new_tokens":300,"stop":["\n\n","Step "]})");
  const SearchConfig back = ConfigFromJson(nlohmann::json::parse(json));
  CHECK(ConfigToJson(back).dump() == json);
  const StepSampling controls = StepControlsOf(back);
  CHECK(controls.top_k == 20);
  CHECK(controls.top_p == doctest::Approx(0.9));
  CHECK(controls.max_step_tokens == 48);
  CHECK(controls.max_new_tokens == 300);
  CHECK(controls.stop == std::vector<std::string>{"\n\n", "Step "});

  SetParam(&config, "stop", "Answer:");  // one bare text
  CHECK(config.stop == std::vector<std::string>{"Answer:"});
  CHECK_THROWS_WITH_AS(SetParam(&config, "top_p", "0"), doctest::Contains("top_p: expected a number between"), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "max_step_tokens", "0"), doctest::Contains("max_step_tokens"), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "stop", "[\"\"]"), doctest::Contains("a JSON array of non-empty strings"),
                       UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "stop", "[1]"), doctest::Contains("a JSON array of non-empty strings"),
                       UsageError);
  CHECK_THROWS_AS(SetParam(&config, "stop", "[not json"), UsageError);
}

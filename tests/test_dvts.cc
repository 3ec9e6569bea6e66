// DVTS(n, m) (search/dvts.h) on the deterministic fake backend: hand-checked tree shapes,
// greedy choice by value inside a subtree, invalid candidates, shared nodes, the ranking,
// determinism through the runner, the config table and the sweep. No model and no torch.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/rng.h"
#include "mcts/tree_json.h"
#include "search/config.h"
#include "search/dvts.h"
#include "search/fake_backend.h"
#include "search/record.h"
#include "search/runner.h"
#include "sweep/sweep_points.h"
#include "sweep/sweep_spec.h"
#include "tests/search_fixtures.h"
#include "tests/test_util.h"

using namespace steptree;
using namespace steptree::test;  // Step, Final, MakeProblem, Enumerating (tests/search_fixtures.h)

namespace {


DvtsParams Params(int n, int m) {
  DvtsParams params;
  params.n = n;
  params.m = m;
  return params;
}

// The child of `parent` whose step is `text` (-1 if none).
int ChildWithStep(const Tree& tree, int parent, const std::string& text) {
  for (int child : tree.node(parent).children) {
    if (tree.node(child).step == text) return child;
  }
  return -1;
}

std::vector<std::string> RankedAnswers(const SearchResult& result) {
  std::vector<std::string> answers;
  for (int node : result.ranking) answers.push_back(result.tree.node(node).answer.value_or("?"));
  return answers;
}

}  // namespace

TEST_SUITE("search") {

TEST_CASE("search dvts: n=4 m=2 grows two subtrees, one node each per depth, one Expand per depth") {
  // Root: 4 candidates; subtree 0 takes a0 a1 (keeps a0, 0.5), subtree 1 b0 b1 (keeps b1,
  // 0.75). Depth 2, ONE call for a0 and b1: a0 -> a0y (0.3 > 0.1); b1 -> the final answer
  // 3 (0.6 > 0.2): subtree 1 is finished. Depth 3: a0y alone -> the answer 5 (0.9 > 0.4).
  ScriptTable script;
  script.Add({}, {Step("a0", 1, 0.5), Step("a1", 1, 0.25), Step("b0", 1, 0.125), Step("b1", 1, 0.75)})
      .Add({"a0"}, {Step("a0x", 1, 0.1), Step("a0y", 1, 0.3)})
      .Add({"b1"}, {Final("The answer is 3.", 1, 0.6), Step("b1z", 1, 0.2)})
      .Add({"a0", "a0y"}, {Final("The answer is 5.", 1, 0.9), Final("The answer is 6.", 1, 0.4)});
  const Problem problem = MakeProblem("v1", "Q", "3");
  FakeBackend backend(script, Enumerating());
  const SearchResult result = SearchDvts(backend, problem, Params(4, 2), 1, TerminalReward::kValue);
  const Tree& tree = result.tree;
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 2, 1});  // requests per call, one call per depth
  CHECK(result.budget.forward_calls == 3);
  REQUIRE(tree.root().children.size() == 4);  // n candidates from the root
  const int a0 = ChildWithStep(tree, 0, "a0"), a1 = ChildWithStep(tree, 0, "a1");
  const int b0 = ChildWithStep(tree, 0, "b0"), b1 = ChildWithStep(tree, 0, "b1");
  CHECK(tree.node(a0).children.size() == 2);  // m candidates per kept node
  CHECK(tree.node(b1).children.size() == 2);
  CHECK(tree.node(a1).IsLeaf());
  CHECK(tree.node(b0).IsLeaf());
  const int a0y = ChildWithStep(tree, a0, "a0y");
  CHECK(tree.node(ChildWithStep(tree, a0, "a0x")).IsLeaf());
  CHECK(tree.node(ChildWithStep(tree, b1, "b1z")).IsLeaf());
  CHECK(tree.node(a0y).children.size() == 2);
  // Expanded nodes: root, a0, b1, a0y; one per live subtree per depth.
  int expanded = 0;
  for (const Node& node : tree.nodes()) expanded += !node.IsLeaf();
  CHECK(expanded == 4);
  CHECK(tree.size() == 1 + 4 + 2 + 2 + 2);
  CHECK(result.budget.nodes == tree.size());

  CHECK(RankedAnswers(result) == std::vector<std::string>{"5", "3"});  // by value: 0.9, 0.6
  CHECK(result.answer == "5");
  CHECK(result.correct == false);

  // Data mode: the finished values are gold rewards (+1 / -1), so the right answer ranks first.
  FakeBackend data_backend(script, Enumerating());
  const SearchResult data = SearchDvts(data_backend, problem, Params(4, 2), 1, TerminalReward::kGold);
  CHECK(RankedAnswers(data) == std::vector<std::string>{"3", "5"});
  CHECK(data.tree.node(data.ranking[0]).value == 1.0);
  CHECK(data.tree.node(data.ranking[1]).value == -1.0);
  CHECK(data.answer == "3");
  CHECK(data.correct == true);
  CHECK(data.tree.size() == result.tree.size());  // the same choices: values differ only at the ends
}

TEST_CASE("search dvts: each subtree keeps its best-valued step, which leads to the right answer") {
  // The lure is 9x more probable and comes first, but valued lower: a subtree keeps "good".
  ScriptTable script;
  script.Add({}, {Step("lure", 0.9, -0.25), Step("good", 0.1, 0.5)})
      .Add({"lure"}, {Final("The answer is 3.", 1, 0.75)})
      .Add({"good"}, {Step("then", 0.2, 0.25), Step("detour", 0.8, -0.5)})
      .Add({"good", "then"}, {Final("The answer is 7.", 1, 0.5)})
      .Add({"good", "detour"}, {Final("The answer is 7.", 1, -0.5)});
  FakeBackend backend(script, Enumerating());
  const Problem problem = MakeProblem("v2", "Q", "7");
  const SearchResult result = SearchDvts(backend, problem, Params(2, 2), 1, TerminalReward::kValue);
  CHECK(result.answer == "7");
  CHECK(result.correct == true);
  CHECK(result.tree.node(ChildWithStep(result.tree, 0, "lure")).IsLeaf());  // never expanded
  REQUIRE(result.ranking.size() == 1);  // one subtree, one answer
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 1, 1});

  // Sampled, not enumerated: whenever "good" is among the subtree's candidates, it is kept.
  FakeBackend sampled(script);
  int both = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const SearchResult r = SearchDvts(sampled, problem, Params(8, 8), seed, TerminalReward::kValue);
    const bool has_good = ChildWithStep(r.tree, 0, "good") >= 0;
    both += has_good && ChildWithStep(r.tree, 0, "lure") >= 0;
    CHECK(r.answer == (has_good ? "7" : "3"));
  }
  CHECK(both > 0);
}

TEST_CASE("search dvts: invalid candidates are never kept, a subtree with only invalid ones ends") {
  // Subtree 0 (candidates 0..2): a cut step, an empty step and a final without an answer:
  // only invalid candidates, so it ends at depth 1 without an answer. Subtree 1 (3..5): the
  // valid "ok" (0.1) against a context-full step and a final without an answer, both valued
  // higher: it keeps "ok".
  ScriptTable script;
  script.Add({}, {ScriptedStep{"cut", 1, 0.9, StepEnd::kCut}, Step(" ", 1, 0.95),
                  Final("I do not know.", 1, 0.99), Step("ok", 1, 0.1),
                  ScriptedStep{"ctx", 1, 0.8, StepEnd::kContext}, Final("No idea.", 1, 0.7)})
      .Add({"ok"}, {Final("The answer is 4.", 1, 0.5)});
  FakeBackend backend(script, Enumerating());
  const SearchResult result = SearchDvts(backend, MakeProblem("v3", "Q", "4"), Params(6, 3), 1, TerminalReward::kValue);
  // depth 2: only "ok" is expanded (one request).
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 1});
  REQUIRE(result.ranking.size() == 1);
  CHECK(result.answer == "4");
  CHECK(result.correct == true);
  for (int child : result.tree.root().children) {
    const Node& node = result.tree.node(child);
    if (node.step != "ok") {
      CHECK(node.value == -1.0);
      CHECK(node.IsLeaf());
    }
  }

  // Every subtree invalid: no answer, wrong when gold is known, only the root expanded.
  ScriptTable hopeless;
  hopeless.Add({}, {ScriptedStep{"cut", 1, 0.9, StepEnd::kCut}, Final("No idea.", 1, 0.7)});
  FakeBackend hopeless_backend(hopeless, Enumerating());
  const SearchResult none = SearchDvts(hopeless_backend, MakeProblem("v4", "Q", "4"), Params(4, 2), 1);
  CHECK(hopeless_backend.ExpandBatchSizes() == std::vector<int>{1});
  CHECK(none.ranking.empty());
  CHECK_FALSE(none.answer.has_value());
  CHECK(none.correct == false);

  // max_depth 2: steps that go on at depth 2 are cut (-1), so the subtree ends there.
  ScriptTable looping;
  looping.Add({}, {Step("x", 1, 0.5)}).Add({"x"}, {Step("y", 1, 0.5)});
  FakeBackend loop_backend(looping, Enumerating());
  DvtsParams shallow = Params(2, 1);
  shallow.max_depth = 2;
  const SearchResult cut = SearchDvts(loop_backend, MakeProblem("v5", "Q", "1"), shallow, 1);
  CHECK(loop_backend.ExpandBatchSizes() == std::vector<int>{1, 1});
  CHECK(cut.ranking.empty());
  CHECK(cut.correct == false);
  CHECK(cut.tree.size() == 3);
  CHECK(cut.tree.node(2).value == -1.0);
}

TEST_CASE("search dvts: finished answers ranked by value, ties in tag order, at most n/m of them") {
  // Three subtrees of two; each keeps its final answer at depth 1 (values 0.25, 0.75, 0.25).
  ScriptTable script;
  script.Add({}, {Final("The answer is 1.", 1, 0.25), Step("x", 1, -0.5), Final("The answer is 2.", 1, 0.75),
                  Step("y", 1, 0), Step("z", 1, 0.125), Final("The answer is 3.", 1, 0.25)});
  FakeBackend backend(script, Enumerating());
  const SearchResult result = SearchDvts(backend, MakeProblem("v6", "Q", "3"), Params(6, 2), 1, TerminalReward::kValue);
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1});  // everyone finished at depth 1
  CHECK(RankedAnswers(result) == std::vector<std::string>{"2", "1", "3"});  // 1 and 3 tie: tag 0.0 < 0.5
  CHECK(result.tree.Tag(result.ranking[1]) == "0.0");
  CHECK(result.tree.Tag(result.ranking[2]) == "0.5");
  CHECK(result.answer == "2");
  CHECK(result.correct == false);
  CHECK(static_cast<int>(result.ranking.size()) <= 6 / 2);

  // The output record carries the ranking, as SBS's does.
  SearchConfig config;
  config.mode = SearchMode::kDvts;
  config.dvts = Params(6, 2);
  config.terminal_reward = TerminalReward::kValue;
  const Problem problem = MakeProblem("v6", "Q", "3");
  const nlohmann::ordered_json record = SearchRecord(problem, config, SearchProblem(backend, problem, config));
  REQUIRE(record.contains("ranking"));
  REQUIRE(record["ranking"].size() == 3);
  CHECK(record["ranking"][0]["answer"] == "2");
  CHECK(record["ranking"][0]["value"] == 0.75);
  CHECK(record["config"]["mode"] == "dvts");
}

TEST_CASE("search dvts: subtrees that keep the same node share its expansion, m samples each") {
  // "same" appears in both root groups and merges into one node; both subtrees keep it
  // (best of each group), so it is expanded ONCE into 2m = 4 candidates, 2 per subtree.
  ScriptTable script;
  script.Add({}, {Step("same", 1, 0.5), Step("x", 1, 0.1), Step("same", 1, 0.5), Step("y", 1, 0.2)})
      .Add({"same"}, {Final("The answer is 1.", 1, 0.25), Step("u", 1, 0), Step("v", 1, 0.5),
                      Final("The answer is 2.", 1, 0.125)})
      .Add({"same", "v"}, {Final("The answer is 3.", 1, 0.375)});
  FakeBackend backend(script, Enumerating());
  const SearchResult result = SearchDvts(backend, MakeProblem("v7", "Q", "3"), Params(4, 2), 1, TerminalReward::kValue);
  const Tree& tree = result.tree;
  REQUIRE(tree.root().children.size() == 3);  // same (merged twice), x, y
  const int same = ChildWithStep(tree, 0, "same");
  CHECK(tree.node(same).merged == 1);
  CHECK(tree.node(same).children.size() == 4);  // one expansion, 2 samples per owner
  // Subtree 0 takes {answer 1, u}: keeps answer 1 (0.25). Subtree 1 takes {v, answer 2}:
  // keeps v (0.5), which finishes with answer 3 at depth 3.
  CHECK(backend.ExpandBatchSizes() == std::vector<int>{1, 1, 1});
  CHECK(RankedAnswers(result) == std::vector<std::string>{"3", "1"});
  CHECK(result.correct == true);
}

TEST_CASE("search dvts: the same seed grows the same tree for 1 and 2 threads and with cross-tree batching") {
  FakeBackend backend(BranchingScript);
  std::vector<Problem> problems;
  for (int i = 0; i < 8; ++i) {
    // Problem 0 is slow, so with 2 threads later problems finish first and must wait.
    problems.push_back(MakeProblem("p" + std::to_string(i), i == 0 ? "slow" : "Q" + std::to_string(i),
                                   std::to_string(i % 3)));
  }
  SearchConfig config;
  config.mode = SearchMode::kDvts;
  config.dvts = Params(6, 3);
  auto run = [&](int threads, int trees_per_worker) {
    return SearchRecordsText(problems, backend, config, threads, trees_per_worker);
  };
  const std::string one = run(1, 1);
  CHECK(one == run(2, 1));
  CHECK(one == run(2, 2));  // Expand calls merged across trees: the same candidates
  CHECK(std::count(one.begin(), one.end(), '\n') == 8);

  const Problem& problem = problems[3];
  const std::string first = TreeToJson(SearchProblem(backend, problem, config).tree).dump();
  CHECK(first == TreeToJson(SearchProblem(backend, problem, config).tree).dump());
  config.seed = 2;
  CHECK(first != TreeToJson(SearchProblem(backend, problem, config).tree).dump());
}

TEST_CASE("search dvts: config keys n m temperature max_depth, JSON and flags round trip, n % m refused") {
  CHECK(SearchModeFromName("dvts") == SearchMode::kDvts);
  CHECK(SearchModeName(SearchMode::kDvts) == std::string("dvts"));
  CHECK(AllSearchModes().back() == SearchMode::kDvts);
  CHECK(SearchModeNameList() == "greedy, maj, bon, sbs, mcts or dvts");

  SearchConfig config;
  config.mode = SearchMode::kDvts;
  CHECK(ConfigToJson(config).dump() ==
        R"({"mode":"dvts","n":16,"m":4,"temperature":0.6,"max_depth":10,"seed":1,"terminal_reward":"gold"})");
  const std::vector<ParamDescription> params = DescribeParams(SearchMode::kDvts);
  std::vector<std::string> keys;
  for (const ParamDescription& p : params) keys.push_back(p.key);
  CHECK(keys == std::vector<std::string>{"n", "m", "temperature", "max_depth", "seed", "terminal_reward"});
  CHECK(params[0].default_value == "16");
  CHECK(params[1].default_value == "4");
  CHECK(NeedsValueHead(config));

  // Flags (the CLI sets each key from its text), then JSON and back.
  SetParam(&config, "n", "12");
  SetParam(&config, "m", "3");
  SetParam(&config, "temperature", "0.8");
  SetParam(&config, "max_depth", "6");
  SetParam(&config, "terminal_reward", "value");
  ValidateConfig(config);
  const std::string json = ConfigToJson(config).dump();
  CHECK(json == R"({"mode":"dvts","n":12,"m":3,"temperature":0.8,"max_depth":6,"seed":1,"terminal_reward":"value"})");
  const SearchConfig back = ConfigFromJson(nlohmann::json::parse(json));
  CHECK(back.dvts.n == 12);
  CHECK(back.dvts.m == 3);
  CHECK(back.dvts.temperature == 0.8);
  CHECK(back.dvts.max_depth == 6);
  CHECK(ConfigToJson(back).dump() == json);

  // Refusals: n not a multiple of m, m 0, keys of other modes.
  config.dvts.m = 5;
  CHECK_THROWS_WITH_AS(ValidateConfig(config), doctest::Contains("n: expected a multiple of m = 5"), UsageError);
  CHECK_THROWS_WITH_AS(ConfigFromJson(nlohmann::json::parse(R"({"mode":"dvts","n":6,"m":4})")),
                       doctest::Contains("multiple of m"), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "m", "0"), doctest::Contains("m: expected an integer between 1 and 256"), UsageError);
  CHECK_THROWS_WITH_AS(SetParam(&config, "b1", "2"), doctest::Contains("dvts has no parameter \"b1\""), UsageError);
  CHECK_THROWS_WITH_AS(ConfigFromJson(nlohmann::json::parse(R"({"mode":"beam"})")),
                       doctest::Contains("greedy, maj, bon, sbs, mcts or dvts"), UsageError);
  FakeBackend backend(BranchingScript);
  CHECK_THROWS_AS(RunSearch({MakeProblem("p", "Q", "1")}, backend, config, RunOptions{},
                            [](size_t, const Problem&, SearchResult&) {}),
                  UsageError);
  CHECK_THROWS_AS(SearchDvts(backend, MakeProblem("p", "Q", "1"), config.dvts, 1), std::invalid_argument);

  // The other modes' configs keep their exact text.
  SearchConfig sbs;
  sbs.mode = SearchMode::kSbs;
  CHECK(ConfigToJson(sbs).dump() ==
        R"({"mode":"sbs","b1":3,"b2":5,"temperature":0.6,"max_depth":10,"seed":1,"terminal_reward":"gold"})");
  SearchConfig bon;
  bon.mode = SearchMode::kBestOfN;
  CHECK(ConfigToJson(bon).dump() ==
        R"({"mode":"bon","n":5,"temperature":0.6,"max_depth":10,"seed":1,"terminal_reward":"gold"})");
}

TEST_CASE("search dvts: a sweep method with budget key n, labels DVTS(n,m), points read off its runs") {
  const SweepSpec spec = SweepSpecFromJson(
      nlohmann::ordered_json::parse(R"({"synthetic": 10, "methods": [{"mode": "dvts", "n": [4, 8, 16], "m": 4},
        {"mode": "dvts", "n": 6, "m": [2, 3], "temperature": [0.6, 1.0]}]})"),
      "d.json");
  const std::vector<SweepRun> runs = ExpandSweep(spec, "d.json");
  std::vector<std::string> names;
  for (const SweepRun& run : runs) names.push_back(run.name);
  CHECK(names == std::vector<std::string>{"dvts-m_4-n_4", "dvts-m_4-n_8", "dvts-m_4-n_16",
                                          "dvts-m_2-temperature_0.6-n_6", "dvts-m_2-temperature_1-n_6",
                                          "dvts-m_3-temperature_0.6-n_6", "dvts-m_3-temperature_1-n_6"});
  const SweepRun& eight = runs[1];
  CHECK(eight.config.mode == SearchMode::kDvts);
  CHECK(eight.config.dvts.n == 8);
  CHECK(eight.config.dvts.m == 4);
  REQUIRE(eight.points.size() == 1);  // one run per budget, as SBS
  CHECK(eight.points[0].label == "DVTS(8,4)");
  CHECK(eight.points[0].curve == "DVTS(n,4)");
  CHECK(eight.points[0].mode == "dvts");
  CHECK(eight.points[0].budget == 8);
  CHECK(eight.points[0].source == SweepPointSpec::Source::kRun);
  CHECK(runs[4].points[0].curve == "DVTS(n,2) temperature=1");  // m is in the name, not a suffix
  CHECK(runs[5].points[0].label == "DVTS(6,3) temperature=0.6");

  // Every listed n must be a multiple of m.
  try {
    SweepSpecFromJson(nlohmann::ordered_json::parse(R"({"synthetic": 5, "methods": [{"mode": "dvts",
      "n": [8, 6], "m": 4}]})"), "bad.json");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("bad.json") != std::string::npos);
    CHECK(std::string(e.what()).find("multiple of m = 4") != std::string::npos);
  }

  // A point is read off the run's trees file: its accuracy is the run's.
  FakeBackend backend(BranchingScript);
  std::vector<Problem> problems;
  for (int i = 0; i < 6; ++i) {
    problems.push_back(MakeProblem("p" + std::to_string(i), "Q" + std::to_string(i), std::to_string(i % 3)));
  }
  TempDir dir;
  const std::string path = dir.path() + "/dvts.jsonl";
  long correct = 0;
  {
    JsonlWriter writer(path);
    RunSearch(problems, backend, eight.config, RunOptions{}, [&](size_t, const Problem& p, SearchResult& result) {
      correct += result.correct.value_or(false);
      writer.Write(SearchRecord(p, eight.config, result));
    });
  }
  const std::vector<SweepPoint> points = MeasureRunPoints(eight, path, std::nullopt, 10, 100, 1);
  REQUIRE(points.size() == 1);
  CHECK(points[0].n == 6);
  REQUIRE(points[0].accuracy.has_value());
  CHECK(*points[0].accuracy == doctest::Approx(static_cast<double>(correct) / 6));
  CHECK(points[0].tokens_per_problem > 0);
}

}  // TEST_SUITE

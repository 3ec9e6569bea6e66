// Oracle values (search/oracle_values.h): a perfect step and answer verifier in place of the
// value head, on the fake backend with calculation steps.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mcts/tree_json.h"
#include "search/config.h"
#include "search/fake_backend.h"
#include "search/oracle_values.h"
#include "search/record.h"
#include "search/runner.h"
#include "tests/search_fixtures.h"

using namespace steptree;
using namespace steptree::test;  // Step, Final, MakeProblem, Enumerating (tests/search_fixtures.h)

namespace {

Problem CalcProblem(const std::string& id, std::optional<std::string> gold) {
  return MakeProblem(id, "Start at 2, add 3, then double.", std::move(gold));
}

// Root: a wrong calculation the model values highly, a right one it values low, and an
// unfinished step. Below the wrong one a correct calculation on the wrong number (it checks,
// but the prefix is already wrong); below the right one the right and a wrong product.
ScriptTable MisleadingScript() {
  ScriptTable script;
  script.Add({}, {Step("2+3=6", 0.6, 0.9), Step("2+3=5", 0.3, -0.5), {"2+3", 0.1, 0.95, StepEnd::kCut}})
      .Add({"2+3=6"}, {Step("6*2=12", 1, 0.9)})
      .Add({"2+3=6", "6*2=12"}, {Final("The answer is 12", 1, 0.9)})
      .Add({"2+3=5"}, {Step("5*2=11", 0.5, 0.2), Step("5*2=10", 0.5, -0.2)})
      .Add({"2+3=5", "5*2=10"}, {Final("The answer is 10", 1, -0.3)})
      .Add({"2+3=5", "5*2=11"}, {Final("The answer is 11", 1, 0.4)});
  return script;
}

// The value of the node reached by `path` (step texts from the root).
double ValueAt(const Tree& tree, const std::vector<std::string>& path) {
  int node = 0;
  for (const std::string& step : path) {
    int next = -1;
    for (int child : tree.node(node).children) {
      if (tree.node(child).step == step) next = child;
    }
    REQUIRE_MESSAGE(next >= 0, "no node for step " << step);
    node = next;
  }
  return tree.node(node).value;
}

// A candidate as a backend returns it (for OracleStepOk).
StepCandidate Candidate(const std::string& text, StepEnd end = StepEnd::kStep) {
  StepCandidate candidate;
  candidate.text = text;
  candidate.end = end;
  return candidate;
}

}  // namespace

TEST_SUITE("search") {

TEST_CASE("search oracle: a step is good when every calculation so far checks and the answer is gold") {
  const std::optional<std::string> gold = "10";
  CHECK(OracleStepOk(true, "q", {}, Candidate("2+3=5"), gold));
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("2+3=6"), gold));
  CHECK_FALSE(OracleStepOk(false, "q", {}, Candidate("6*2=12"), gold));  // checks, but after a mistake
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("then double it"), gold));  // nothing to check
  CHECK(OracleStepOk(true, "q", {}, Candidate("The answer is 10", StepEnd::kFinal), gold));
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("The answer is 12", StepEnd::kFinal), gold));
  CHECK_FALSE(OracleStepOk(false, "q", {}, Candidate("The answer is 10", StepEnd::kFinal), gold));  // a lucky answer
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("The answer is 10", StepEnd::kFinal), std::nullopt));
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("2+3=5", StepEnd::kCut), gold));
  CHECK_FALSE(OracleStepOk(true, "q", {}, Candidate("2+3=5", StepEnd::kContext), gold));
}

TEST_CASE("search oracle: SBS follows true prefix correctness where the value head misleads it") {
  SbsParams params;
  params.b1 = 1;
  params.b2 = 3;
  const Problem problem = CalcProblem("o1", "10");
  SearchConfig config;
  config.mode = SearchMode::kSbs;
  config.sbs = params;
  config.terminal_reward = TerminalReward::kValue;

  FakeBackend model(MisleadingScript(), Enumerating());
  const SearchResult by_model = SearchProblem(model, problem, config);
  CHECK(by_model.answer == "12");  // the head's favourite, wrong

  config.value_source = ValueSource::kOracle;
  FakeBackend generator(MisleadingScript(), Enumerating());
  const SearchResult by_oracle = SearchProblem(generator, problem, config);
  CHECK(by_oracle.answer == "10");
  CHECK(by_oracle.correct == true);
  const Tree& tree = by_oracle.tree;
  CHECK(ValueAt(tree, {"2+3=6"}) == -1.0);
  CHECK(ValueAt(tree, {"2+3=5"}) == 1.0);
  CHECK(ValueAt(tree, {"2+3"}) == -1.0);
  CHECK(ValueAt(tree, {"2+3=5", "5*2=10"}) == 1.0);
  CHECK(ValueAt(tree, {"2+3=5", "5*2=11"}) == -1.0);
  CHECK(ValueAt(tree, {"2+3=5", "5*2=10", "The answer is 10"}) == 1.0);
  // The oracle changes values only: same samples, same model work.
  CHECK(by_oracle.budget.generated_tokens > 0);
  FakeBackend twin(MisleadingScript(), Enumerating());
  SearchConfig model_config = config;
  model_config.value_source = ValueSource::kModel;
  model_config.sbs.b1 = 3;  // keeps every root child, as the oracle run expanded two of them
  config.sbs.b1 = 3;
  FakeBackend twin_oracle(MisleadingScript(), Enumerating());
  const SearchResult wide_model = SearchProblem(twin, problem, model_config);
  const SearchResult wide_oracle = SearchProblem(twin_oracle, problem, config);
  CHECK(wide_model.tree.size() == wide_oracle.tree.size());
  CHECK(wide_model.budget.generated_tokens == wide_oracle.budget.generated_tokens);
  CHECK(wide_model.budget.forward_calls == wide_oracle.budget.forward_calls);
  CHECK(wide_oracle.answer == "10");
}

TEST_CASE("search oracle: MCTS and best-of-N read oracle values, the root is +1, the wrong branch backs up -1") {
  const Problem problem = CalcProblem("o2", "10");
  SearchConfig config;
  config.mode = SearchMode::kMcts;
  config.mcts.iterations = 12;
  config.mcts.b2 = 3;
  config.terminal_reward = TerminalReward::kValue;
  config.value_source = ValueSource::kOracle;
  FakeBackend backend(MisleadingScript(), Enumerating());
  const SearchResult mcts = SearchProblem(backend, problem, config);
  CHECK(mcts.tree.node(0).value == 1.0);
  CHECK(mcts.answer == "10");
  CHECK(ValueAt(mcts.tree, {"2+3=6"}) == -1.0);
  int misleading = 0;
  for (int child : mcts.tree.node(0).children) {
    if (mcts.tree.node(child).step != "2+3=6") continue;
    CHECK(mcts.tree.node(child).Q() == -1.0);
    ++misleading;
  }
  CHECK(misleading == 1);

  // Best-of-N: rollouts judged step by step along each row.
  config.mode = SearchMode::kBestOfN;
  config.bon.n = 8;
  FakeBackend sampler(MisleadingScript());
  const SearchResult bon = SearchProblem(sampler, problem, config);
  CHECK(bon.answer == "10");
  bool saw_lucky_path = false;
  for (int i = 0; i < bon.tree.size(); ++i) {
    const Node& node = bon.tree.node(i);
    if (node.step == "The answer is 12") {
      CHECK(node.value == -1.0);
      saw_lucky_path = true;
    }
  }
  CHECK(saw_lucky_path);
}

TEST_CASE("search oracle: config key only when set, round trip, no value head needed, same for any thread count") {
  SearchConfig config;
  config.mode = SearchMode::kSbs;
  CHECK(ConfigToJson(config).dump().find("value_source") == std::string::npos);
  CHECK(NeedsValueHead(config));
  config.value_source = ValueSource::kOracle;
  const std::string text = ConfigToJson(config).dump();
  CHECK(text.find(R"("terminal_reward":"gold","value_source":"oracle"})") != std::string::npos);
  CHECK(ConfigFromJson(nlohmann::json::parse(text)).value_source == ValueSource::kOracle);
  CHECK(ConfigFromJson(nlohmann::json::parse(R"({"mode":"sbs","value_source":"model"})")).value_source ==
        ValueSource::kModel);
  CHECK_THROWS_WITH_AS(ConfigFromJson(nlohmann::json::parse(R"({"mode":"sbs","value_source":"prm"})")),
                       doctest::Contains("search parameter value_source: expected model or oracle, got \"prm\""),
                       UsageError);
  CHECK_FALSE(NeedsValueHead(config));

  std::vector<Problem> problems;
  for (int i = 0; i < 6; ++i) problems.push_back(CalcProblem("p" + std::to_string(i), i % 2 ? "10" : "12"));
  config.mode = SearchMode::kMcts;
  config.mcts.iterations = 10;
  config.terminal_reward = TerminalReward::kValue;
  FakeBackend backend(MisleadingScript());
  auto run = [&](int threads, int trees_per_worker) {
    return SearchRecordsText(problems, backend, config, threads, trees_per_worker);
  };
  const std::string one = run(1, 1);
  CHECK(one.find(R"("value_source":"oracle")") != std::string::npos);
  CHECK(run(2, 1) == one);
  CHECK(run(1, 3) == one);  // cross-tree batching: values judged per tree after the merged batch
}

}  // TEST_SUITE

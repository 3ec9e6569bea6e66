// Search on countdown problems, on the fake backend: terminals checked against the
// question's own target (--terminal-reward target, no gold), correctness that needs the
// whole path (stating the target after invalid moves is wrong), and oracle values from the
// exact solver (a move is right when the numbers left can still reach the target).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "datasets/countdown.h"
#include "export/exporter.h"
#include "export/tree_input.h"
#include "search/answer_choice.h"
#include "search/config.h"
#include "search/fake_backend.h"
#include "search/oracle_values.h"
#include "search/runner.h"
#include "tests/search_fixtures.h"

using namespace steptree;
using namespace steptree::test;

namespace {

// Use 3, 7, 25 and 50 to make 100: (50-25)*(7-3) = 100.
const CountdownProblem kPuzzle{{3, 7, 25, 50}, 100};

// Root: a dead end the model likes (7-3 first, then 25*4 = 100 with 50 left over and a
// final answer stated anyway), an invalid move it likes even more (3 used twice), and the
// right start it values low.
ScriptTable CountdownScript() {
  ScriptTable script;
  const std::string dead = "<<7-3=4>> left: 25, 50, 4";
  const std::string right = "<<50-25=25>> left: 3, 7, 25";
  const std::string invalid = "<<3*3=9>> left: 7, 25, 50, 9";
  script.Add({}, {Step(dead, 0.5, 0.9), Step(invalid, 0.3, 0.95), Step(right, 0.2, -0.5)})
      .Add({dead}, {Step("<<25*4=100>> left: 50, 100", 1, 0.9)})
      .Add({dead, "<<25*4=100>> left: 50, 100"}, {Final("The answer is 100", 1, 0.9)})
      .Add({invalid}, {Final("The answer is 100", 1, 0.9)})
      .Add({right}, {Step("<<7-3=4>> left: 25, 4", 1, -0.5)})
      .Add({right, "<<7-3=4>> left: 25, 4"}, {Step("<<25*4=100>> left: 100", 1, -0.5)})
      .Add({right, "<<7-3=4>> left: 25, 4", "<<25*4=100>> left: 100"}, {Final("The answer is 100", 1, -0.5)});
  return script;
}

Problem Puzzle(std::optional<std::string> gold) {
  return MakeProblem("cd", CountdownQuestion(kPuzzle), std::move(gold));
}

SearchConfig Sbs(TerminalReward reward) {
  SearchConfig config;
  config.mode = SearchMode::kSbs;
  config.sbs.b1 = 3;
  config.sbs.b2 = 1;
  config.terminal_reward = reward;
  return config;
}

// The terminal nodes stating the target, with their path's first step.
struct Finish {
  std::string first_step;
  double value;
  std::optional<bool> correct;
};
std::vector<Finish> Finishes(const Tree& tree) {
  std::vector<Finish> out;
  for (int i = 0; i < tree.size(); ++i) {
    const Node& node = tree.node(i);
    if (!node.terminal || node.step != "The answer is 100") continue;
    const std::vector<int> path = tree.PathFromRoot(i);
    out.push_back({tree.node(path[1]).step, node.value, node.correct});
  }
  return out;
}

}  // namespace

TEST_SUITE("countdown search") {

TEST_CASE("countdown search: target terminals need no gold and reward only a valid path") {
  FakeBackend backend(CountdownScript(), Enumerating());
  // No gold answer at all: the question's target decides.
  const SearchResult target = SearchProblem(backend, Puzzle(std::nullopt), Sbs(TerminalReward::kTarget));
  const std::vector<Finish> finishes = Finishes(target.tree);
  REQUIRE(finishes.size() == 3);
  int valid = 0;
  for (const Finish& f : finishes) {
    CAPTURE(f.first_step);
    const bool right = f.first_step == "<<50-25=25>> left: 3, 7, 25";
    CHECK(f.value == (right ? 1.0 : -1.0));
    CHECK_FALSE(f.correct.has_value());  // no gold: nothing graded
    valid += right;
  }
  CHECK(valid == 1);
  CHECK(target.answer == "100");
  // The value reward trusts the head instead: every final keeps its (scripted) value.
  const SearchResult value = SearchProblem(backend, Puzzle(std::nullopt), Sbs(TerminalReward::kValue));
  for (const Finish& f : Finishes(value.tree)) {
    CHECK(f.value == doctest::Approx(f.first_step == "<<50-25=25>> left: 3, 7, 25" ? -0.5 : 0.9));
  }
}

TEST_CASE("countdown search: with gold, a stated target after invalid moves is not correct") {
  FakeBackend backend(CountdownScript(), Enumerating());
  const SearchResult gold = SearchProblem(backend, Puzzle("100"), Sbs(TerminalReward::kGold));
  const std::vector<Finish> finishes = Finishes(gold.tree);
  REQUIRE(finishes.size() == 3);
  for (const Finish& f : finishes) {
    CAPTURE(f.first_step);
    const bool right = f.first_step == "<<50-25=25>> left: 3, 7, 25";
    CHECK(f.correct == right);
    CHECK(f.value == (right ? 1.0 : -1.0));
  }
}

TEST_CASE("countdown search: oracle values judge moves by the exact solver") {
  const std::string question = CountdownQuestion(kPuzzle);
  StepCandidate move;
  move.text = "<<50-25=25>> left: 3, 7, 25";
  CHECK(OracleStepOk(true, question, {}, move, std::nullopt));
  move.text = "<<7-3=4>> left: 25, 50, 4";  // still reachable: (50-25)*4
  CHECK(OracleStepOk(true, question, {}, move, std::nullopt));
  move.text = "<<25*4=100>> left: 50, 100";  // valid, but 50 and 100 cannot make 100
  CHECK_FALSE(OracleStepOk(true, question, {"<<7-3=4>> left: 25, 50, 4"}, move, std::nullopt));
  move.text = "<<7-3=4>> left: 25, 4";
  CHECK(OracleStepOk(true, question, {"<<50-25=25>> left: 3, 7, 25"}, move, std::nullopt));
  StepCandidate final_step;
  final_step.text = "The answer is 100";
  final_step.end = StepEnd::kFinal;
  CHECK_FALSE(OracleStepOk(true, question, {}, final_step, std::string("100")));  // no moves: wrong
  CHECK(OracleStepOk(true, question,
                     {"<<50-25=25>> left: 3, 7, 25", "<<7-3=4>> left: 25, 4", "<<25*4=100>> left: 100"}, final_step,
                     std::nullopt));

  SearchConfig config = Sbs(TerminalReward::kValue);
  config.value_source = ValueSource::kOracle;
  FakeBackend backend(CountdownScript(), Enumerating());
  const SearchResult sbs = SearchProblem(backend, Puzzle("100"), config);
  CHECK(sbs.answer == "100");
  for (const Finish& f : Finishes(sbs.tree)) {
    CHECK(f.value == (f.first_step == "<<50-25=25>> left: 3, 7, 25" ? 1.0 : -1.0));
  }
}

TEST_CASE("countdown search: the target reward round-trips through the config") {
  SearchConfig config = Sbs(TerminalReward::kTarget);
  const std::string text = ConfigToJson(config).dump();
  CHECK(text.find(R"("terminal_reward":"target")") != std::string::npos);
  CHECK(ConfigFromJson(nlohmann::json::parse(text)).terminal_reward == TerminalReward::kTarget);
  SearchConfig parsed;
  SetParam(&parsed, "terminal_reward", "target");
  CHECK(parsed.terminal_reward == TerminalReward::kTarget);
  CHECK_THROWS_AS(SetParam(&parsed, "terminal_reward", "targets"), UsageError);
}

// An unverified answer and a verified (+1) one, both unvisited (Q 0): Q alone picks the
// first in tag order; with verified_first the proof wins.
TEST_CASE("countdown search: MCTS picks a target-verified terminal first") {
  Tree tree("q", {1, 2});
  StepCandidate wrong, right;
  wrong.text = "The answer is 5";
  wrong.end = StepEnd::kFinal;
  right.text = "The answer is 100";
  right.end = StepEnd::kFinal;
  tree.AddChildren(0, {wrong, right});
  for (int i : {1, 2}) {
    tree.node(i).terminal = true;
    tree.node(i).answer = i == 1 ? "5" : "100";
    tree.node(i).value = i == 1 ? -1.0 : 1.0;
  }
  CHECK(ChooseAnswer(tree, AnswerBy::kQValue) == 1);
  CHECK(ChooseAnswer(tree, AnswerBy::kQValue, /*verified_first=*/true) == 2);
  CHECK(ChooseAnswer(tree, AnswerBy::kVisits, true) == 2);
  tree.node(2).value = 0.5;  // no proof: the usual rule
  CHECK(ChooseAnswer(tree, AnswerBy::kQValue, true) == 1);
}

// A right answer reached through a wrong calculation (2+3=6, then 6*2=10: two mistakes that
// cancel) is a correct path; --only-right-steps leaves it out of the export.
TEST_CASE("export --only-right-steps drops correct paths with a wrong step") {
  ScriptTable script;
  script.Add({}, {Step("2+3=6", 0.5, 0.0), Step("2+3=5", 0.5, 0.0)})
      .Add({"2+3=6"}, {Step("6*2=10", 1, 0.0)})
      .Add({"2+3=6", "6*2=10"}, {Final("The answer is 10", 1, 0.0)})
      .Add({"2+3=5"}, {Step("5*2=10", 1, 0.0)})
      .Add({"2+3=5", "5*2=10"}, {Final("The answer is 10", 1, 0.0)});
  FakeBackend backend(script, Enumerating());
  SearchConfig config = Sbs(TerminalReward::kGold);
  config.sbs.b1 = 2;
  const SearchResult result = SearchProblem(backend, MakeProblem("lucky", "Start at 2, add 3, then double.", "10"), config);
  SearchedTree source;
  source.id = "lucky";
  source.question = "Start at 2, add 3, then double.";
  source.gold = "10";
  source.source = "synthetic";
  source.tree = result.tree;
  ExportOptions options;
  options.format = ExportFormat::kSft;
  ExportSummary all, right;
  CHECK(ExportTree(source, options, &all).size() == 2);
  CHECK(all.dropped_wrong_step_paths == 0);
  options.only_right_steps = true;
  const std::vector<nlohmann::ordered_json> kept = ExportTree(source, options, &right);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["steps"][0] == "2+3=5");
  CHECK(right.dropped_wrong_step_paths == 1);
  // A source without step truth keeps every correct path.
  source.source = "gsm8k";
  ExportSummary other;
  CHECK(ExportTree(source, options, &other).size() == 2);
}

}  // TEST_SUITE

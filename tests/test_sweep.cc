// Budget sweeps: config expansion, subset and checkpoint reuse against separate runs,
// confidence intervals, the rendered files, and the command (resumable) on the default model.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/rng.h"
#include "search/best_of_n.h"
#include "search/fake_backend.h"
#include "search/majority.h"
#include "search/mcts_search.h"
#include "search/record.h"
#include "sweep/confidence.h"
#include "sweep/sweep_points.h"
#include "sweep/sweep_report.h"
#include "sweep/sweep_spec.h"
#include "sweep/svg_plot.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

const char* kIssueConfig = R"({"data": "problems.jsonl", "seed": 1, "methods": [{"mode": "greedy"},
  {"mode": "maj", "k": [1, 2, 4, 8, 16]}, {"mode": "sbs", "b1": [1, 2, 3], "b2": 5},
  {"mode": "mcts", "iterations": [5, 10, 20, 40]}]})";

// Every question gets one final step: answer 7 (right) with a probability that depends on
// the question, else 3 or 5; values favour the right answer only loosely.
std::vector<ScriptedStep> VotingScript(const std::string& question, const std::vector<std::string>& steps) {
  const double p = 0.25 + 0.5 * static_cast<double>(HashString(question) % 100) / 100.0;
  return {{"The answer is 7.", p, 0.2, StepEnd::kFinal},
          {"The answer is 3.", (1 - p) * 0.6, 0.1, StepEnd::kFinal},
          {"The answer is 5.", (1 - p) * 0.4, 0.3, StepEnd::kFinal}};
}

std::vector<Problem> Problems(int n) {
  std::vector<Problem> problems;
  for (int i = 0; i < n; ++i) {
    Problem p;
    p.id = "p" + std::to_string(i);
    p.question = "question " + std::to_string(i);
    p.gold = "7";
    problems.push_back(p);
  }
  return problems;
}

// Runs `config` on every problem into `path` and returns the accuracy.
double RunToFile(const SearchBackend& backend, const SearchConfig& config, const std::vector<Problem>& problems,
                 const std::string& path) {
  JsonlWriter writer(path);
  long correct = 0;
  for (const Problem& p : problems) {
    SearchResult result = config.mode == SearchMode::kMajority ? SearchMajority(backend, p, config.maj, config.seed)
                          : config.mode == SearchMode::kBestOfN ? SearchBestOfN(backend, p, config.bon, config.seed)
                                                                 : SearchMcts(backend, p, config.mcts, config.seed);
    correct += result.correct.value_or(false);
    writer.Write(SearchRecord(p, config, result));
  }
  return static_cast<double>(correct) / static_cast<double>(problems.size());
}

SweepRun FindRun(const std::vector<SweepRun>& runs, const std::string& name) {
  for (const SweepRun& run : runs) {
    if (run.name == name) return run;
  }
  FAIL("no run " << name);
  return {};
}

}  // namespace

TEST_CASE("sweep spec: the issue's config expands into 6 runs and 13 points, reusing maj and mcts runs") {
  const SweepSpec spec = SweepSpecFromJson(nlohmann::ordered_json::parse(kIssueConfig), "c.json");
  CHECK(spec.terminal_reward == TerminalReward::kValue);  // inference unless told
  const std::vector<SweepRun> runs = ExpandSweep(spec, "c.json");
  std::vector<std::string> names;
  size_t points = 0;
  for (const SweepRun& run : runs) {
    names.push_back(run.name);
    points += run.points.size();
  }
  CHECK(names == std::vector<std::string>{"greedy", "maj-k_16", "sbs-b2_5-b1_1", "sbs-b2_5-b1_2", "sbs-b2_5-b1_3",
                                          "mcts-iterations_40"});
  CHECK(points == 1 + 5 + 3 + 4);
  const SweepRun maj = FindRun(runs, "maj-k_16");
  CHECK(maj.config.maj.k == 16);
  REQUIRE(maj.points.size() == 5);
  CHECK(maj.points[0].label == "maj@1");
  CHECK(maj.points[0].source == SweepPointSpec::Source::kSubset);
  CHECK(maj.points[4].source == SweepPointSpec::Source::kRun);
  const SweepRun mcts = FindRun(runs, "mcts-iterations_40");
  CHECK(mcts.points[0].source == SweepPointSpec::Source::kCheckpoint);
  CHECK(mcts.points[3].label == "MCTS(40)");
  CHECK(FindRun(runs, "sbs-b2_5-b1_2").points[0].label == "SBS(2,5)");
  CHECK(FindRun(runs, "sbs-b2_5-b1_2").points[0].curve == "SBS(b1,5)");

  // Counts off the 5, 10, 20, ... ladder get runs of their own; other lists make curves.
  const SweepSpec more = SweepSpecFromJson(
      nlohmann::ordered_json::parse(R"({"synthetic": 10, "methods": [{"mode": "mcts", "iterations": [10, 30, 40]},
        {"mode": "maj", "k": [2, 4], "temperature": [0.6, 1.0]}]})"),
      "m.json");
  const std::vector<SweepRun> more_runs = ExpandSweep(more, "m.json");
  REQUIRE(more_runs.size() == 4);
  CHECK(more_runs[0].name == "mcts-iterations_30");
  CHECK(more_runs[1].name == "mcts-iterations_40");
  CHECK(more_runs[1].points.size() == 2);  // 10 (checkpoint) and 40
  CHECK(more_runs[2].config.maj.temperature == 0.6);
  CHECK(more_runs[3].points[0].curve == "maj@k temperature=1");

  // value_source: oracle runs get their own files and curves, next to the model's.
  const SweepSpec ceiling = SweepSpecFromJson(
      nlohmann::ordered_json::parse(R"({"synthetic": 10, "methods": [{"mode": "sbs", "b1": [1, 3],
        "value_source": ["model", "oracle"]}, {"mode": "mcts", "iterations": 40, "value_source": "oracle"}]})"),
      "o.json");
  const std::vector<SweepRun> ceiling_runs = ExpandSweep(ceiling, "o.json");
  REQUIRE(ceiling_runs.size() == 5);
  CHECK(ceiling_runs[0].name == "sbs-value_source_model-b1_1");
  CHECK(ceiling_runs[0].config.value_source == ValueSource::kModel);
  CHECK(ceiling_runs[0].points[0].curve == "SBS(b1,5)");
  CHECK(ceiling_runs[2].name == "sbs-value_source_oracle-b1_1");
  CHECK(ceiling_runs[2].config.value_source == ValueSource::kOracle);
  CHECK(ceiling_runs[3].points[0].curve == "SBS(b1,5) oracle");
  CHECK(ceiling_runs[3].points[0].label == "SBS(3,5) oracle");
  CHECK(ceiling_runs[4].config.value_source == ValueSource::kOracle);
  CHECK(ceiling_runs[4].points[0].curve == "MCTS oracle");
}

TEST_CASE("sweep spec: bad configs are refused with the file named") {
  auto refuse = [](const std::string& text, const std::string& fragment) {
    INFO(text);
    try {
      SweepSpecFromJson(nlohmann::ordered_json::parse(text), "bad.json");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("bad.json") != std::string::npos);
      CHECK(std::string(e.what()).find(fragment) != std::string::npos);
    }
  };
  refuse(R"({"synthetic": 5, "methods": [{"mode": "beam"}]})", "methods[0].mode");
  refuse(R"({"synthetic": 5, "methods": [{"mode": "maj", "k": [0, 2]}]})", "methods[0].k");
  refuse(R"({"synthetic": 5, "methods": [{"mode": "sbs", "c_puct": 2}]})", "c_puct");
  refuse(R"({"synthetic": 5, "methods": [{"mode": "sbs", "value_source": "prm"}]})",
         "methods[0]: search parameter value_source: expected model or oracle");
  refuse(R"({"synthetic": 5, "methods": []})", "methods");
  refuse(R"({"methods": [{"mode": "greedy"}]})", "exactly one of");
  refuse(R"({"synthetic": 5, "sed": 3, "methods": [{"mode": "greedy"}]})", "sed");
  refuse(R"({"synthetic": 5, "methods": [{"mode": "greedy"}, {"mode": "greedy"}]})", "already in the sweep");
}

TEST_CASE("sweep spec: YAML and JSON files give the same resolved config, errors name the line") {
  test::TempDir dir;
  const std::string json = dir.Write("s.json", kIssueConfig);
  const std::string yaml = dir.Write("s.yaml",
                                     "data: problems.jsonl\nseed: 1\nmethods:\n  - mode: greedy\n"
                                     "  - {mode: maj, k: [1, 2, 4, 8, 16]}\n  - mode: sbs\n    b1: [1, 2, 3]\n    b2: 5\n"
                                     "  - mode: mcts\n    iterations: [5, 10, 20, 40]\n");
  const SweepSpec from_json = LoadSweepSpec(json);
  CHECK(SweepSpecToJson(from_json) == SweepSpecToJson(LoadSweepSpec(yaml)));
  CHECK(from_json.data == (std::filesystem::path(dir.path()) / "problems.jsonl").string());  // next to the config

  const std::string broken = dir.Write("b.json", "{\"synthetic\": 5,\n \"methods\": [\n}");
  try {
    LoadSweepSpec(broken);
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.line() == 3);
  }
  const std::string broken_yaml = dir.Write("b.yaml", "synthetic: 5\nmethods:\n  - mode: [greedy\n");
  CHECK_THROWS_AS(LoadSweepSpec(broken_yaml), InputError);
}

TEST_CASE("sweep confidence: percentile bootstrap brackets the mean and shrinks with n") {
  CHECK(BootstrapInterval(std::vector<double>(50, 1.0), 500, 1).low == 1.0);
  std::vector<double> half;
  for (int i = 0; i < 200; ++i) half.push_back(i % 2);
  const Interval ci = BootstrapInterval(half, 1000, 7);
  CHECK(ci.low < 0.5);
  CHECK(ci.high > 0.5);
  CHECK(ci.high - ci.low == doctest::Approx(2 * 1.96 * 0.5 / std::sqrt(200.0)).epsilon(0.2));  // ~ normal width
  const Interval again = BootstrapInterval(half, 1000, 7);
  CHECK(again.low == ci.low);  // deterministic in the seed
}

TEST_CASE("sweep reuse: maj@k and best-of-k from subsets of one run agree with separate runs") {
  test::TempDir dir;
  const FakeBackend backend(VotingScript);
  const std::vector<Problem> problems = Problems(300);
  for (SearchMode mode : {SearchMode::kMajority, SearchMode::kBestOfN}) {
    INFO(SearchModeName(mode));
    const std::string key = mode == SearchMode::kMajority ? "k" : "n";
    SweepSpec spec;
    spec.synthetic = 1;
    spec.methods = nlohmann::ordered_json::array(
        {{{"mode", SearchModeName(mode)}, {key, {1, 2, 4, 8}}, {"temperature", 1.0}}});
    const std::vector<SweepRun> runs = ExpandSweep(spec, "s");
    REQUIRE(runs.size() == 1);
    SearchConfig config = runs[0].config;
    config.terminal_reward = TerminalReward::kGold;
    const std::string trees = dir.path() + "/" + runs[0].name + ".jsonl";
    const double full = RunToFile(backend, config, problems, trees);
    const std::vector<SweepPoint> points = MeasureRunPoints(runs[0], trees, 2.0, 200, 1000, 1);
    REQUIRE(points.size() == 4);
    CHECK(points[3].accuracy == doctest::Approx(full));  // k = K: the run itself
    CHECK(points[3].seconds_per_problem == doctest::Approx(2.0));
    for (int i = 0; i < 3; ++i) {
      const SweepPoint& p = points[static_cast<size_t>(i)];
      SearchConfig separate = config;
      SetParam(&separate, key, std::to_string(p.spec.budget));
      const double alone = RunToFile(backend, separate, problems, dir.path() + "/alone.jsonl");
      INFO(p.spec.label, ": subsets ", *p.accuracy, " [", p.ci_low, ", ", p.ci_high, "], separate run ", alone);
      CHECK(alone >= p.ci_low);
      CHECK(alone <= p.ci_high);
      CHECK(p.tokens_per_problem < points[3].tokens_per_problem);
      CHECK(*p.seconds_per_problem < 2.0);
    }
    // One sample: maj@1 and best-of-1 are the sampled answer; its accuracy is the mean of
    // the right answer's probability, about 0.5 for this script.
    CHECK(*points[0].accuracy == doctest::Approx(0.5).epsilon(0.15));
    if (mode == SearchMode::kMajority) CHECK(*points[2].accuracy > *points[0].accuracy);  // voting helps here
  }
}

TEST_CASE("sweep reuse: MCTS checkpoints equal separate runs of that many iterations") {
  test::TempDir dir;
  const FakeBackend backend(VotingScript);
  const std::vector<Problem> problems = Problems(20);
  SweepSpec spec;
  spec.synthetic = 1;
  spec.methods = nlohmann::ordered_json::array({{{"mode", "mcts"}, {"iterations", {5, 10, 20}}}});
  const std::vector<SweepRun> runs = ExpandSweep(spec, "s");
  REQUIRE(runs.size() == 1);
  SearchConfig config = runs[0].config;
  config.terminal_reward = TerminalReward::kGold;
  RunToFile(backend, config, problems, dir.path() + "/mcts.jsonl");
  const std::vector<SweepPoint> points = MeasureRunPoints(runs[0], dir.path() + "/mcts.jsonl", std::nullopt, 10, 100, 1);
  REQUIRE(points.size() == 3);
  for (int i = 0; i < 2; ++i) {
    SearchConfig separate = config;
    separate.mcts.iterations = points[static_cast<size_t>(i)].spec.budget;
    const std::string path = dir.path() + "/alone.jsonl";
    const double alone = RunToFile(backend, separate, problems, path);
    CHECK(*points[static_cast<size_t>(i)].accuracy == doctest::Approx(alone));
    // Tokens at the checkpoint are what the shorter run spent.
    double tokens = 0;
    JsonlReader reader(path);
    nlohmann::json record;
    while (reader.Next(&record)) tokens += record["budget"]["generated_tokens"].get<double>();
    CHECK(points[static_cast<size_t>(i)].tokens_per_problem == doctest::Approx(tokens / problems.size()));
  }
  CHECK(!points[0].seconds_per_problem.has_value());
}

TEST_CASE("sweep report: CSV columns, a curve per method in the SVG, markdown table") {
  std::vector<SweepPoint> points;
  auto add = [&](const std::string& curve, const std::string& label, int budget, double acc, double tokens) {
    SweepPoint p;
    p.spec.curve = curve;
    p.spec.label = label;
    p.spec.mode = "maj";
    p.spec.budget = budget;
    p.accuracy = acc;
    p.ci_low = acc - 0.05;
    p.ci_high = acc + 0.05;
    p.tokens_per_problem = tokens;
    p.n = p.graded = 100;
    points.push_back(p);
  };
  add("maj@k", "maj@1", 1, 0.3, 60);
  add("maj@k", "maj@4", 4, 0.4, 240);
  add("SBS(b1,5)", "SBS(1,5)", 1, 0.35, 300);
  const std::string csv = RenderResultsCsv(points);
  CHECK(csv.rfind("mode,budget,label,curve,source,run,n,graded,accuracy,ci_low,ci_high,tokens_per_problem,", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
  const std::string svg = RenderSweepSvg(points, "t <&> t");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("t &lt;&amp;&gt; t") != std::string::npos);
  CHECK(svg.find("generated tokens per problem (log scale)") != std::string::npos);
  CHECK(svg.find(">maj@k</text>") != std::string::npos);      // legend
  CHECK(svg.find(">SBS(b1,5)</text>") != std::string::npos);  // legend
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  CHECK(polylines == 1);  // a line needs two points
  CHECK(std::count(svg.begin(), svg.end(), '\n') > 20);
  const std::string md = RenderReportMarkdown(points, {{"synthetic", 100}, {"problem_seed", 3}, {"seed", 1}});
  CHECK(md.find("| maj@4 | 40.0% | 35.0 to 45.0 | 240 |") != std::string::npos);
  CHECK(md.find("](plot.svg)") != std::string::npos);
}

TEST_CASE("sweep command: runs, writes every file, and a rerun after a kill redoes nothing finished") {
  test::TempDir dir;
  const std::string config = dir.Write("sweep.yaml",
                                       "synthetic: 6\nproblem_seed: 5\nmethods:\n  - mode: greedy\n"
                                       "  - {mode: maj, k: [1, 2, 3]}\n  - {mode: mcts, iterations: [5, 10], b2: 2}\n");
  const std::string run_dir = dir.path() + "/run";
  const std::string command = test::Binary() + " sweep --threads 1 --config " + config + " --run-dir " + run_dir;
  const test::CommandResult first = test::Run(command + " --json");
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  const nlohmann::json out = nlohmann::json::parse(first.output.substr(first.output.rfind("\n{") + 1));
  CHECK(out["runs"] == 3);
  CHECK(out["runs_searched"] == 3);
  REQUIRE(out["points"].size() == 6);
  for (const std::string file : {"results.csv", "results.json", "plot.svg", "report.md", "config.json"}) {
    CHECK(std::filesystem::exists(run_dir + "/" + file));
  }

  // Simulate a kill in the middle of the mcts run: drop its marker and its last 4 trees.
  const std::string trees = run_dir + "/trees/mcts-b2_2-iterations_10.jsonl";
  std::ifstream in(trees);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 6);
  std::ofstream(trees, std::ios::trunc) << lines[0] << "\n" << lines[1] << "\n" << lines[2].substr(0, 10);
  std::filesystem::remove(run_dir + "/runs/mcts-b2_2-iterations_10.json");
  const test::CommandResult second = test::Run(command + " --json");
  REQUIRE_MESSAGE(second.exit_code == 0, second.output);
  const nlohmann::json again = nlohmann::json::parse(second.output.substr(second.output.rfind("\n{") + 1));
  CHECK(again["runs_searched"] == 1);
  REQUIRE(again["points"].size() == 6);
  for (size_t i = 0; i < 6; ++i) {
    INFO(i);
    CHECK(again["points"][i]["accuracy"] == out["points"][i]["accuracy"]);  // same seed, same trees
    CHECK(again["points"][i]["tokens_per_problem"] == out["points"][i]["tokens_per_problem"]);
  }
  std::ifstream resumed(run_dir + "/runs/mcts-b2_2-iterations_10.json");
  CHECK(nlohmann::json::parse(resumed)["searched"] == 4);  // only the 4 missing problems

  // report re-renders from results.json; another problem set in the same dir is refused.
  std::filesystem::remove(run_dir + "/plot.svg");
  const test::CommandResult report = test::Run(test::Binary() + " report " + run_dir);
  CHECK(report.exit_code == 0);
  CHECK(std::filesystem::exists(run_dir + "/plot.svg"));
  const std::string other = dir.Write("other.json", R"({"synthetic": 7, "methods": [{"mode": "greedy"}]})");
  const test::CommandResult refused =
      test::Run(test::Binary() + " sweep --config " + other + " --run-dir " + run_dir);
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.find("synthetic") != std::string::npos);
  const test::CommandResult missing = test::Run(test::Binary() + " report " + dir.path());
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("results.json") != std::string::npos);
}

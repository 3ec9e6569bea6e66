// steptree sweep: a grid of search methods and budgets over one problem set, measured point
// by point (accuracy with a 95% interval, tokens, model calls, seconds per problem), with
// maj@k / best-of-n subsets and MCTS checkpoints read off one run instead of re-running
// (sweep/sweep_spec.h, sweep/sweep_points.h). Everything goes into the run directory:
//   config.json        the resolved config (a later run into the same directory must match
//                      it, except that methods may be added)
//   trees/NAME.jsonl   the trees of every run (resumed at problem granularity)
//   runs/NAME.json     written when a run finishes: its wall time; a finished run is never
//                      searched again
//   results.json, results.csv, plot.svg, report.md   (sweep/sweep_report.h)
// Killing a sweep and running the same command again finishes it without redoing finished
// runs or problems.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <cxxopts.hpp>

#include "app/command.h"
#include "core/json_file.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "app/provenance.h"
#include "app/run_dir.h"
#include "app/search_flags.h"
#include "search/run_to_file.h"
#include "core/file_digest.h"
#include "core/input_error.h"
#include "datasets/loaders.h"
#include "core/output_path.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "sweep/sweep_report.h"
#include "sweep/sweep_spec.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;

std::vector<Problem> SweepProblems(const SweepSpec& spec) {
  if (!spec.data.empty()) return LoadProblems(spec.data, spec.loader).problems;
  return DefaultEvalProblems(spec.synthetic, spec.problem_seed, spec.family);
}

struct RunTiming {
  std::optional<double> seconds_per_problem;
  long searched = 0;
};

std::optional<RunTiming> FinishedRun(const fs::path& marker) {
  if (!fs::exists(marker)) return std::nullopt;
  std::ifstream in(marker);
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;  // a marker cut by a kill: run it again (resumes)
  RunTiming timing;
  if (json.value("seconds_per_problem", nlohmann::json()).is_number()) {
    timing.seconds_per_problem = json["seconds_per_problem"].get<double>();
  }
  timing.searched = json.value("searched", 0L);
  return timing;
}

void PrintTable(const std::vector<SweepPoint>& points, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %9s %17s %12s %10s\n", "method", "accuracy", "95% CI", "tokens/prob",
                "s/prob");
  out << line;
  for (const SweepPoint& p : points) {
    char ci[48];
    std::snprintf(ci, sizeof ci, "%.1f-%.1f", 100 * p.ci_low, 100 * p.ci_high);
    std::snprintf(line, sizeof line, "%-22s %8.1f%% %17s %12.0f %10.3f\n", p.spec.label.c_str(),
                  p.accuracy ? 100 * *p.accuracy : 0.0, ci, p.tokens_per_problem, p.seconds_per_problem.value_or(0.0));
    out << line;
  }
}

int RunSweep(int argc, char** argv) {
  cxxopts::Options options(
      "steptree sweep",
      "Measures accuracy against search budget: a grid of methods (greedy, maj@k, best-of-n,\n"
      "SBS(b1,b2), MCTS(iterations)) over one problem set, from a JSON or YAML config:\n"
      "  {\"data\": \"problems.jsonl\", \"seed\": 1, \"methods\": [{\"mode\": \"greedy\"},\n"
      "   {\"mode\": \"maj\", \"k\": [1, 2, 4, 8, 16]}, {\"mode\": \"sbs\", \"b1\": [1, 2, 3], \"b2\": 5},\n"
      "   {\"mode\": \"mcts\", \"iterations\": [5, 10, 20, 40]}]}\n"
      "(\"synthetic\": N instead of \"data\" for N held-out synthetic problems). maj@k for every k\n"
      "comes from one run of the largest k (random subsets), MCTS(5, 10, 20, 40, ...) from one\n"
      "run (checkpoints). Writes results.csv, results.json, plot.svg and report.md into\n"
      "--run-dir; running the same command again after a kill finishes the sweep without\n"
      "redoing finished work. --json prints {\"run_dir\", \"runs\", \"runs_searched\",\n"
      "\"points\": [{\"curve\", \"label\", \"mode\", \"budget\", \"source\", \"run\", \"n\", \"graded\",\n"
      "\"accuracy\", \"ci_low\", \"ci_high\", \"tokens_per_problem\", \"forward_calls_per_problem\",\n"
      "\"nodes_per_problem\", \"seconds_per_problem\"}]}.");
  options.add_options()
      ("config", "sweep config (.json, or YAML)", cxxopts::value<std::string>())
      ("run-dir", "directory for trees, results and plot", cxxopts::value<std::string>())
      ("threads", "problems searched in parallel (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the points as one JSON object")
      ("h,help", "show this help");
  AddKvCacheFlag(options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.count("config")) throw UsageError("--config FILE is required");
  if (!args.count("run-dir")) throw UsageError("--run-dir DIR is required");
  const std::string config_path = args["config"].as<std::string>();
  const fs::path run_dir(args["run-dir"].as<std::string>());

  const SweepSpec spec = LoadSweepSpec(config_path);
  const std::vector<SweepRun> runs = ExpandSweep(spec, config_path);
  const std::vector<Problem> problems = SweepProblems(spec);
  bool any_oracle = false;
  for (const SweepRun& run : runs) any_oracle |= run.config.value_source == ValueSource::kOracle;
  if (spec.terminal_reward == TerminalReward::kGold || any_oracle) {
    for (const Problem& p : problems) {
      if (!p.gold) {
        throw UsageError("problem \"" + p.id + "\" has no gold answer: a gold-reward sweep and oracle values need them");
      }
    }
  }
  CheckOutputDir(run_dir.string(), "--run-dir");  // after the config's checks: a refused sweep leaves no folder
  fs::create_directories(run_dir / "trees");
  fs::create_directories(run_dir / "runs");
  const nlohmann::ordered_json resolved = SweepSpecToJson(spec);
  CheckOrWriteRunConfig(run_dir.string(), resolved, "methods");

  WarnIfReferenceBlas();
  const int threads = ConfigureTorchThreads(args["threads"].as<int>());
  const std::string model_dir = spec.model.empty() ? RequireDefaultModelDir(spec.family) : spec.model;
  const std::unique_ptr<Policy> policy = Policy::Load(model_dir);
  const PolicyBackend backend(*policy, KvCacheBytesFrom(args));
  const ModelDigests digests = DigestModelFolder(model_dir);
  for (const SweepRun& run : runs) {
    if (NeedsValueHead(run.config) && !backend.has_value_head()) {
      throw UsageError("run " + run.name + " ranks by value but " + model_dir +
                       " has no trained value head (value_head.safetensors); train one with `steptree train`");
    }
  }

  std::vector<SweepPoint> points;
  nlohmann::ordered_json runs_json = nlohmann::ordered_json::array();
  long points_done = 0, total_points = 0, searched_runs = 0;
  for (const SweepRun& run : runs) total_points += static_cast<long>(run.points.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const SweepRun& run = runs[i];
    const fs::path trees = run_dir / "trees" / (run.name + ".jsonl");
    const fs::path marker = run_dir / "runs" / (run.name + ".json");
    std::optional<RunTiming> timing = FinishedRun(marker);
    if (!timing) {
      SearchRunOptions options;
      options.out = trees.string();
      options.resume = true;
      options.model_digest = digests.folder;
      options.provenance = TreeProvenance(model_dir, digests, *policy);
      options.threads = threads;
      options.progress_label = "sweep run " + std::to_string(i + 1) + "/" + std::to_string(runs.size()) +
                               " (points " + std::to_string(points_done) + "/" + std::to_string(total_points) +
                               " done) " + run.name;
      const nlohmann::json summary = RunSearchToFile(problems, backend, run.config, options);
      timing = RunTiming{};
      timing->searched = summary["searched"].get<long>();
      if (timing->searched > 0) timing->seconds_per_problem = summary["seconds_per_problem"].get<double>();
      nlohmann::ordered_json done = {{"name", run.name},
                                     {"config", ConfigToJson(run.config)},
                                     {"searched", timing->searched},
                                     {"seconds_per_problem", timing->seconds_per_problem
                                                                 ? nlohmann::ordered_json(*timing->seconds_per_problem)
                                                                 : nlohmann::ordered_json(nullptr)}};
      WriteFileAtomically(marker.string(), done.dump(2) + "\n");
      ++searched_runs;
    }
    for (SweepPoint& p : MeasureRunPoints(run, trees.string(), timing->seconds_per_problem, spec.subsets,
                                          spec.bootstrap, spec.seed)) {
      points.push_back(std::move(p));
    }
    points_done += static_cast<long>(run.points.size());
    runs_json.push_back({{"name", run.name},
                         {"config", ConfigToJson(run.config)},
                         {"searched", timing->searched},
                         {"seconds_per_problem", timing->seconds_per_problem
                                                     ? nlohmann::ordered_json(*timing->seconds_per_problem)
                                                     : nlohmann::ordered_json(nullptr)}});
  }
  // Curves in order of first appearance, each by budget.
  std::map<std::string, size_t> curve_rank;
  for (const SweepPoint& p : points) curve_rank.emplace(p.spec.curve, curve_rank.size());
  std::stable_sort(points.begin(), points.end(), [&](const SweepPoint& a, const SweepPoint& b) {
    const size_t ra = curve_rank[a.spec.curve], rb = curve_rank[b.spec.curve];
    return ra != rb ? ra < rb : a.spec.budget < b.spec.budget;
  });

  nlohmann::ordered_json results;
  results["format"] = kSweepResultsFormat;
  results["version"] = kSweepResultsVersion;
  results["config"] = resolved;
  results["model"] = model_dir;
  results["runs"] = runs_json;
  results["points"] = nlohmann::ordered_json::array();
  for (const SweepPoint& p : points) results["points"].push_back(PointToJson(p));
  WriteFileAtomically((run_dir / "results.json").string(), results.dump(2) + "\n");
  RenderSweepReport(run_dir.string());

  if (args.count("json")) {
    nlohmann::ordered_json out = {{"run_dir", run_dir.string()},
                                  {"runs", runs.size()},
                                  {"runs_searched", searched_runs},
                                  {"points", results["points"]}};
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << "steptree sweep: " << problems.size() << " problems, " << runs.size() << " runs (" << searched_runs
              << " searched now), " << points.size() << " points, model " << model_dir << "\n";
    PrintTable(points, std::cout);
    std::cout << "results in " << run_dir.string() << "/: results.csv, results.json, plot.svg, report.md\n";
  }
  return 0;
}

int RunReport(int argc, char** argv) {
  cxxopts::Options options("steptree report",
                           "Re-renders results.csv, plot.svg and report.md of a sweep's run directory from\n"
                           "its results.json (no search). --json prints {\"run_dir\", \"points\": [...]}.");
  options.add_options()
      ("run-dir", "the sweep's run directory", cxxopts::value<std::string>())
      ("json", "print the points as one JSON object")
      ("h,help", "show this help");
  options.parse_positional({"run-dir"});
  options.positional_help("RUN_DIR");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.count("run-dir")) throw UsageError("give the sweep's run directory: steptree report DIR");
  const std::string dir = args["run-dir"].as<std::string>();
  const std::vector<SweepPoint> points = RenderSweepReport(dir);
  if (args.count("json")) {
    nlohmann::ordered_json out = {{"run_dir", dir}, {"points", nlohmann::ordered_json::array()}};
    for (const SweepPoint& p : points) out["points"].push_back(PointToJson(p));
    std::cout << out.dump() << std::endl;
  } else {
    PrintTable(points, std::cout);
    std::cout << "rendered " << dir << "/results.csv, plot.svg, report.md\n";
  }
  return 0;
}

CommandRegistrar sweep_registrar({"sweep", "accuracy against search budget over a grid of methods, with plot",
                                  RunSweep});
CommandRegistrar report_registrar({"report", "re-render a sweep's CSV, plot and report from its results", RunReport});

}  // namespace
}  // namespace steptree::app

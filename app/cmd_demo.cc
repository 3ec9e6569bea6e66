// steptree demo: the main job on the embedded default, AlphaMath's comparison in one
// command. Held-out synthetic problems (countdown by default, --family arithmetic for the
// arithmetic ladder) are solved by greedy decoding, maj@5, SBS(3,5), MCTS(40) and
// DVTS(16,4) with the family's default policy and its value head (the value head is trained
// first by the value recipe when the checkpoint has none; the policy is trained first when
// there is no default model at all). Searches run in inference mode: the gold answer only
// grades. Each row says what decides final answers ("terminal": value = the value head,
// target = the question's own check, countdown only) and where values come from ("values":
// model = the head, oracle = a perfect step verifier), so a reader sees what the verifier,
// the value head and search each contribute. Countdown adds the target-checked rows
// (best-of-5, SBS(3,5), MCTS(40)) and the oracle rows (the verifier ceiling); arithmetic
// adds the oracle rows with --oracle. Prints one table (accuracy, tokens and seconds per
// problem, accuracy by level); every method's trees (and the resolved config,
// demo.config.json) are written under --run-dir.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/command_flags.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "app/flag_parsing.h"
#include "app/provenance.h"
#include "app/search_flags.h"
#include "search/run_to_file.h"
#include "app/value_recipe.h"
#include "core/file_digest.h"
#include "core/input_error.h"
#include "core/output_path.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "search/config.h"

namespace steptree::app {
namespace {

std::string TrainDefaultModel(ProblemFamily family) {
  const std::filesystem::path dir = std::filesystem::path("models") / DefaultModelName(family);
  std::cerr << "demo: no default model found; training it with the " << DefaultModelName(family) << " recipe into "
            << dir << " (30 to 45 minutes on 2 cores)\n";
  TrainOptions recipe = RecipeFor(family);
  recipe.out_dir = dir.string();
  recipe.resume = true;
  SyntheticOptions held = TrainingDataFor(family);
  held.seed = kHeldoutSeed;
  held.split = ProblemSplit::kHeldOut;
  TrainPolicy(recipe, *MakeSyntheticStream(TrainingDataFor(family)), MakeSyntheticProblems(held, 256));
  return dir.string();
}

struct Method {
  std::string label;  // "SBS(3,5)"
  std::string file;   // trees file name
  SearchConfig config;
};

// What decides a row's final answers: "value" (the value head, or nothing: greedy, maj),
// "target" (the question's own check) or "gold" (never in the demo: it would be cheating).
const char* TerminalLabel(const SearchConfig& config) { return TerminalRewardName(config.terminal_reward); }

// greedy, maj@5, SBS(3,5), MCTS(40) (AlphaMath's table) and DVTS(16,4) (search-and-learn's),
// every decision by the value head: final answers are scored by it (inference); maj and
// greedy never read values. Where the problems carry their own target (countdown):
// best-of-5, SBS(3,5) and MCTS(40) once more with terminals checked against it (the head
// still scores unfinished leaves). With `oracle`, SBS(3,5) and MCTS(40) once more with oracle
// values (search/oracle_values.h): the same policy and budget with a perfect step verifier,
// the most any value head could buy.
std::vector<Method> DemoMethods(uint64_t seed, bool target_rows, bool oracle) {
  std::vector<Method> methods;
  auto add = [&](const std::string& label, const std::string& file, SearchMode mode) -> SearchConfig& {
    SearchConfig config;
    config.mode = mode;
    config.seed = seed;
    config.terminal_reward = TerminalReward::kValue;
    methods.push_back({label, file, config});
    return methods.back().config;
  };
  auto sbs3x5 = [](SearchConfig& config) {
    config.sbs.b1 = 3;
    config.sbs.b2 = 5;
  };
  add("greedy", "greedy", SearchMode::kGreedy);
  add("maj@5", "maj5", SearchMode::kMajority).maj.k = 5;
  sbs3x5(add("SBS(3,5)", "sbs3x5", SearchMode::kSbs));
  add("MCTS(40)", "mcts40", SearchMode::kMcts).mcts.iterations = 40;
  SearchConfig& dvts = add("DVTS(16,4)", "dvts16x4", SearchMode::kDvts);
  dvts.dvts.n = 16;
  dvts.dvts.m = 4;
  if (target_rows) {
    SearchConfig& bon = add("best-of-5 target", "bon5-target", SearchMode::kBestOfN);
    bon.bon.n = 5;
    bon.terminal_reward = TerminalReward::kTarget;
    SearchConfig& sbs = add("SBS(3,5) target", "sbs3x5-target", SearchMode::kSbs);
    sbs3x5(sbs);
    sbs.terminal_reward = TerminalReward::kTarget;
    SearchConfig& mcts = add("MCTS(40) target", "mcts40-target", SearchMode::kMcts);
    mcts.mcts.iterations = 40;
    mcts.terminal_reward = TerminalReward::kTarget;
  }
  if (oracle) {
    sbs3x5(add("SBS(3,5) oracle", "sbs3x5-oracle", SearchMode::kSbs));
    add("MCTS(40) oracle", "mcts40-oracle", SearchMode::kMcts).mcts.iterations = 40;
    methods[methods.size() - 2].config.value_source = ValueSource::kOracle;
    methods[methods.size() - 1].config.value_source = ValueSource::kOracle;
  }
  return methods;
}

std::string FormatTable(const nlohmann::json& methods, long n) {
  std::ostringstream out;
  int width = 10;  // the label column
  for (const nlohmann::json& m : methods) width = std::max<int>(width, static_cast<int>(m["label"].get<std::string>().size()));
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %-8s %-6s %9s %15s %12s   %s\n", width, "method", "terminal", "values",
                "accuracy", "tokens/problem", "s/problem", "accuracy by level");
  out << line;
  for (const nlohmann::json& m : methods) {
    std::string levels;
    for (const auto& [level, v] : m["by_difficulty"].items()) {
      char cell[16];
      std::snprintf(cell, sizeof cell, "%4.0f", 100 * v["accuracy"].get<double>());
      levels += cell;
    }
    std::snprintf(line, sizeof line, "%-*s %-8s %-6s %8.1f%% %15.0f %12.3f   %s\n", width,
                  m["label"].get<std::string>().c_str(), m["terminal"].get<std::string>().c_str(),
                  m["values"].get<std::string>().c_str(), 100 * m["accuracy"].get<double>(), m["tokens_per_problem"].get<double>(),
                  m["seconds_per_problem"].get<double>(), levels.c_str());
    out << line;
  }
  return out.str();
}

int RunDemo(int argc, char** argv) {
  cxxopts::Options options(
      "steptree demo",
      "The main job on the embedded default: greedy, maj@5, SBS(3,5), MCTS(40) and DVTS(16,4) on\n"
      "held-out synthetic problems (countdown levels 1..4 by default; --family arithmetic: the\n"
      "arithmetic ladder 1..8 with its own default) with the default policy and its value head;\n"
      "one table of accuracy, tokens and seconds per problem, as in AlphaMath's. Searches score\n"
      "final answers with the value head (terminal \"value\") or, on countdown, in extra rows,\n"
      "by the question's own target (terminal \"target\": best-of-5, SBS(3,5), MCTS(40)); the\n"
      "oracle rows (values \"oracle\", on countdown always, arithmetic with --oracle) use a\n"
      "perfect step verifier: the ceiling. The gold answer only grades. Without a value head in\n"
      "the checkpoint the value recipe trains one first (see the user guide). Trees and the\n"
      "resolved config (demo.config.json) go to --run-dir.\n"
      "--json prints {\"methods\": [{\"mode\", \"label\", \"terminal\", \"values\", \"accuracy\", \"n\",\n"
      "\"tokens_per_problem\", \"seconds_per_problem\", \"by_difficulty\", \"config\", \"out\"}, ...],\n"
      "\"n\", \"family\", \"model\"}.");
  options.add_options()
      ("problems", "held-out problems", cxxopts::value<long>()->default_value("200"))
      ("family", "countdown | arithmetic", cxxopts::value<std::string>()->default_value("countdown"))
      ("problem-seed", "seed of the held-out problems",
       cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultProblemSeed)))
      ("seed", "search seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("model", "checkpoint directory (default: the embedded default)", cxxopts::value<std::string>())
      ("run-dir", "where every method's trees go", cxxopts::value<std::string>()->default_value("runs/demo"))
      ("retrain-value", "run the value recipe even when the checkpoint has a value head")
      ("oracle", "also run SBS(3,5) and MCTS(40) with oracle values (a perfect step and answer verifier): "
       "the ceiling a value head could reach with this policy (always on for countdown)")
      ("threads", "problems searched in parallel (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  AddKvCacheFlag(options);
  const std::optional<CommandFlags> parsed =
      ParseCommandFlags(options, argc, argv, {{{"n", "problems"}, {"out-dir", "run-dir"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  const long n = CheckProblemCount(args["problems"].as<long>(), "--problems");
  const int threads = ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();
  const std::string out_dir = args["run-dir"].as<std::string>();
  CheckOutputDir(out_dir, "--run-dir");

  const ProblemFamily family = ParseFamily(args["family"].as<std::string>());
  const bool countdown = family == ProblemFamily::kCountdown;
  std::string model_dir;
  if (args.count("model")) {
    model_dir = args["model"].as<std::string>();
  } else {
    model_dir = FindDefaultModelDir(family);
    if (model_dir.empty()) model_dir = TrainDefaultModel(family);
  }
  std::unique_ptr<Policy> policy = Policy::Load(model_dir);
  if (!policy->has_trained_value_head() || args.count("retrain-value")) {
    std::cerr << "demo: training a value head for " << model_dir << " with the value recipe (about 40 minutes on 2 cores)\n";
    model_dir = RunValueRecipe(model_dir, out_dir + "/value-recipe", threads, family);
    policy = Policy::Load(model_dir);
    ConfigureTorchThreads(threads);
  }
  const PolicyBackend backend(*policy, KvCacheBytesFrom(args));
  const std::vector<Problem> problems = DefaultEvalProblems(n, args["problem-seed"].as<uint64_t>(), family);

  const ModelDigests digests = DigestModelFolder(model_dir);
  nlohmann::json methods = nlohmann::json::array();
  for (const Method& method : DemoMethods(args["seed"].as<uint64_t>(), countdown, countdown || args.count("oracle"))) {
    SearchRunOptions run;
    run.out = out_dir + "/" + method.file + ".jsonl";
    run.threads = threads;
    run.progress_label = "demo " + method.label;
    run.model_digest = digests.folder;
    run.provenance = TreeProvenance(model_dir, digests, *policy);
    const nlohmann::json s = RunSearchToFile(problems, backend, method.config, run);
    methods.push_back({{"mode", s["mode"]},
                       {"label", method.label},
                       {"terminal", TerminalLabel(method.config)},
                       {"values", ValueSourceName(method.config.value_source)},
                       {"accuracy", s["accuracy"]},
                       {"n", s["n"]},
                       {"tokens_per_problem", s["tokens_per_problem"]},
                       {"seconds_per_problem", s["seconds_per_problem"]},
                       {"by_difficulty", s["by_difficulty"]},
                       {"config", s["config"]},
                       {"out", run.out}});
  }
  parsed->WriteConfigInDir(out_dir);
  const nlohmann::json summary = {
      {"methods", methods}, {"n", n}, {"family", ProblemFamilyName(family)}, {"model", model_dir}};
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "steptree demo: " << n << " held-out " << ProblemFamilyName(family) << " problems (levels "
              << (countdown ? "1..4" : "1..8") << "), model " << model_dir << " ("
              << policy->num_parameters() << " parameters, value head trained), " << threads << " threads\n"
              << FormatTable(methods, n);
    if (countdown) {
      std::cout << "terminal target: a final answer counts only when the whole path reaches the question's target "
                   "(no gold answer used)\n";
    }
    if (countdown || args.count("oracle")) {
      std::cout << "values oracle: a perfect step verifier ("
                << (countdown ? "can the numbers left still reach the target, by the exact solver"
                              : "every calculation checked, final answers against gold")
                << "): the ceiling\n";
    }
    std::cout << "trees written under " << out_dir << "/\n";
  }
  return 0;
}

CommandRegistrar demo_registrar({"demo", "the main job: greedy, maj@5, SBS(3,5), MCTS(40), DVTS with the default model", RunDemo});

}  // namespace
}  // namespace steptree::app

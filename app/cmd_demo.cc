// steptree demo: the main job on the embedded default, AlphaMath's comparison in one
// command. Held-out synthetic problems across the difficulty ladder are solved by greedy
// decoding, maj@5, SBS(3,5) and MCTS(40) with the default policy and its value head (the
// value head is trained first by the value recipe when the checkpoint has none; the policy
// is trained first when there is no default model at all). Searches run in inference mode:
// final answers are scored by the value head, never by the gold answer, which only grades.
// Prints one table (accuracy, tokens and seconds per problem, accuracy by level); every
// method's trees are written under --out-dir.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "app/search_run.h"
#include "app/value_recipe.h"
#include "datasets/input_error.h"
#include "policy/blas_check.h"
#include "policy/policy.h"
#include "policy/policy_backend.h"
#include "search/config.h"

namespace steptree::app {
namespace {

std::string TrainDefaultModel() {
  const std::filesystem::path dir = std::filesystem::path("models") / "default";
  std::cerr << "demo: no default model found; training it with the default recipe into " << dir
            << " (about 30 minutes on 2 cores)\n";
  TrainOptions recipe = DefaultRecipe();
  recipe.out_dir = dir.string();
  recipe.resume = true;
  SyntheticOptions held = DefaultTrainingData();
  held.seed = kHeldoutSeed;
  held.split = ProblemSplit::kHeldOut;
  TrainPolicy(recipe, *MakeSyntheticStream(DefaultTrainingData()), MakeSyntheticProblems(held, 256));
  return dir.string();
}

struct Method {
  std::string label;  // "SBS(3,5)"
  std::string file;   // trees file name
  SearchConfig config;
};

// greedy, maj@5, SBS(3,5), MCTS(40): AlphaMath's table. Searches score final answers with
// the value head (inference); maj and greedy never read values. With `oracle`, SBS(3,5) and
// MCTS(40) once more with oracle values (search/oracle_values.h): the same policy and
// budget with a perfect step and answer verifier, the most any value head could buy.
std::vector<Method> DemoMethods(uint64_t seed, bool oracle) {
  std::vector<Method> methods;
  auto add = [&](const std::string& label, const std::string& file, SearchMode mode) -> SearchConfig& {
    SearchConfig config;
    config.mode = mode;
    config.seed = seed;
    config.terminal_reward = TerminalReward::kValue;
    methods.push_back({label, file, config});
    return methods.back().config;
  };
  add("greedy", "greedy", SearchMode::kGreedy);
  add("maj@5", "maj5", SearchMode::kMajority).maj.k = 5;
  SearchConfig& sbs = add("SBS(3,5)", "sbs3x5", SearchMode::kSbs);
  sbs.sbs.b1 = 3;
  sbs.sbs.b2 = 5;
  add("MCTS(40)", "mcts40", SearchMode::kMcts).mcts.iterations = 40;
  if (oracle) {
    for (size_t i : {methods.size() - 2, methods.size() - 1}) {  // SBS(3,5) and MCTS(40) again
      Method copy = methods[i];
      copy.label += " oracle";
      copy.file += "-oracle";
      copy.config.oracle_values = true;
      methods.push_back(std::move(copy));
    }
  }
  return methods;
}

std::string FormatTable(const nlohmann::json& methods, long n) {
  std::ostringstream out;
  int width = 10;  // the label column
  for (const nlohmann::json& m : methods) width = std::max<int>(width, static_cast<int>(m["label"].get<std::string>().size()));
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %9s %15s %12s   %s\n", width, "method", "accuracy", "tokens/problem",
                "s/problem", "accuracy by level 1..8");
  out << line;
  for (const nlohmann::json& m : methods) {
    std::string levels;
    for (const auto& [level, v] : m["by_difficulty"].items()) {
      char cell[16];
      std::snprintf(cell, sizeof cell, "%4.0f", 100 * v["accuracy"].get<double>());
      levels += cell;
    }
    std::snprintf(line, sizeof line, "%-*s %8.1f%% %15.0f %12.3f   %s\n", width, m["label"].get<std::string>().c_str(),
                  100 * m["accuracy"].get<double>(), m["tokens_per_problem"].get<double>(),
                  m["seconds_per_problem"].get<double>(), levels.c_str());
    out << line;
  }
  return out.str();
}

int RunDemo(int argc, char** argv) {
  cxxopts::Options options(
      "steptree demo",
      "The main job on the embedded default: greedy, maj@5, SBS(3,5) and MCTS(40) on held-out\n"
      "synthetic problems across the difficulty ladder (levels 1..8), with the default policy\n"
      "and its value head; one table of accuracy, tokens and seconds per problem, as in\n"
      "AlphaMath's. Searches score final answers with the value head (the gold answer only\n"
      "grades). Without a value head in the checkpoint the value recipe trains one first\n"
      "(MCTS with gold rewards on training problems, then joint training; see the user guide).\n"
      "--json prints {\"methods\": [{\"mode\", \"label\", \"accuracy\", \"n\", \"tokens_per_problem\",\n"
      "\"seconds_per_problem\", \"by_difficulty\", \"config\", \"out\"}, ...], \"n\", \"model\"}.");
  options.add_options()
      ("n", "held-out problems", cxxopts::value<long>()->default_value("200"))
      ("problem-seed", "seed of the held-out problems", cxxopts::value<uint64_t>()->default_value("2026"))
      ("seed", "search seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("model", "checkpoint directory (default: the embedded default)", cxxopts::value<std::string>())
      ("out-dir", "where every method's trees go", cxxopts::value<std::string>()->default_value("runs/demo"))
      ("retrain-value", "run the value recipe even when the checkpoint has a value head")
      ("oracle", "also run SBS(3,5) and MCTS(40) with oracle values (a perfect step and answer verifier): "
       "the ceiling a value head could reach with this policy")
      ("threads", "problems searched in parallel (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  AddKvCacheFlag(options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  const long n = args["n"].as<long>();
  if (n < 1) throw UsageError("--n must be >= 1");
  const int threads = ConfigureTorchThreads(args["threads"].as<int>());
  WarnIfReferenceBlas();
  const std::string out_dir = args["out-dir"].as<std::string>();

  std::string model_dir;
  if (args.count("model")) {
    model_dir = args["model"].as<std::string>();
  } else {
    model_dir = FindDefaultModelDir();
    if (model_dir.empty()) model_dir = TrainDefaultModel();
  }
  std::unique_ptr<Policy> policy = Policy::Load(model_dir);
  if (!policy->has_trained_value_head() || args.count("retrain-value")) {
    std::cerr << "demo: training a value head for " << model_dir << " with the value recipe (about 40 minutes on 2 cores)\n";
    model_dir = RunValueRecipe(model_dir, out_dir + "/value-recipe", threads);
    policy = Policy::Load(model_dir);
    ConfigureTorchThreads(threads);
  }
  const PolicyBackend backend(*policy, KvCacheBytesFrom(args));
  const std::vector<Problem> problems = DefaultEvalProblems(n, args["problem-seed"].as<uint64_t>());

  nlohmann::json methods = nlohmann::json::array();
  for (const Method& method : DemoMethods(args["seed"].as<uint64_t>(), args.count("oracle") > 0)) {
    SearchRunOptions run;
    run.out = out_dir + "/" + method.file + ".jsonl";
    run.threads = threads;
    run.progress_label = "demo " + method.label;
    const nlohmann::json s = RunSearchToFile(problems, backend, method.config, run);
    methods.push_back({{"mode", s["mode"]},
                       {"label", method.label},
                       {"accuracy", s["accuracy"]},
                       {"n", s["n"]},
                       {"tokens_per_problem", s["tokens_per_problem"]},
                       {"seconds_per_problem", s["seconds_per_problem"]},
                       {"by_difficulty", s["by_difficulty"]},
                       {"config", s["config"]},
                       {"out", run.out}});
  }
  const nlohmann::json summary = {{"methods", methods}, {"n", n}, {"model", model_dir}};
  if (args.count("json")) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << "steptree demo: " << n << " held-out problems (levels 1..8), model " << model_dir << " ("
              << policy->num_parameters() << " parameters, value head trained), " << threads << " threads\n"
              << FormatTable(methods, n);
    if (args.count("oracle")) {
      std::cout << "oracle: values from a perfect verifier (every calculation checked, final answers against gold)\n";
    }
    std::cout << "trees written under " << out_dir << "/\n";
  }
  return 0;
}

CommandRegistrar registrar({"demo", "the main job: greedy, maj@5, SBS(3,5), MCTS(40) with the default model", RunDemo});

}  // namespace
}  // namespace steptree::app

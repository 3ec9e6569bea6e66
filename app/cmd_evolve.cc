// steptree evolve: AlphaMath's self-evolution rounds ("almost zero": no human step labels;
// Chen et al. 2024, sec. 3.3), as steptree commands.
//
//   round 0: the starting policy (the embedded default) with a FRESH value head, evaluated;
//   round k: MCTS with gold terminal rewards on new synthetic training problems (levels
//            --difficulty, default the whole ladder; sampling at --data-temperature), with the
//            round k-1 policy and value head -> export value paths (Q targets, final +-1)
//            and SFT paths -> joint training from round k-1 on the value paths of the last
//            --history-rounds rounds (countdown: of rounds 1..k); CE on correct paths +
//            alpha * MSE(V, Q), `train --values`; with --anchor-sft N also CE on N
//            tool-computed reference solutions; with --pair-weight W also W * the sibling-step
//            preference loss on the trees' pairs, `export --format pairs` then `train
//            --pairs`, policy/train/step_preference.h) -> evaluate greedy, SBS(3,5) and
//            MCTS(40) on held-out problems, answers scored by the value head (inference).
//
// Run directory:
//   config.json                 the resolved options (a later run must agree)
//   evolve.config.json          the resolved flags of the last finished run
//   anchor-sft.jsonl            with --anchor-sft: the reference solutions mixed in
//   round-K/problems.jsonl      training problems of round K (K >= 1)
//   round-K/trees.jsonl         its MCTS trees; value.jsonl, sft.jsonl (pairs.jsonl): the exports
//   round-K/model/              the checkpoint after round K (round-0: the start, no head)
//   round-K/eval/{greedy,sbs,mcts}.jsonl   held-out trees
//   round-K/metrics.json        written last: the round is done
// Each step runs as a child process of this binary (see Run). With --launcher, a round's
// data search runs instead as shards submitted to a cluster (app/shard_launcher.h,
// round-K/shards/), merged into the same trees.jsonl. Every step resumes: searches at
// problem granularity (search --resume), training from its last checkpoint (train
// --resume), and a round with metrics.json is never redone.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "core/child_process.h"
#include "core/json_file.h"
#include "app/default_model.h"
#include "app/flag_parsing.h"
#include "app/run_dir.h"
#include "app/shard_launcher.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/output_path.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "search/shard.h"
#include "sweep/sweep_report.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;

struct EvolveOptions {
  int rounds = 2;
  std::string run_dir;
  std::string init;            // starting checkpoint (default: the embedded default)
  long problems = 1000;        // training problems per round (countdown: 5000, FamilyDefaults)
  int data_iterations = 40;    // MCTS iterations when generating data
  std::optional<double> data_temperature;  // the data search's sampling temperature (unset: MCTS's own)
  long eval_problems = 200;    // held-out problems
  uint64_t eval_seed = kDefaultProblemSeed;  // their seed (the demo's)
  long steps = 1000;           // training steps per round (countdown: 2000)
  double lr = 3e-4;            // (countdown: 1e-3)
  double alpha = 1.0;
  long anchor_sft = 0;         // reference-solution problems mixed into training (0: none)
  double pair_weight = 0;      // weight of the sibling-step preference loss (0: no pairs)
  int history_rounds = 1;      // round k trains on the value paths of rounds max(1, k-N+1)..k (0: 1..k)
  std::string difficulty;      // levels of the training problems, "LO-HI" (empty: the family's ladder)
  ProblemFamily family = ProblemFamily::kArithmetic;  // the synthetic problems trained and evaluated on
  uint64_t seed = 1;           // search seed
  int threads = 1;
  ShardLaunch launch;          // with a launcher: each round's data search as shards on a cluster
};

// The per-round data and training budget of a family, where its flags are not given.
// Countdown's: a round's greedy gain is bounded by how many distinct problems it solves (one
// round of 1000 problems and 1000 steps at 3e-4 lifts greedy 2 points; 5000 problems and
// 2000 steps at 1e-3 lift it 7, docs/user-guide.md "Self-evolution from this default";
// 10000 problems a round measured no better on 2000 held-out problems), and round 2
// trained on its own paths alone loses target-checked MCTS (4 points more than with
// round 1's paths too, on 1000 held-out problems), so every round trains on the paths of
// every round so far (history 0).
struct RoundBudget {
  long problems;
  long steps;
  double lr;
  int history_rounds;
};
RoundBudget FamilyDefaults(ProblemFamily family) {
  if (family == ProblemFamily::kCountdown) return {5000, 2000, 1e-3, 0};
  return {1000, 1000, 3e-4, 1};
}

// DIR/round-K: every artefact of round K.
fs::path RoundDir(const fs::path& dir, int round) { return dir / ("round-" + std::to_string(round)); }

// --difficulty, else the countdown default's training levels, else "" (the whole ladder).
std::string TrainingLevels(const EvolveOptions& o) {
  if (!o.difficulty.empty()) return o.difficulty;
  if (o.family != ProblemFamily::kCountdown) return "";
  return std::to_string(kCountdownTrainMinLevel) + "-" + std::to_string(kCountdownTrainMaxLevel);
}

nlohmann::ordered_json OptionsJson(const EvolveOptions& o) {
  nlohmann::ordered_json json = {{"rounds", o.rounds},         {"init", o.init},     {"problems", o.problems},
          {"data_iterations", o.data_iterations}, {"eval_problems", o.eval_problems},
          {"eval_seed", o.eval_seed},   {"steps", o.steps},   {"lr", o.lr},
          {"alpha", o.alpha},           {"anchor_sft", o.anchor_sft}, {"seed", o.seed}};
  // Only when set, so run directories made before the flag existed still resume.
  if (!o.difficulty.empty()) json["difficulty"] = o.difficulty;
  if (o.family != ProblemFamily::kArithmetic) json["family"] = ProblemFamilyName(o.family);
  if (o.pair_weight > 0) json["pair_weight"] = o.pair_weight;
  if (o.history_rounds != 1) json["history_rounds"] = o.history_rounds;
  if (o.data_temperature) json["data_temperature"] = *o.data_temperature;
  return json;
}

// Runs `steptree LINE` as a child process of this binary (its stdout goes to our stderr:
// stdout is the round table or --json). A child per step keeps each search's and each
// training's thread pools and memory to itself, and a crash in one step names that step.
void Run(const std::vector<std::string>& line) {
  std::cerr << "evolve: steptree";
  for (const std::string& word : line) std::cerr << " " << word;
  std::cerr << "\n" << std::flush;
  // The child runs THIS binary through /proc/self/exe, which stays valid when the file on
  // disk is replaced or deleted during a long run (a rebuild, an upgrade): every round runs
  // the same code, and no step fails for a path that is gone.
  std::vector<std::string> words = {"steptree"};
  words.insert(words.end(), line.begin(), line.end());
  const int rc = RunChildProcess("/proc/self/exe", words);
  if (rc == 2) throw UsageError("evolve: steptree " + line.front() + " refused its input (exit 2; message above)");
  if (rc != 0) throw std::runtime_error("evolve: steptree " + line.front() + " exited with " + std::to_string(rc));
}

struct EvalFigures {
  double accuracy = 0;
  double tokens_per_problem = 0;
  long n = 0;
};

EvalFigures ReadEval(const std::string& trees) {
  EvalFigures figures;
  JsonlReader reader(trees);
  nlohmann::json record;
  long correct = 0;
  double tokens = 0;
  while (reader.Next(&record)) {
    ++figures.n;
    correct += record.value("correct", nlohmann::json(false)) == true;
    tokens += record["budget"].value("generated_tokens", 0.0);
  }
  if (figures.n > 0) {
    figures.accuracy = static_cast<double>(correct) / static_cast<double>(figures.n);
    figures.tokens_per_problem = tokens / static_cast<double>(figures.n);
  }
  return figures;
}

long CountLines(const std::string& path) {
  std::ifstream in(path);
  long lines = 0;
  for (std::string line; std::getline(in, line);) lines += !line.empty();
  return lines;
}

// Greedy, SBS(3,5) and MCTS(40) on the held-out problems with `model`, every decision by
// the value head; on countdown also MCTS(40) with terminals checked against the target
// ("mcts_target").
nlohmann::ordered_json Evaluate(const EvolveOptions& o, const std::string& model, const fs::path& eval_dir,
                                bool untrained_head) {
  const std::string t = std::to_string(o.threads);
  struct Method {
    const char* key;
    std::vector<std::string> flags;
  };
  std::vector<Method> methods = {{"greedy", {"--mode", "greedy"}},
                                 {"sbs", {"--mode", "sbs", "--b1", "3", "--b2", "5"}},
                                 {"mcts", {"--mode", "mcts", "--iterations", "40"}}};
  if (o.family == ProblemFamily::kCountdown) {
    methods.push_back({"mcts_target", {"--mode", "mcts", "--iterations", "40", "--terminal-reward", "target"}});
  }
  nlohmann::ordered_json figures;
  for (const Method& m : methods) {
    const std::string out = (eval_dir / (std::string(m.key) + ".jsonl")).string();
    std::vector<std::string> line = {"search",          "--model", model, "--problems", std::to_string(o.eval_problems),
                                     "--problem-seed", std::to_string(o.eval_seed), "--terminal-reward", "value",
                                     "--seed",          std::to_string(o.seed), "--output", out, "--resume", "--threads", t,
                                     "--family",        ProblemFamilyName(o.family)};
    line.insert(line.end(), m.flags.begin(), m.flags.end());  // a later --terminal-reward wins
    if (untrained_head) line.push_back("--allow-untrained-value");
    Run(line);
    const EvalFigures f = ReadEval(out);
    figures[m.key] = f.accuracy;
    figures[std::string(m.key) + "_tokens_per_problem"] = f.tokens_per_problem;
  }
  return figures;
}

nlohmann::ordered_json RunRound(const EvolveOptions& o, int round, const fs::path& dir) {
  const fs::path rd = RoundDir(dir, round);
  fs::create_directories(rd / "eval");
  const std::string model = (rd / "model").string();
  const std::string t = std::to_string(o.threads);
  nlohmann::ordered_json metrics = {{"round", round}};
  if (round == 0) {
    const std::string init = o.init.empty() ? RequireDefaultModelDir(o.family) : o.init;
    std::unique_ptr<Policy> start = Policy::Load(init);
    start->set_value_head_trained(false);  // a fresh head: Save leaves it out
    start->Save(model, {{"evolve", "round 0: " + init + " with a fresh value head"}});
    metrics["data_problems"] = 0;
    metrics["value_paths"] = 0;
  } else {
    const std::string previous = (RoundDir(dir, round - 1) / "model").string();
    const std::string problems = (rd / "problems.jsonl").string(), trees = (rd / "trees.jsonl").string();
    const std::string values = (rd / "value.jsonl").string(), sft = (rd / "sft.jsonl").string();
    const std::string pairs = (rd / "pairs.jsonl").string();
    std::vector<std::string> generate = {"gen-problems", "--family", ProblemFamilyName(o.family), "--problems",
                                         std::to_string(o.problems), "--split", "train", "--seed",
                                         std::to_string(1000 + round), "-o", problems};
    if (!TrainingLevels(o).empty()) generate.insert(generate.end(), {"--difficulty", TrainingLevels(o)});
    Run(generate);
    std::vector<std::string> search = {"--model", previous, "--data", problems, "--mode", "mcts",
                                       "--iterations", std::to_string(o.data_iterations), "--terminal-reward", "gold",
                                       "--seed", std::to_string(o.seed + static_cast<uint64_t>(round)), "--threads", t};
    if (round == 1) search.push_back("--allow-untrained-value");  // round 0's head is fresh
    if (o.data_temperature) search.insert(search.end(), {"--temperature", std::to_string(*o.data_temperature)});
    if (o.launch.launcher.empty()) {
      search.insert(search.begin(), "search");
      search.insert(search.end(), {"--output", trees, "--resume"});
      Run(search);
    } else {
      // The cluster runs the shards from its own working folder: every path absolute.
      for (const std::string* path : {&previous, &problems}) {
        std::replace(search.begin(), search.end(), *path, fs::absolute(*path).string());
      }
      RunShardedSearch(o.launch, search, (rd / "shards").string(), trees);
    }
    Run({"export", "--trees", trees, "--format", "value", "-o", values});
    Run({"export", "--trees", trees, "--format", "sft", "-o", sft});
    if (o.pair_weight > 0) Run({"export", "--trees", trees, "--format", "pairs", "-o", pairs});
    const long pair_count = o.pair_weight > 0 ? CountLines(pairs) : 0;
    const long value_count = CountLines(values);
    if (value_count == 0) {
      throw UsageError("evolve: round " + std::to_string(round) + "'s search reached no graded final answer in " +
                       std::to_string(o.problems) + " problems (" + trees +
                       "), so there is nothing to train on: raise --data-iterations or --problems");
    }
    std::vector<std::string> train = {"train", "--init", previous, "--alpha", std::to_string(o.alpha), "--lr",
                                      std::to_string(o.lr), "--steps", std::to_string(o.steps), "--threads", t,
                                      "--resume", "--run-dir", model};
    // With a history of N rounds also the N-1 rounds before (0: every round so far; rStar-Math
    // keeps its earlier rounds' verified trajectories): the policy keeps imitating the wider
    // samples of earlier rounds.
    const int first = o.history_rounds == 0 ? 1 : std::max(1, round - o.history_rounds + 1);
    for (int k = first; k <= round; ++k) {
      train.insert(train.end(), {"--values", (RoundDir(dir, k) / "value.jsonl").string()});
    }
    if (o.anchor_sft > 0) {
      // Tool-computed reference solutions (the synthetic generator's steps), the same set
      // every round: they keep the policy near what it was trained on.
      const std::string anchor = (dir / "anchor-sft.jsonl").string();
      Run({"gen-problems", "--family", ProblemFamilyName(o.family), "--problems", std::to_string(o.anchor_sft), "--split",
           "train", "--seed", "12", "-o", anchor});
      train.insert(train.end(), {"--sft", anchor});
    }
    // A round whose trees hold no sibling pair trains without them.
    if (pair_count > 0) {
      train.insert(train.end(), {"--pairs", pairs, "--pair-weight", std::to_string(o.pair_weight)});
    }
    Run(train);
    metrics["data_problems"] = o.problems;
    metrics["value_paths"] = value_count;
    metrics["sft_paths"] = CountLines(sft);
    if (o.pair_weight > 0) metrics["pairs"] = pair_count;
    metrics["data_solved_share"] = [&] {
      JsonlReader reader(trees);
      nlohmann::json record;
      long solved = 0, n = 0;
      while (reader.Next(&record)) {
        ++n;
        for (const nlohmann::json& node : record["tree"]) {
          if (node.value("terminal", false) && node.value("correct", nlohmann::json(false)) == true) {
            ++solved;
            break;
          }
        }
      }
      return n ? static_cast<double>(solved) / static_cast<double>(n) : 0.0;
    }();
  }
  const nlohmann::ordered_json eval = Evaluate(o, model, rd / "eval", round == 0);
  for (const auto& [key, value] : eval.items()) metrics[key] = value;
  metrics["model"] = model;
  WriteFileAtomically((rd / "metrics.json").string(), metrics.dump(2) + "\n");
  return metrics;
}

void PrintRounds(const nlohmann::ordered_json& rounds, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-6s %9s %10s %10s %12s %12s\n", "round", "greedy", "SBS(3,5)", "MCTS(40)",
                "value paths", "data solved");
  out << line;
  for (const nlohmann::ordered_json& r : rounds) {
    std::snprintf(line, sizeof line, "%-6d %8.1f%% %9.1f%% %9.1f%% %12ld %11.1f%%\n", r["round"].get<int>(),
                  100 * r["greedy"].get<double>(), 100 * r["sbs"].get<double>(), 100 * r["mcts"].get<double>(),
                  r.value("value_paths", 0L), 100 * r.value("data_solved_share", 0.0));
    out << line;
  }
}

int RunEvolve(int argc, char** argv) {
  EvolveOptions o;
  cxxopts::Options options(
      "steptree evolve",
      "AlphaMath's self-evolution from the embedded default with a fresh value head (no human\n"
      "step labels): each round runs MCTS with gold rewards on new training problems with the\n"
      "previous round's policy and value head, exports value and SFT paths, trains policy and\n"
      "value head jointly, and evaluates greedy, SBS(3,5) and MCTS(40) on held-out problems\n"
      "(countdown also MCTS(40) with terminals checked against the target: \"mcts_target\").\n"
      "Round 0 is the start, evaluated. Every artefact stays in --run-dir; running the same\n"
      "command again resumes (rounds, problems, training steps). --json prints {\"rounds\":\n"
      "[{\"round\", \"greedy\", \"sbs\", \"mcts\", \"greedy_tokens_per_problem\",\n"
      "\"sbs_tokens_per_problem\", \"mcts_tokens_per_problem\", \"data_problems\", \"value_paths\",\n"
      "\"sft_paths\", (with --pair-weight \"pairs\",) \"data_solved_share\", \"model\"}], \"run_dir\"}.");
  options.add_options()
      ("rounds", "training rounds after round 0", cxxopts::value<int>()->default_value(std::to_string(o.rounds)))
      ("run-dir", "directory for every round's artefacts", cxxopts::value<std::string>())
      ("init", "starting checkpoint (default: the embedded default)", cxxopts::value<std::string>())
      ("problems", "training problems per round (default: 1000; countdown 5000)", cxxopts::value<long>())
      ("data-iterations", "MCTS iterations per training problem", cxxopts::value<int>()->default_value(std::to_string(o.data_iterations)))
      ("data-temperature", "sampling temperature of each round's data search (default: MCTS's, 0.6)",
       cxxopts::value<double>())
      ("eval-problems", "held-out problems", cxxopts::value<long>()->default_value(std::to_string(o.eval_problems)))
      ("eval-seed", "seed of the held-out problems", cxxopts::value<uint64_t>()->default_value(std::to_string(o.eval_seed)))
      ("steps", "training steps per round (default: 1000; countdown 2000)", cxxopts::value<long>())
      ("lr", "peak learning rate of each round's training (default: 3e-4; countdown 1e-3)", cxxopts::value<double>())
      ("alpha", "weight of the value MSE", cxxopts::value<double>()->default_value("1.0"))
      ("anchor-sft", "mix this many synthetic reference solutions into each round's training (0: none, pure self-training)",
       cxxopts::value<long>()->default_value("0"))
      ("history-rounds", "train each round on the value paths of its last N rounds (0: every round so far; "
       "default: 1, countdown 0)", cxxopts::value<int>())
      ("pair-weight", "weight of the sibling-step preference loss on each round's tree pairs (0: none; train --pairs)",
       cxxopts::value<double>()->default_value("0"))
      ("difficulty", "levels of the training problems, LO-HI (default: the whole ladder, 1-8)",
       cxxopts::value<std::string>())
      ("family", "arithmetic | countdown: the synthetic problems of every round (and the default model)",
       cxxopts::value<std::string>()->default_value("arithmetic"))
      ("seed", "search seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("threads", "threads (0 = all cores)", cxxopts::value<int>()->default_value("0"))
      ("launcher", "submit each round's data search as --shards shards through this cluster command, e.g. "
       "'sbatch --wait --array={indices}' ({indices}: the shards to run, {shards}: their count, {script}: the "
       "shard script, appended when not named); failed shards are resubmitted and resume, then merged "
       "(docs/scale-out.md)", cxxopts::value<std::string>())
      ("shards", "with --launcher: shards per data search", cxxopts::value<int>()->default_value("2"))
      ("launcher-retries", "with --launcher: resubmissions of unfinished shards before giving up",
       cxxopts::value<int>()->default_value("2"))
      ("json", "print the rounds as one JSON object")
      ("h,help", "show this help");
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("run-dir")) throw UsageError("--run-dir DIR is required");
  o.run_dir = args["run-dir"].as<std::string>();
  o.rounds = args["rounds"].as<int>();
  if (args.count("init")) o.init = args["init"].as<std::string>();
  o.family = ParseFamily(args["family"].as<std::string>());
  const RoundBudget budget = FamilyDefaults(o.family);
  o.problems = CheckProblemCount(args.count("problems") ? args["problems"].as<long>() : budget.problems, "--problems");
  o.data_iterations = args["data-iterations"].as<int>();
  if (args.count("data-temperature")) o.data_temperature = args["data-temperature"].as<double>();
  o.eval_problems = CheckProblemCount(args["eval-problems"].as<long>(), "--eval-problems");
  o.eval_seed = args["eval-seed"].as<uint64_t>();
  o.steps = args.count("steps") ? args["steps"].as<long>() : budget.steps;
  o.lr = args.count("lr") ? args["lr"].as<double>() : budget.lr;
  o.alpha = args["alpha"].as<double>();
  o.seed = args["seed"].as<uint64_t>();
  o.anchor_sft = args["anchor-sft"].as<long>();
  o.pair_weight = args["pair-weight"].as<double>();
  o.history_rounds = args.count("history-rounds") ? args["history-rounds"].as<int>() : budget.history_rounds;
  if (args.count("difficulty")) {
    o.difficulty = args["difficulty"].as<std::string>();
    ParseDifficultyRange(o.difficulty);  // a bad range stops here, before round 0
  }
  if (o.rounds < 0 || o.problems < 1 || o.eval_problems < 1 || o.steps < 1 || o.data_iterations < 1 || !(o.lr > 0) || o.anchor_sft < 0 ||
      !std::isfinite(o.pair_weight) || o.pair_weight < 0 || o.history_rounds < 0 ||
      (o.data_temperature && !(std::isfinite(*o.data_temperature) && *o.data_temperature > 0))) {
    throw UsageError("--rounds >= 0, --problems, --eval-problems, --steps, --data-iterations >= 1, --lr > 0, "
                     "--pair-weight >= 0, --history-rounds >= 0 and --data-temperature > 0 are required");
  }
  if (args.count("launcher")) {
    o.launch.launcher = args["launcher"].as<std::string>();
    o.launch.shards = args["shards"].as<int>();
    o.launch.retries = args["launcher-retries"].as<int>();
    if (o.launch.launcher.empty() || o.launch.shards < 1 || o.launch.shards > kMaxShards || o.launch.retries < 0) {
      throw UsageError("--launcher needs a command, --shards 1.." + std::to_string(kMaxShards) +
                       " and --launcher-retries >= 0");
    }
  }
  o.threads = ConfigureTorchThreads(args["threads"].as<int>());
  CheckOutputDir(o.run_dir, "--run-dir");  // after every other check: a refused run leaves no folder
  WarnIfReferenceBlas();

  const fs::path dir(o.run_dir);
  fs::create_directories(dir);
  CheckOrWriteRunConfig(o.run_dir, OptionsJson(o), "rounds");

  nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
  for (int round = 0; round <= o.rounds; ++round) {
    const fs::path metrics = RoundDir(dir, round) / "metrics.json";
    if (fs::exists(metrics)) {
      std::ifstream in(metrics);
      const nlohmann::ordered_json done = nlohmann::ordered_json::parse(in, nullptr, false);
      if (done.is_object()) {
        std::cerr << "evolve: round " << round << " done earlier (" << metrics.string() << ")\n";
        rounds.push_back(done);
        continue;
      }
    }
    std::cerr << "evolve: round " << round << " of " << o.rounds << "\n";
    rounds.push_back(RunRound(o, round, dir));
    ConfigureTorchThreads(o.threads);
  }
  parsed->WriteConfigInDir(o.run_dir);
  if (args.count("json")) {
    std::cout << nlohmann::ordered_json({{"rounds", rounds}, {"run_dir", o.run_dir}}).dump() << std::endl;
  } else {
    PrintRounds(rounds, std::cout);
  }
  return 0;
}

CommandRegistrar evolve_registrar({"evolve", "AlphaMath self-evolution rounds: MCTS data, export, joint training, evaluation",
                            RunEvolve});

}  // namespace
}  // namespace steptree::app

// steptree bench: the engine measured against the machine's limit, in one run (issue 5's
// figures). Matmul peak, raw batched decode on the embedded default and on a wider bench
// model, greedy / SBS(3,5) / MCTS(40) through the counting decorator, prefill recompute, KV
// hit rate, the 2-thread speedup, the share of wall time outside the model and peak RSS,
// then the five targets judged; with --hf-shapes, a Hugging Face model with a real model's
// shapes (bench/hf_bench.h). What each figure means and how it is computed is written
// in bench/*.h; docs/performance.md holds the measured figures and what limits them.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <iostream>
#include <random>
#include <thread>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "app/flag_config.h"
#include "app/default_model.h"
#include "app/evaluation.h"
#include "bench/hf_bench.h"
#include "bench/matmul_peak.h"
#include "bench/raw_decode.h"
#include "bench/report.h"
#include "bench/scratch_dir.h"
#include "bench/search_bench.h"
#include "core/input_error.h"
#include "datasets/synthetic.h"
#include "policy/model/blas_check.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "search/runner.h"

namespace steptree::app {
namespace {

// The wide bench model: the built-in architecture at width 512 with 8 layers (d_ff 4x,
// 64-wide heads), random weights. Only its shapes matter to decode speed.
GptConfig WideBenchConfig() {
  GptConfig config;
  config.n_layer = 8;
  config.d_model = 512;
  config.n_head = 8;
  config.d_ff = 2048;
  config.context = 256;
  return config;
}

// Everything the flags decide.
struct BenchSettings {
  bool quick = false;
  bool json = false;
  long problems = 40;
  int threads = 1;  // in effect (0 resolved to the core count)
  int matmul_size = 2048;
  bool prompt_tokens_given = false;  // else P follows MCTS(40)'s mean state length
  bool intra_op_decode = false;      // raw decode as one stream on `threads` intra-op threads
  uint64_t seed = 1, problem_seed = kDefaultProblemSeed;
  std::string model_dir, out_dir;   // out_dir: --run-dir ("": a temporary folder)
  nlohmann::ordered_json resolved;  // the resolved config, written to --run-dir
  bench::BenchSearchMode speedup_mode;
  bench::RawDecodeOptions decode;
  int shards = 2;        // shard processes of the scale-out row (0: none)
  bool hf = false;       // --hf-shapes given: run the Hugging Face section
  bool hf_only = false;  // only that section (and the fp32 matmul peak it divides by)
  bench::HfBenchOptions hf_options;
};

// Comma-separated values of a list flag.
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  for (char c : text + ",") {
    if (c != ',') {
      item.push_back(c);
    } else if (!item.empty()) {
      items.push_back(item);
      item.clear();
    }
  }
  return items;
}

// The searches at --threads workers, then the speedup mode at the worker count the searches
// did not cover (1 or 2). Search runs before the wide model exists, so peak RSS is the
// search's.
void MeasureSearches(const BenchSettings& settings, const SearchBackend& backend, const std::vector<Problem>& problems,
                     const std::string& scratch, bench::BenchReport* report) {
  std::cerr << "bench: search on " << problems.size() << " held-out problems, model " << settings.model_dir << "\n";
  SetTorchThreadsForThisThread(1);
  SearchProblem(backend, problems.front(), bench::BenchSearchModes(settings.seed).front().config);  // warm-up
  for (const bench::BenchSearchMode& mode : bench::BenchSearchModes(settings.seed)) {
    report->search.push_back(bench::MeasureSearch(problems, backend, mode, settings.threads, scratch));
  }
  auto at_workers = [&](int workers) {
    for (const bench::SearchMeasurement& m : report->search) {
      if (m.key == settings.speedup_mode.key && m.threads == workers) return m;
    }
    return bench::MeasureSearch(problems, backend, settings.speedup_mode, workers, scratch);
  };
  report->speedup_one = at_workers(1);
  report->speedup_two = at_workers(2);
  report->peak_rss_mb = bench::PeakRssMb();
}

// The machine's limit, then the default and the wide model alone, on the threads in use.
void MeasureModels(const BenchSettings& settings, const Policy& policy, bench::RawDecodeOptions decode,
                   bench::BenchReport* report) {
  // Raw decode attends as many keys as search's states hold: P defaults to the mean state
  // length MCTS(40) sent to the model (--quick: 8 tokens).
  const int longest_prompt = std::min(policy.context(), WideBenchConfig().context) - decode.decode_tokens;
  if (!settings.quick && !settings.prompt_tokens_given) {
    for (const bench::SearchMeasurement& m : report->search) {
      if (m.key == "mcts" && m.calls.MeanStateTokens() >= 1) {
        decode.prompt_tokens = std::min(longest_prompt, static_cast<int>(std::lround(m.calls.MeanStateTokens())));
      }
    }
  }
  report->prompt_tokens = decode.prompt_tokens;
  report->decode_tokens = decode.decode_tokens;

  ConfigureTorchThreads(settings.threads);
  std::cerr << "bench: matmul peak (" << settings.matmul_size << "x" << settings.matmul_size << ", "
            << settings.threads << " thread" << (settings.threads == 1 ? "" : "s") << ")\n";
  report->matmul = bench::MeasureMatmulPeak(settings.matmul_size, settings.quick ? 2 : 5);
  std::cerr << "bench: matmul peak " << report->matmul.gflops << " GFLOP/s\n";
  report->default_model.decode =
      bench::MeasureRawDecode(policy, decode, report->matmul.gflops, "bench: raw decode, default model");

  const GptConfig wide = WideBenchConfig();
  const std::unique_ptr<Policy> wide_policy = Policy::Create(wide, 1);
  report->wide_model.name = "wide";
  report->wide_model.source = "random weights (seed 1)";
  report->wide_model.config = wide;
  report->wide_model.parameters = wide_policy->num_parameters();
  report->wide_model.decode =
      bench::MeasureRawDecode(*wide_policy, decode, report->matmul.gflops, "bench: raw decode, wide model");
  report->peak_rss_mb_whole = bench::PeakRssMb();
}

// Parses the flags (nullopt after --help). Checks that need the model come later.
std::optional<BenchSettings> ParseBenchFlags(int argc, char** argv) {
  cxxopts::Options options(
      "steptree bench",
      "Measures the engine against the machine's limit, in one run: matmul peak (fp32 GEMM\n"
      "through torch), raw batched KV-cached decode at batch 1, 8, 32, 64, 128 on the default\n"
      "model and on a wide bench model (8 layers, width 512, random weights), greedy / SBS(3,5)\n"
      "/ MCTS(40) on held-out problems (tokens/s, nodes/s, problems/s, batch histogram, mean\n"
      "decode batch, search over raw decode at that batch), prefill tokens per generated token,\n"
      "KV hit rate, 2- vs 1-thread speedup, wall time outside the model, peak RSS, and the\n"
      "performance issue's five targets. Measure on a quiet machine. Progress goes to stderr.\n"
      "--json prints one object: \"matmul_gflops\", \"decode\" and \"decode_wide\" (per batch\n"
      "size: tokens_s, gflops, peak_fraction, ms_per_step, runs), \"search\" (greedy, sbs, mcts:\n"
      "tokens_s, nodes_s, problems_s, mean_batch, over_raw, batch_histogram, ...),\n"
      "\"prefill_per_generated\", \"kv_hit_rate\", \"thread_speedup\", \"outside_model_fraction\",\n"
      "\"shards\", \"peak_rss_mb\", \"targets\" and set-up details (docs/performance.md lists every key).\n"
      "--hf-shapes qwen2.5-0.5b adds a Hugging Face section: a random-weight model with\n"
      "Qwen2.5-0.5B's shapes written to a temporary folder (BF16), loaded in fp32 and in bf16:\n"
      "raw decode tokens/s, GFLOP/s and fraction of the fp32 / bf16 matmul peak at each\n"
      "--hf-batches size with a 150-token cache, one MCTS expansion (B2 = 5, T = 0.6), and\n"
      "MCTS(40) and SBS(3,5) searches over --hf-problems problems with --hf-trees-per-worker\n"
      "trees batched on one worker (random weights rarely end a step: small trees);\n"
      "key \"hf\" in --json (minutes; --hf-only skips everything else).");
  options.add_options()
      ("problems", "held-out synthetic problems per search mode (default 40; 2 with --quick)", cxxopts::value<long>())
      ("quick", "tiny sizes (for tests): small GEMM, 4 decode tokens, 2 problems")
      ("threads", "search workers, raw decode streams (one torch thread each) and matmul threads (0 = all cores)",
       cxxopts::value<int>()->default_value("1"))
      ("intra-op-decode", "raw decode as one stream on --threads torch threads instead of --threads streams")
      ("speedup-mode", "search mode of the 2- vs 1-thread measurement: greedy, sbs or mcts",
       cxxopts::value<std::string>()->default_value("mcts"))
      ("prompt-tokens", "cached tokens before each timed decode run (default: the mean state length of the "
       "MCTS(40) run; 8 with --quick)",
       cxxopts::value<int>())
      ("matmul-size", "n of the n x n GEMM (default 2048; 256 with --quick)", cxxopts::value<int>())
      ("model", "built-in checkpoint directory (default: the embedded default)", cxxopts::value<std::string>())
      ("problem-seed", "seed of the held-out problems",
       cxxopts::value<uint64_t>()->default_value(std::to_string(kDefaultProblemSeed)))
      ("seed", "search seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("run-dir", "keep the searches' trees files and the resolved config (bench.config.json) here "
       "(default: a temporary folder, removed)",
       cxxopts::value<std::string>()->default_value(""))
      ("shards", "the speedup mode also as this many `search --shard` processes against one process, merged "
       "(problems/s and whether the merged trees are identical; 0: skip)", cxxopts::value<int>()->default_value("2"))
      ("json", "print the results as one JSON object")
      ("hf-shapes", "add the Hugging Face section on a random model of these shapes: qwen2.5-0.5b (494M "
       "parameters), qwen2-100m (width 512, 8 layers, Qwen3's 151936 vocabulary: 118M parameters, 78M of them "
       "the tied embedding) or tiny (tests)",
       cxxopts::value<std::string>())
      ("hf-only", "with --hf-shapes: only the Hugging Face section and the fp32 matmul peak")
      ("hf-dtypes", "compute dtypes of the Hugging Face section", cxxopts::value<std::string>()->default_value("fp32,bf16"))
      ("hf-batches", "decode batch sizes of the Hugging Face section (default 1,8,32,64; 1,2 with --quick)",
       cxxopts::value<std::string>())
      ("hf-problems", "held-out synthetic problems of the Hugging Face section's MCTS(40) and SBS(3,5) searches "
       "(default 4; 2 with --quick; 0: no searches)", cxxopts::value<int>())
      ("hf-trees-per-worker", "trees the Hugging Face section's searches batch together on their one worker "
       "(cross-tree batching; 1 = off)", cxxopts::value<int>()->default_value("4"))
      ("hf-keep", "write the Hugging Face section's model directory here and keep it (default: a temporary "
       "folder, removed)", cxxopts::value<std::string>()->default_value(""))
      ("h,help", "show this help");
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {{{"out-dir", "run-dir"}}});
  if (!parsed) return std::nullopt;
  const cxxopts::ParseResult& args = parsed->args;
  BenchSettings settings;
  settings.resolved = parsed->resolved;
  settings.quick = args.count("quick") > 0;
  settings.json = args.count("json") > 0;
  settings.problems = args.count("problems") ? args["problems"].as<long>() : (settings.quick ? 2 : 40);
  if (settings.problems < 1 || settings.problems > kMaxProblemCount) {
    throw UsageError("--problems must be between 1 and " + std::to_string(kMaxProblemCount));
  }
  if (args["threads"].as<int>() < 0) throw UsageError("--threads must be >= 0");
  settings.threads = args["threads"].as<int>();
  settings.matmul_size = args.count("matmul-size") ? args["matmul-size"].as<int>() : (settings.quick ? 256 : 2048);
  if (settings.matmul_size < 1) throw UsageError("--matmul-size must be >= 1");
  settings.seed = args["seed"].as<uint64_t>();
  settings.problem_seed = args["problem-seed"].as<uint64_t>();
  settings.speedup_mode = bench::BenchSearchModeByKey(args["speedup-mode"].as<std::string>(), settings.seed);
  settings.model_dir = args.count("model") ? args["model"].as<std::string>() : "";
  settings.out_dir = args["run-dir"].as<std::string>();
  settings.shards = args["shards"].as<int>();
  if (settings.shards < 0 || settings.shards > 64) throw UsageError("--shards must be between 0 and 64");
  if (settings.quick) {
    settings.decode.prompt_tokens = 8;
    settings.decode.decode_tokens = 4;
    settings.decode.min_runs = settings.decode.max_runs = 1;
    settings.decode.min_seconds = 0;
  }
  settings.prompt_tokens_given = args.count("prompt-tokens") > 0;
  if (settings.prompt_tokens_given) settings.decode.prompt_tokens = args["prompt-tokens"].as<int>();
  settings.intra_op_decode = args.count("intra-op-decode") > 0;

  settings.hf = args.count("hf-shapes") > 0;
  settings.hf_only = args.count("hf-only") > 0;
  if (settings.hf_only && !settings.hf) throw UsageError("--hf-only needs --hf-shapes");
  bench::HfBenchOptions& hf = settings.hf_options;
  if (settings.hf) hf.shapes = args["hf-shapes"].as<std::string>();
  hf.dtypes = SplitList(args["hf-dtypes"].as<std::string>());
  if (hf.dtypes.empty()) throw UsageError("--hf-dtypes needs fp32 and/or bf16");
  if (settings.quick) {
    hf.batches = {1, 2};
    hf.prompt_tokens = 8;
    hf.decode_tokens = 2;
    hf.min_seconds = 0;
    hf.max_runs = 1;
    hf.matmul_size = 128;
    hf.matmul_reps = 1;
    hf.max_step_tokens = 4;
  }
  if (args.count("hf-batches")) {
    hf.batches.clear();
    for (const std::string& b : SplitList(args["hf-batches"].as<std::string>())) {
      char* end = nullptr;
      const long value = std::strtol(b.c_str(), &end, 10);
      if (*end != '\0' || value < 1 || value > 4096) throw UsageError("--hf-batches expects sizes like 1,8,32");
      hf.batches.push_back(static_cast<int>(value));
    }
    if (hf.batches.empty()) throw UsageError("--hf-batches expects sizes like 1,8,32");
  }
  hf.search_problems = args.count("hf-problems") ? args["hf-problems"].as<int>() : (settings.quick ? 2 : 4);
  if (hf.search_problems < 0 || hf.search_problems > kMaxProblemCount) {
    throw UsageError("--hf-problems must be between 0 and " + std::to_string(kMaxProblemCount));
  }
  hf.trees_per_worker = args["hf-trees-per-worker"].as<int>();
  if (hf.trees_per_worker < 1 || hf.trees_per_worker > 256) {
    throw UsageError("--hf-trees-per-worker must be between 1 and 256");
  }
  hf.problem_seed = settings.problem_seed;
  hf.search_seed = settings.seed;
  hf.keep_dir = args["hf-keep"].as<std::string>();
  if (settings.hf) bench::HfBenchShapes(hf.shapes);  // UsageError on an unknown name, before any work
  return settings;
}

// --hf-only: the fp32 matmul peak on --threads torch threads, then the Hugging Face section.
int RunHfOnly(const BenchSettings& settings) {
  ConfigureTorchThreads(settings.threads);
  std::cerr << "bench: matmul peak (" << settings.matmul_size << "x" << settings.matmul_size << ", "
            << settings.threads << " thread" << (settings.threads == 1 ? "" : "s") << ")\n";
  const bench::MatmulPeak peak = bench::MeasureMatmulPeak(settings.matmul_size, settings.quick ? 2 : 5);
  std::cerr << "bench: matmul peak " << peak.gflops << " GFLOP/s\n";
  const bench::HfBenchResult hf = bench::RunHfBench(settings.hf_options, peak.gflops, /*progress=*/true);
  if (settings.json) {
    const nlohmann::json json = {{"quick", settings.quick},
                                 {"threads", settings.threads},
                                 {"hardware_threads", std::thread::hardware_concurrency()},
                                 {"matmul_gflops", peak.gflops},
                                 {"matmul_size", peak.size},
                                 {"hf", bench::HfBenchToJson(hf)}};
    std::cout << json.dump() << std::endl;
  } else {
    std::cout << "matmul peak: " << peak.gflops << " GFLOP/s (fp32, " << peak.size << "x" << peak.size << ")\n"
              << bench::FormatHfBench(hf);
  }
  return 0;
}

int RunBench(int argc, char** argv) {
  std::optional<BenchSettings> parsed = ParseBenchFlags(argc, argv);
  if (!parsed) return 0;
  BenchSettings& settings = *parsed;
  settings.threads = ConfigureTorchThreads(settings.threads);
  // Raw decode runs the way search uses the cores (one stream per worker) unless asked otherwise.
  settings.decode.streams = settings.intra_op_decode ? 1 : std::max(1, settings.threads);
  WarnIfReferenceBlas();
  if (settings.hf_only) return RunHfOnly(settings);
  if (settings.model_dir.empty()) settings.model_dir = RequireDefaultModelDir();
  const std::unique_ptr<Policy> policy = Policy::Load(settings.model_dir);
  if (policy->is_hf()) {
    throw UsageError("bench measures built-in checkpoints; " + settings.model_dir + " is a Hugging Face model");
  }
  const int longest_prompt = std::min(policy->context(), WideBenchConfig().context) - settings.decode.decode_tokens;
  if (settings.decode.prompt_tokens < 1 || settings.decode.prompt_tokens > longest_prompt) {
    throw UsageError("--prompt-tokens must be in 1.." + std::to_string(longest_prompt));
  }

  bench::BenchReport report;
  report.quick = settings.quick;
  report.problems = settings.problems;
  report.threads = settings.threads;
  report.hardware_threads = std::thread::hardware_concurrency();
  report.default_model.name = "default";
  report.default_model.source = settings.model_dir;
  report.default_model.config = policy->config();
  report.default_model.parameters = policy->num_parameters();

  const PolicyBackend backend(*policy);
  const std::vector<Problem> problems = DefaultEvalProblems(settings.problems, settings.problem_seed);
  const bench::ScratchDir scratch(settings.out_dir, "steptree-bench");  // where trees go (--run-dir keeps them)
  MeasureSearches(settings, backend, problems, scratch.path(), &report);
  if (settings.shards > 0) {
    bench::ShardBenchOptions shard;
    shard.model_dir = settings.model_dir;
    shard.problems = settings.problems;
    shard.problem_seed = settings.problem_seed;
    shard.mode = settings.speedup_mode;
    shard.shards = settings.shards;
    shard.scratch_dir = scratch.path();
    report.shards = bench::MeasureShards(shard);
  }
  MeasureModels(settings, *policy, settings.decode, &report);
  std::optional<bench::HfBenchResult> hf;
  if (settings.hf) hf = bench::RunHfBench(settings.hf_options, report.matmul.gflops, /*progress=*/true);
  if (!settings.out_dir.empty()) WriteResolvedConfig(ConfigPathInDir(settings.out_dir, "bench"), settings.resolved);

  if (settings.json) {
    nlohmann::json json = bench::ReportToJson(report);
    if (hf) json["hf"] = bench::HfBenchToJson(*hf);
    std::cout << json.dump() << std::endl;
  } else {
    std::cout << bench::FormatReport(report);
    if (hf) std::cout << bench::FormatHfBench(*hf);
  }
  return 0;
}

CommandRegistrar registrar({"bench", "measure decode, search and threads against the machine's matmul peak", RunBench});

}  // namespace
}  // namespace steptree::app

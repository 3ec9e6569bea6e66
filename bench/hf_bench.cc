// Decode, one MCTS expansion and MCTS / SBS searches on a random-weight Hugging Face model
// (bench/hf_bench.h).
#include "bench/hf_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>

#include "bench/matmul_peak.h"
#include "bench/scratch_dir.h"
#include "bench/search_bench.h"
#include "bench/timing.h"
#include "core/input_error.h"
#include "policy/engine/policy_backend.h"
#include "policy/model/causal_lm.h"
#include "policy/model/hf_synthetic.h"
#include "policy/model/kv_cache.h"
#include "policy/policy.h"
#include "search/runner.h"
#include "search/seeds.h"

namespace steptree::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The bench tokenizer's word tokens end a step once in this many ids (bench/hf_bench.h).
constexpr int kStepEndEvery = 16;


// A GSM8K-style question: its root state is about as long as a real one in ChatML.
constexpr const char* kQuestion =
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips to her friends in "
    "May. How many clips did Natalia sell altogether in April and May?";

// `steps` Decode calls for every row of `prefilled`, feeding `token`; seconds.
double DecodeRun(CausalLm& lm, const KvCache& prefilled, int steps, int64_t token) {
  KvCache cache = prefilled;  // shares storage; decode writes only slots >= P, rewritten by every run
  const torch::Tensor ids = torch::full({cache.rows()}, token, torch::kInt64);
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < steps; ++t) lm.Decode(ids, &cache);
  return SecondsSince(start);
}

// Passes every call through to `inner` and counts the forward passes the model really runs:
// the ExpandMany of a merged batch runs them once for all its trees, as many as the most any
// of its trees counts (each tree's Budget counts its calls as if alone, search/backend.h);
// an Expand, Rollout or Evaluate call runs its own. The member threads of a worker call it
// at once (Evaluate beside a merged batch), hence the atomic counter.
class BatchedCallCounter final : public ForwardingBackend {
 public:
  explicit BatchedCallCounter(const SearchBackend& inner) : ForwardingBackend(inner) {}

  std::vector<std::vector<StepCandidate>> Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                 const StepSampling& sampling, Budget* budget) const override {
    Budget work;
    std::vector<std::vector<StepCandidate>> out = inner_.Expand(tree, requests, sampling, &work);
    Count(work, budget);
    return out;
  }
  std::vector<std::vector<StepCandidate>> Rollout(TreeId tree, const std::vector<int>& state,
                                                  const std::vector<uint64_t>& seeds, const StepSampling& sampling,
                                                  int max_steps, Budget* budget) const override {
    Budget work;
    std::vector<std::vector<StepCandidate>> out = inner_.Rollout(tree, state, seeds, sampling, max_steps, &work);
    Count(work, budget);
    return out;
  }
  std::vector<float> Evaluate(TreeId tree, const std::vector<std::vector<int>>& states,
                              Budget* budget) const override {
    Budget work;
    std::vector<float> out = inner_.Evaluate(tree, states, &work);
    Count(work, budget);
    return out;
  }
  std::vector<std::vector<std::vector<StepCandidate>>> ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                  const StepSampling& sampling) const override {
    std::vector<Budget> work(jobs.size());
    std::vector<ExpandJob> counted = jobs;
    for (size_t j = 0; j < jobs.size(); ++j) counted[j].budget = &work[j];
    std::vector<std::vector<std::vector<StepCandidate>>> out = inner_.ExpandMany(counted, sampling);
    long passes = 0;
    for (size_t j = 0; j < jobs.size(); ++j) {
      passes = std::max(passes, work[j].forward_calls);
      if (jobs[j].budget != nullptr) *jobs[j].budget += work[j];
    }
    forward_calls_ += passes;
    return out;
  }

  long forward_calls() const { return forward_calls_.load(); }

 private:
  void Count(const Budget& work, Budget* budget) const {
    forward_calls_ += work.forward_calls;
    if (budget != nullptr) *budget += work;
  }

  mutable std::atomic<long> forward_calls_{0};
};

// The search `key` ("mcts", "sbs") over `problems`, as the header's "Searches" paragraph says.
HfSearchRun MeasureHfSearch(const PolicyBackend& backend, const std::vector<Problem>& problems,
                            const std::string& key, const HfBenchOptions& options) {
  BenchSearchMode mode = BenchSearchModeByKey(key, options.search_seed);
  SearchConfig& config = mode.config;
  config.max_step_tokens = options.max_step_tokens;
  HfSearchRun run;
  run.key = key;
  run.label = mode.label;
  run.problems = static_cast<int>(problems.size());
  if (config.mode == SearchMode::kMcts) {
    run.simulations = config.mcts.iterations;
    run.max_depth = config.mcts.max_depth;
  }
  if (config.mode == SearchMode::kSbs) {
    run.beam = config.sbs.b1;
    run.expand = config.sbs.b2;
    run.max_depth = config.sbs.max_depth;
  }
  run.trees_per_worker = options.trees_per_worker;
  run.max_step_tokens = config.max_step_tokens;
  const BatchedCallCounter counter(backend);
  RunOptions workers;
  workers.threads = 1;
  workers.trees_per_worker = options.trees_per_worker;
  const Clock::time_point start = Clock::now();
  RunSearch(problems, counter, config, workers,
            [&run](size_t, const Problem&, SearchResult& result) { run.budget += result.budget; });
  run.seconds = SecondsSince(start);
  run.batched_forward_calls = counter.forward_calls();
  return run;
}

void PrintSearchProgress(const std::string& dtype, const HfSearchRun& run) {
  std::fprintf(stderr,
               "bench: hf %s: %s search, %d problems, %d trees per worker: %.2f s, %ld tokens, %.2f tokens/s, "
               "prefill per generated %.2f, %.1f rows per call (%.1f per batched call)\n",
               dtype.c_str(), run.label.c_str(), run.problems, run.trees_per_worker, run.seconds,
               run.budget.generated_tokens, run.tokens_s(), run.prefill_per_generated(), run.generated_per_call(),
               run.generated_per_batched_call());
}

HfDtypeResult MeasureDtype(const std::string& dir, const std::string& dtype, const HfBenchOptions& options,
                           const HfBenchResult& shared, bool progress) {
  HfDtypeResult r;
  r.dtype = dtype;
  r.peak_gflops = dtype == "bf16" ? shared.bf16_peak_gflops : shared.fp32_peak_gflops;
  PolicyLoadOptions load;
  load.dtype = dtype == "bf16" ? "bf16" : "f32";
  Clock::time_point start = Clock::now();
  const std::unique_ptr<Policy> policy = Policy::Load(dir, load);
  r.load_seconds = SecondsSince(start);
  if (progress) std::fprintf(stderr, "bench: hf %s: loaded in %.1f s\n", dtype.c_str(), r.load_seconds);

  torch::NoGradGuard no_grad;
  CausalLm& lm = policy->lm();
  std::vector<int> prompt(options.prompt_tokens);
  for (int i = 0; i < options.prompt_tokens; ++i) prompt[i] = 32 + (i * 37) % 90;
  const int64_t token = 48;
  const int64_t capacity = options.prompt_tokens + options.decode_tokens;
  {  // warm-up: first-touch of the weights, oneDNN primitive creation
    KvCache cache;
    lm.Prefill({prompt}, capacity, &cache);
    DecodeRun(lm, cache, 1, token);
  }
  r.prefill_tokens_s = 0;
  for (int batch : options.batches) {
    KvCache prefilled;
    start = Clock::now();
    lm.Prefill({prompt}, capacity, &prefilled);
    r.prefill_tokens_s = std::max(r.prefill_tokens_s, options.prompt_tokens / SecondsSince(start));
    prefilled.SelectRows(torch::zeros({batch}, torch::kInt64));
    DecodeRun(lm, prefilled, std::min(2, options.decode_tokens), token);  // warm-up at this batch
    double best = DecodeRun(lm, prefilled, options.decode_tokens, token);
    const int runs = static_cast<int>(std::clamp<double>(
        std::max<double>(options.min_runs, std::ceil(options.min_seconds / best)), 1, options.max_runs));
    for (int k = 1; k < runs; ++k) best = std::min(best, DecodeRun(lm, prefilled, options.decode_tokens, token));
    HfDecodePoint p;
    p.batch = batch;
    p.runs = runs;
    p.tokens_s = static_cast<double>(batch) * options.decode_tokens / best;
    p.gflops = p.tokens_s * shared.flops_per_token / 1e9;
    p.peak_fraction = r.peak_gflops > 0 ? p.gflops / r.peak_gflops : 0.0;
    p.fp32_peak_fraction = shared.fp32_peak_gflops > 0 ? p.gflops / shared.fp32_peak_gflops : 0.0;
    p.ms_per_step = 1000.0 * best / options.decode_tokens;
    r.decode.push_back(p);
    if (progress) {
      std::fprintf(stderr, "bench: hf %s: batch %3d  %9.2f tokens/s  %7.2f GFLOP/s  %5.1f%% of %s peak  %.1f ms/step\n",
                   dtype.c_str(), batch, p.tokens_s, p.gflops, 100 * p.peak_fraction, dtype.c_str(), p.ms_per_step);
    }
  }

  // One MCTS expansion of the root, as SearchMcts asks for it.
  const PolicyBackend backend(*policy);
  ExpansionRequest request;
  request.state = backend.EncodeQuestion(kQuestion);
  for (int j = 0; j < options.mcts_candidates; ++j) request.seeds.push_back(SampleSeed(1, "hf-bench", "0", j));
  StepSampling sampling;
  sampling.temperature = static_cast<float>(options.temperature);
  sampling.max_step_tokens = options.max_step_tokens;
  Budget budget;
  start = Clock::now();
  const std::vector<std::vector<StepCandidate>> candidates = backend.Expand(kNoTree, {request}, sampling, &budget);
  r.mcts.seconds = SecondsSince(start);
  r.mcts.candidates = static_cast<int>(candidates.at(0).size());
  r.mcts.root_tokens = static_cast<int>(request.state.size());
  r.mcts.generated_tokens = budget.generated_tokens;
  r.mcts.prefill_tokens = budget.prefill_tokens;
  r.mcts.forward_calls = budget.forward_calls;
  r.mcts.tokens_s = r.mcts.seconds > 0 ? budget.generated_tokens / r.mcts.seconds : 0.0;
  if (progress) {
    std::fprintf(stderr, "bench: hf %s: MCTS expansion (B2 = %d, root %d tokens): %.2f s, %ld tokens, %.2f tokens/s\n",
                 dtype.c_str(), r.mcts.candidates, r.mcts.root_tokens, r.mcts.seconds, r.mcts.generated_tokens,
                 r.mcts.tokens_s);
  }

  if (options.search_problems > 0) {
    SyntheticOptions synthetic;
    synthetic.seed = options.problem_seed;
    synthetic.split = ProblemSplit::kHeldOut;
    const std::vector<Problem> problems = MakeSyntheticProblems(synthetic, options.search_problems);
    r.mcts_search = MeasureHfSearch(backend, problems, "mcts", options);
    if (progress) PrintSearchProgress(dtype, r.mcts_search);
    r.sbs_search = MeasureHfSearch(backend, problems, "sbs", options);
    if (progress) PrintSearchProgress(dtype, r.sbs_search);
  }
  return r;
}

json SearchRunToJson(const HfSearchRun& run) {
  json out = {{"label", run.label}, {"problems", run.problems}};
  if (run.simulations > 0) out["simulations"] = run.simulations;
  if (run.beam > 0) out.update({{"beam", run.beam}, {"expand", run.expand}});
  out.update({{"trees_per_worker", run.trees_per_worker},
              {"max_depth", run.max_depth},
              {"max_step_tokens", run.max_step_tokens},
              {"seconds", run.seconds},
              {"generated_tokens", run.budget.generated_tokens},
              {"prefill_tokens", run.budget.prefill_tokens},
              {"cached_tokens", run.budget.cached_tokens},
              {"forward_calls", run.budget.forward_calls},
              {"batched_forward_calls", run.batched_forward_calls},
              {"nodes", run.budget.nodes},
              {"prefill_per_generated", run.prefill_per_generated()},
              {"generated_per_call", run.generated_per_call()},
              {"generated_per_batched_call", run.generated_per_batched_call()},
              {"tokens_s", run.tokens_s()}});
  return out;
}

}  // namespace

double HfSearchRun::prefill_per_generated() const {
  return PrefillPerGenerated(budget.prefill_tokens, budget.generated_tokens);
}
double HfSearchRun::generated_per_call() const {
  return budget.forward_calls > 0 ? static_cast<double>(budget.generated_tokens) / budget.forward_calls : 0.0;
}
double HfSearchRun::generated_per_batched_call() const {
  return batched_forward_calls > 0 ? static_cast<double>(budget.generated_tokens) / batched_forward_calls : 0.0;
}
double HfSearchRun::tokens_s() const { return Rate(static_cast<double>(budget.generated_tokens), seconds); }

namespace {

// Qwen2.5-0.5B's config without the sliding-window fields (every layer full attention): the
// base of the smaller shapes.
json FullAttentionQwen() {
  json c = HfBenchShapes("qwen2.5-0.5b");
  for (const char* key : {"max_window_layers", "sliding_window", "use_sliding_window"}) c.erase(key);
  return c;
}

}  // namespace

json HfBenchShapes(const std::string& name) {
  if (name == "qwen2.5-0.5b") {
    // Qwen/Qwen2.5-0.5B's config.json (the fields steptree reads).
    return {{"architectures", {"Qwen2ForCausalLM"}},
            {"model_type", "qwen2"},
            {"vocab_size", 151936},
            {"hidden_size", 896},
            {"intermediate_size", 4864},
            {"num_hidden_layers", 24},
            {"num_attention_heads", 14},
            {"num_key_value_heads", 2},
            {"max_position_embeddings", 32768},
            {"max_window_layers", 24},
            {"sliding_window", 32768},
            {"use_sliding_window", false},
            {"rms_norm_eps", 1e-6},
            {"rope_theta", 1000000.0},
            {"rope_scaling", nullptr},
            {"hidden_act", "silu"},
            {"tie_word_embeddings", true},
            {"torch_dtype", "bfloat16"},
            {"bos_token_id", 151643},
            {"eos_token_id", 151643}};
  }
  if (name == "qwen2-100m") {
    // Qwen2.5-0.5B narrowed to 8 layers of width 512 with Qwen3's vocabulary (151936, as
    // Qwen2.5's) and a 4096-token context: 118M parameters, 78M of them the tied embedding.
    json c = FullAttentionQwen();
    c.update({{"vocab_size", 151936},
              {"hidden_size", 512},
              {"intermediate_size", 2816},
              {"num_hidden_layers", 8},
              {"num_attention_heads", 8},
              {"num_key_value_heads", 2},
              {"max_position_embeddings", 4096}});
    return c;
  }
  if (name == "tiny") {
    // The same architecture at test sizes (no sliding-window fields: all layers full).
    json c = FullAttentionQwen();
    c.update({{"vocab_size", 512},
              {"hidden_size", 64},
              {"intermediate_size", 160},
              {"num_hidden_layers", 2},
              {"num_attention_heads", 4},
              {"max_position_embeddings", 1024},
              {"bos_token_id", 260},
              {"eos_token_id", 260}});
    return c;
  }
  throw UsageError("--hf-shapes expects qwen2.5-0.5b, qwen2-100m or tiny, got \"" + name + "\"");
}

int64_t HfMatmulParameters(const HfModelConfig& c) {
  const int64_t d = c.hidden_size, q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  return c.num_hidden_layers * (d * q + 2 * d * kv + q * d + 3 * d * c.intermediate_size) + c.vocab_size * d;
}

double HfDecodeFlopsPerToken(const HfModelConfig& c, double attended_keys) {
  return 2.0 * static_cast<double>(HfMatmulParameters(c)) +
         4.0 * static_cast<double>(c.num_hidden_layers * c.num_attention_heads * c.head_dim) * attended_keys;
}

HfBenchResult RunHfBench(const HfBenchOptions& options, double fp32_peak_gflops, bool progress) {
  if (options.prompt_tokens < 1 || options.decode_tokens < 1 || options.min_runs < 1 ||
      options.max_runs < options.min_runs || options.batches.empty() || options.mcts_candidates < 1 ||
      options.search_problems < 0 || options.trees_per_worker < 1) {
    throw std::invalid_argument(
        "RunHfBench: prompt/decode tokens, runs, batches, candidates and trees per worker must be >= 1, search "
        "problems >= 0");
  }
  for (int b : options.batches) {
    if (b < 1) throw UsageError("--hf-batches must be >= 1");
  }
  for (const std::string& d : options.dtypes) {
    if (d != "fp32" && d != "bf16") throw UsageError("--hf-dtypes expects fp32 and/or bf16, got \"" + d + "\"");
  }
  HfBenchResult result;
  result.shapes = options.shapes;
  result.config = HfBenchShapes(options.shapes);
  const HfModelConfig config = HfModelConfig::FromJson(result.config, "config.json");
  if (options.prompt_tokens + options.decode_tokens > config.context) {
    throw UsageError("--hf prompt + decode tokens exceed the model's context");
  }
  for (const auto& [name, shape] : HfParameterShapes(config)) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    result.parameters += n;
  }
  result.matmul_parameters = HfMatmulParameters(config);
  result.threads = torch::get_num_threads();
  result.prompt_tokens = options.prompt_tokens;
  result.decode_tokens = options.decode_tokens;
  result.mean_attended_keys = options.prompt_tokens + (options.decode_tokens + 1) / 2.0;
  result.flops_per_token = HfDecodeFlopsPerToken(config, result.mean_attended_keys);
  result.fp32_peak_gflops = fp32_peak_gflops;
  if (std::find(options.dtypes.begin(), options.dtypes.end(), "bf16") != options.dtypes.end()) {
    result.bf16_peak_gflops = MeasureMatmulPeak(options.matmul_size, options.matmul_reps, MatmulDType::kBF16).gflops;
    if (progress) std::fprintf(stderr, "bench: hf: bf16 matmul peak %.1f GFLOP/s\n", result.bf16_peak_gflops);
  }

  const ScratchDir dir(options.keep_dir, "steptree-hf-bench");  // the model directory (--hf-keep keeps it)
  if (progress) {
    std::fprintf(stderr, "bench: hf: writing a random %s model (%.0fM parameters, BF16) to %s\n",
                 options.shapes.c_str(), result.parameters / 1e6, dir.path().c_str());
  }
  const Clock::time_point start = Clock::now();
  {
    HfRandomWeightOptions weights;
    weights.seed = 1;
    weights.bf16 = true;
    weights.matrix_std = weights.embedding_std = weights.norm_std = weights.bias_std = 0.02;
    WriteHfCheckpoint(dir.path(), result.config, nullptr, HfRandomWeights(config, weights));
    WriteHfByteTokenizer(dir.path(), "qwen", static_cast<int>(config.vocab_size), kStepEndEvery);
  }
  result.write_seconds = SecondsSince(start);
  result.weight_bytes = static_cast<int64_t>(fs::file_size(fs::path(dir.path()) / "model.safetensors"));
  for (const std::string& dtype : options.dtypes) {
    result.dtypes.push_back(MeasureDtype(dir.path(), dtype, options, result, progress));
  }
  return result;
}

json HfBenchToJson(const HfBenchResult& r) {
  json out = {{"shapes", r.shapes},
              {"config", r.config},
              {"parameters", r.parameters},
              {"matmul_parameters", r.matmul_parameters},
              {"weight_bytes", r.weight_bytes},
              {"threads", r.threads},
              {"prompt_tokens", r.prompt_tokens},
              {"decode_tokens", r.decode_tokens},
              {"mean_attended_keys", r.mean_attended_keys},
              {"flops_per_token", r.flops_per_token},
              {"fp32_peak_gflops", r.fp32_peak_gflops},
              {"bf16_peak_gflops", r.bf16_peak_gflops},
              {"write_seconds", r.write_seconds}};
  for (const HfDtypeResult& d : r.dtypes) {
    json decode = json::object();
    for (const HfDecodePoint& p : d.decode) {
      decode[std::to_string(p.batch)] = {{"tokens_s", p.tokens_s},
                                         {"gflops", p.gflops},
                                         {"peak_fraction", p.peak_fraction},
                                         {"fp32_peak_fraction", p.fp32_peak_fraction},
                                         {"ms_per_step", p.ms_per_step},
                                         {"runs", p.runs}};
    }
    out[d.dtype] = {{"peak_gflops", d.peak_gflops},
                    {"load_seconds", d.load_seconds},
                    {"decode", decode},
                    {"prefill_tokens_s", d.prefill_tokens_s},
                    {"mcts_step",
                     {{"candidates", d.mcts.candidates},
                      {"root_tokens", d.mcts.root_tokens},
                      {"seconds", d.mcts.seconds},
                      {"generated_tokens", d.mcts.generated_tokens},
                      {"prefill_tokens", d.mcts.prefill_tokens},
                      {"forward_calls", d.mcts.forward_calls},
                      {"tokens_s", d.mcts.tokens_s}}}};
    for (const HfSearchRun* run : {&d.mcts_search, &d.sbs_search}) {
      if (run->problems > 0) out[d.dtype][run->key + "_search"] = SearchRunToJson(*run);
    }
  }
  return out;
}

std::string FormatHfBench(const HfBenchResult& r) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line,
                "\nHugging Face model, %s shapes, random weights (%.1fM parameters, %.0f MB BF16 file), %d torch "
                "thread%s\n",
                r.shapes.c_str(), r.parameters / 1e6, r.weight_bytes / 1e6, r.threads, r.threads == 1 ? "" : "s");
  out << line;
  std::snprintf(line, sizeof line,
                "raw decode: P = %d cached tokens, D = %d per run, %.2f GFLOP per token; peaks fp32 %.1f, bf16 "
                "%.1f GFLOP/s\n",
                r.prompt_tokens, r.decode_tokens, r.flops_per_token / 1e9, r.fp32_peak_gflops, r.bf16_peak_gflops);
  out << line;
  out << "dtype  batch   tokens/s   GFLOP/s  of peak  ms/step\n";
  for (const HfDtypeResult& d : r.dtypes) {
    for (const HfDecodePoint& p : d.decode) {
      std::snprintf(line, sizeof line, "%-5s  %5d  %9.2f  %8.2f  %6.1f%%  %7.1f\n", d.dtype.c_str(), p.batch,
                    p.tokens_s, p.gflops, 100 * p.peak_fraction, p.ms_per_step);
      out << line;
    }
  }
  for (const HfDtypeResult& d : r.dtypes) {
    std::snprintf(line, sizeof line,
                  "%s MCTS expansion (B2 = %d, T = 0.6, root %d tokens): %.2f s, %ld tokens, %.2f tokens/s; load "
                  "%.1f s, prefill %.0f tokens/s\n",
                  d.dtype.c_str(), d.mcts.candidates, d.mcts.root_tokens, d.mcts.seconds, d.mcts.generated_tokens,
                  d.mcts.tokens_s, d.load_seconds, d.prefill_tokens_s);
    out << line;
    for (const HfSearchRun* run : {&d.mcts_search, &d.sbs_search}) {
      if (run->problems == 0) continue;
      std::snprintf(line, sizeof line,
                    "%s %s search (%d problems, %d trees per worker, depth <= %d): %.2f s, %ld tokens, %.2f tokens/s; "
                    "prefill per generated %.2f, %.1f rows per call, %.1f per batched call\n",
                    d.dtype.c_str(), run->label.c_str(), run->problems, run->trees_per_worker, run->max_depth,
                    run->seconds, run->budget.generated_tokens, run->tokens_s(), run->prefill_per_generated(),
                    run->generated_per_call(), run->generated_per_batched_call());
      out << line;
    }
  }
  return out.str();
}

}  // namespace steptree::bench

// `steptree bench --hf-shapes NAME`: decode speed of a Hugging Face model with a real
// model's shapes and random weights, computed in fp32 and in bf16, against the matching
// matmul peak, one MCTS expansion on it (issue 7), and whole MCTS(40) and SBS(3,5) searches
// over a few problems. Only the shapes matter to speed.
//
// Set-up: a temporary model directory is written with policy/model/hf_synthetic.h (config.json
// of the named shapes, BF16 weights N(0, 0.02) as the real checkpoint stores them, a tiny
// byte-level tokenizer in Qwen's layout, its vocabulary filled with word tokens: see
// "Steps that end" below), loaded once per compute dtype as a policy
// (Policy::Load with --dtype f32 / bf16) and removed at the end.
//
// Shapes: "qwen2.5-0.5b" is Qwen2.5-0.5B's config (Qwen2ForCausalLM, hidden 896, 24 layers,
// 14 heads over 2 KV heads, head_dim 64, intermediate 4864, vocab 151936, tied embeddings,
// rope_theta 1e6, q/k/v biases: 494M parameters); "qwen2-100m" is the same architecture at
// hidden 512, 8 layers, 8 heads over 2 KV heads (head_dim 64), intermediate 2816, Qwen3's
// vocab 151936, context 4096, no sliding-window keys: 118M parameters, 78M of them the tied
// embedding (40M in the layers), a small model with a real vocabulary; "tiny" (hidden 64,
// 2 layers, vocab 512, context 1024) is for tests.
//
// Raw decode, per dtype and batch size B (as bench/raw_decode.h, one stream on the calling
// thread's intra-op threads): one row of P prompt tokens is prefilled, its cache row
// copied to B rows, then runs of D Decode calls (B rows each, a fixed token) are timed
// from that cache; an untimed warm-up of two calls first, the fastest run counts.
//
// FLOPs of one decoded token (matrix products only; RMSNorm, RoPE, SiLU, the gate product,
// softmax and bias adds are left out, under 1% at these widths):
//
//   F(L) = 2 W + 4 n_layer H d_h L
//   W    = n_layer (D H d_h + 2 D KV d_h + H d_h D + 3 D I) + V D
//
// W counts the weights that multiply the token's activation: per layer q_proj (D x H d_h),
// k_proj and v_proj (D x KV d_h each: grouped-query attention shrinks them, not the
// attention), o_proj (H d_h x D) and the SwiGLU MLP's gate, up and down (D x I each); then
// the LM head (V x D, the embedding when tied). Attention: each of the H query heads does
// q.k over L keys and the probability-weighted sum of L values, d_h multiply-adds each per
// layer (its KV head is shared, its FLOPs are not). Decoding positions P .. P+D-1 attends
// mean L = P + (D + 1) / 2 keys, and
//
//   tokens/s = B D / run seconds;  GFLOP/s = tokens/s * F(mean L) / 1e9;
//   peak fraction = GFLOP/s / peak, where peak is the fp32 GEMM (bench/matmul_peak.h) for
//   fp32 and the bf16 GEMM for bf16 (bf16 also reports its fraction of the fp32 peak).
//
// MCTS step: what `steptree search --mode mcts` does per expansion, once: the root state of
// a question (the model's prompt format) expanded into B2 = 5 candidate steps at
// temperature 0.6 by one PolicyBackend::Expand call (prefill, then batched sampling until
// each step ends or reaches 96 tokens; with the bench's tokenizer a step ends about once in
// 16 tokens, see "Steps that end"). Seconds, tokens generated, tokens/s = generated /
// seconds (prefill included in the time).
//
// Searches: MCTS(40) and SBS(3,5) (bench/search_bench.h's modes: `steptree search --mode
// mcts` / `--mode sbs` defaults, max_depth 8 / 10, gold terminal rewards, seed --seed) over
// the same N problems (--hf-problems, default 4; 2 with --quick; 0 skips the searches):
// held-out synthetic arithmetic problems of --problem-seed, as `steptree search --problems`
// makes them. Each search runs through RunSearch (search/runner.h) on one worker (one torch
// thread) searching G trees at once (--hf-trees-per-worker, default 4: their expansions
// merged into one model batch, search/expand_combiner.h), over a PolicyBackend with its
// default prefix KV cache budget (256 MiB per tree; a model that is not row-invariant gets
// no cache: cached_tokens 0).
//
// Steps that end: random weights give near-uniform next-token distributions, and over a
// real vocabulary almost every id would lie beyond a byte-level tokenizer and decode to
// nothing, so no step would ever end (a candidate that runs to max_step_tokens is cut, a
// terminal with reward -1: search/terminal.h) and every tree would be its root's expansion.
// So the bench's tokenizer fills the whole vocabulary with word tokens " w<id>", every 16th
// of them followed by the delimiter "\n\n" (policy/model/hf_synthetic.h): a step ends about
// once in 16 sampled tokens, a solution never ends with an answer, and the trees grow to
// the modes' max depth as a real model's would, with each expansion's prompt the state it
// extends. A problem costs at most 40 x 5 x 96 (MCTS) or 10 x 15 x 96 (SBS) generated
// tokens, and a state at most the context (a longer one is terminal).
//
//   generated, prefill, cached, forward calls, nodes = the Budgets of every tree, summed
//   seconds                = wall time of the RunSearch call
//   tokens/s               = generated / seconds
//   prefill per generated  = (prefill + generated) / generated  (bench/search_bench.h)
//   generated per call     = generated / forward calls
//   generated per batched call = generated / batched forward calls
//
// A tree's Budget counts its calls as if run alone (SearchBackend::ExpandMany), so forward
// calls is the sum over trees and generated per call the mean rows of one tree's decode
// pass; batched forward calls counts the passes the model really ran (per merged batch the
// most any of its trees counted, plus the root evaluations), and generated per batched call
// is the mean decode batch with G trees merged (up to G times the former: fewer while
// some of the G trees wait for a problem or have finished).
//
// No torch in this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/step.h"
#include "datasets/synthetic.h"
#include "policy/model/format/hf_config.h"

namespace steptree::bench {

// config.json of the named shapes ("qwen2.5-0.5b", "qwen2-100m", "tiny"); UsageError for
// another name.
nlohmann::json HfBenchShapes(const std::string& name);

// W above: parameters that enter a matrix product per decoded token.
int64_t HfMatmulParameters(const HfModelConfig& config);
// F(L) above.
double HfDecodeFlopsPerToken(const HfModelConfig& config, double attended_keys);

struct HfBenchOptions {
  std::string shapes = "qwen2.5-0.5b";
  std::vector<std::string> dtypes = {"fp32", "bf16"};
  std::vector<int> batches = {1, 8, 32, 64};
  int prompt_tokens = 150;   // P
  int decode_tokens = 8;     // D per timed run
  int min_runs = 1;          // timed runs at least ...
  double min_seconds = 2.0;  // ... and at least this much timed wall time
  int max_runs = 3;          // at most
  int matmul_size = 2048;    // n of the bf16 peak GEMM
  int matmul_reps = 5;
  int mcts_candidates = 5;   // B2
  double temperature = 0.6;
  int max_step_tokens = 96;
  int search_problems = 4;   // N of the searches (0: no searches)
  int trees_per_worker = 4;  // G
  uint64_t problem_seed = kDefaultProblemSeed;
  uint64_t search_seed = 1;
  std::string keep_dir;      // non-empty: write the model there and keep it
};

struct HfDecodePoint {
  int batch = 0;
  double tokens_s = 0;
  double gflops = 0;
  double peak_fraction = 0;       // of the dtype's own peak
  double fp32_peak_fraction = 0;  // of the fp32 GEMM peak
  double ms_per_step = 0;         // one Decode call of B rows
  int runs = 0;
};

struct HfMctsStep {
  int candidates = 0;
  int root_tokens = 0;
  double seconds = 0;
  long generated_tokens = 0;
  long prefill_tokens = 0;
  long forward_calls = 0;
  double tokens_s = 0;
};

// One search mode over the N problems (the "Searches" paragraph above).
struct HfSearchRun {
  std::string key;    // "mcts" | "sbs" (the JSON key gets "_search" appended)
  std::string label;  // "MCTS(40)" | "SBS(3,5)"
  int problems = 0;
  int simulations = 0;  // MCTS: iterations (0 for SBS)
  int beam = 0, expand = 0;  // SBS: b1, b2 (0 for MCTS)
  int trees_per_worker = 0;
  int max_depth = 0;        // the mode's (8, 10)
  int max_step_tokens = 0;
  double seconds = 0;
  Budget budget;  // every tree's, summed (budget.nodes: tree nodes)
  long batched_forward_calls = 0;

  double prefill_per_generated() const;
  double generated_per_call() const;
  double generated_per_batched_call() const;
  double tokens_s() const;
};

struct HfDtypeResult {
  std::string dtype;          // "fp32" | "bf16"
  double peak_gflops = 0;     // the peak its fractions divide by
  double load_seconds = 0;    // Policy::Load of the directory
  std::vector<HfDecodePoint> decode;
  double prefill_tokens_s = 0;  // the P-token prefill of one row (timed once, after warm-up)
  HfMctsStep mcts;
  HfSearchRun mcts_search, sbs_search;
};

struct HfBenchResult {
  std::string shapes;
  nlohmann::json config;       // config.json as written
  int64_t parameters = 0;      // every parameter (embedding once when tied)
  int64_t matmul_parameters = 0;
  int64_t weight_bytes = 0;    // size of the model.safetensors written (BF16)
  int threads = 0;             // torch intra-op threads
  int prompt_tokens = 0, decode_tokens = 0;
  double mean_attended_keys = 0;
  double flops_per_token = 0;  // F(mean L)
  double fp32_peak_gflops = 0;
  double bf16_peak_gflops = 0;
  double write_seconds = 0;    // random weights drawn and written
  std::vector<HfDtypeResult> dtypes;
};

// Runs the whole section on the torch intra-op threads in effect. `fp32_peak_gflops` is
// the bench's fp32 matmul peak; the bf16 peak is measured here. `progress`: one line per
// measurement on stderr.
HfBenchResult RunHfBench(const HfBenchOptions& options, double fp32_peak_gflops, bool progress);

// {"shapes", "config", "parameters", ..., "fp32": {"peak_gflops", "load_seconds",
//  "decode": {"1": {"tokens_s", "gflops", "peak_fraction", "fp32_peak_fraction",
//  "ms_per_step", "runs"}, ...}, "prefill_tokens_s", "mcts_step": {"candidates",
//  "root_tokens", "seconds", "generated_tokens", "prefill_tokens", "forward_calls",
//  "tokens_s"}, "mcts_search": {"label", "problems", "simulations", "trees_per_worker",
//  "max_depth", "max_step_tokens", "seconds", "generated_tokens", "prefill_tokens",
//  "cached_tokens", "forward_calls", "batched_forward_calls", "nodes",
//  "prefill_per_generated", "generated_per_call", "generated_per_batched_call",
//  "tokens_s"}, "sbs_search": {the same with "beam" and "expand" for "simulations"}},
//  "bf16": {...}}
nlohmann::json HfBenchToJson(const HfBenchResult& result);
// A text table for `steptree bench` without --json.
std::string FormatHfBench(const HfBenchResult& result);

}  // namespace steptree::bench

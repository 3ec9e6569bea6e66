// Raw batched decode: how fast the model alone turns a batch of cached rows into next
// tokens, on the path search uses (CausalLm::Decode over a KvCache, as StepGenerator calls
// it; policy/model/gpt.h), and how close that comes to the machine's matmul peak.
//
// Procedure, per batch size B: one row of P prompt tokens is prefilled and its cache row
// copied to B rows (as StepGenerator does for identical prefixes), so prefill cost does not
// grow with B. Then decode runs of D tokens are timed: each run starts from that same cache
// (a copy sharing its storage: decode writes only slots >= P, which every run rewrites before
// reading), one Decode call per token for all B rows, feeding a fixed token. One untimed
// warm-up run first; its time sets the number of timed runs (enough for min_seconds, at
// least min_runs, at most max_runs). Sampling and the value head are not included (that is
// what "raw" means; search adds them).
//
// Threading: with streams == 1 the runs go on the calling thread with its torch intra-op
// threads, and the fastest run counts. With streams = S > 1, S independent decoders run at
// once, each on its own thread with one torch thread and its own cache (the threading model
// of the search workers, search/runner.h); they start together after their warm-ups, and
// the time of a run is the wall time from that start to the last finish divided by the
// runs (a mean, not a best); tokens/s counts the tokens of all S streams.
//
// FLOPs of one decoded token (only matrix products; embeddings, LayerNorm, GELU, softmax,
// RoPE and bias adds are left out, as they are a few percent at these widths):
//
//   F(L) = 2 * W  +  4 * n_layer * d_model * L
//   W    = n_layer * (4 d_model^2 + 2 d_model d_ff)  +  V d_model
//
// W counts the weights that multiply the token's activation: per layer the fused qkv
// projection (3 d^2), the attention output projection (d^2), the MLP (2 d d_ff); then the
// output head (V d, tied or not). The attention term is q.k over L keys plus the
// probability-weighted sum of L values, d_model multiply-adds each per layer. A token at
// position p attends L = p + 1 keys, so a run decoding positions P .. P+D-1 has mean
// L = P + (D + 1) / 2, and
//
//   tokens/s = S B D / (seconds of the run);  GFLOP/s = tokens/s * F(mean L) / 1e9;
//   peak fraction = GFLOP/s / matmul peak GFLOP/s (bench/matmul_peak.h).
//
// Raw prefill, for comparison (search prefills about three tokens per token it generates):
// `prefill_rows` distinct prompts of P tokens run through CausalLm::Prefill in one call,
// timed the same way (warm-up, then the fastest of the runs);
//
//   prefill tokens/s = S rows P / seconds;  GFLOP/s = tokens/s * F((P + 1) / 2) / 1e9
//
// (the prompt's token at position p attends p + 1 keys: mean (P + 1) / 2).
//
// No torch in this header.
#pragma once

#include <cstdint>
#include <vector>

#include "policy/model/format/gpt_config.h"

namespace steptree {
class Policy;
}

namespace steptree::bench {

// W above: parameters that enter a matrix product per decoded token.
int64_t MatmulParameters(const GptConfig& config);
// F(L) above.
double DecodeFlopsPerToken(const GptConfig& config, double attended_keys);

struct RawDecodeOptions {
  std::vector<int> batches = {1, 8, 32, 64, 128};
  int prompt_tokens = 96;   // P: cached tokens before the timed run
  int decode_tokens = 32;   // D: tokens decoded per timed run
  int min_runs = 2;         // timed runs at least ...
  double min_seconds = 1.0; // ... and at least this much timed wall time
  int max_runs = 20;        // at most
  int prefill_rows = 16;    // rows of the raw prefill measurement
  int streams = 1;          // S: concurrent decoders of one torch thread each (1: the caller's threads)
};

struct RawDecodePoint {
  int batch = 0;
  double tokens_s = 0;         // S B D / run seconds
  double gflops = 0;           // tokens_s * F(mean L) / 1e9
  double peak_fraction = 0;    // gflops / peak
  double ms_per_step = 0;      // run seconds / D, in ms: one Decode call of B rows (on every stream)
  int runs = 0;                // timed runs
};

struct RawDecodeResult {
  int streams = 1;                // S
  double mean_attended_keys = 0;  // mean L
  double flops_per_token = 0;     // F(mean L)
  std::vector<RawDecodePoint> points;  // in options.batches order
  int prefill_rows = 0;           // rows of the raw prefill (0: not measured)
  double prefill_tokens_s = 0;    // raw prefill: S rows P / run seconds
  double prefill_gflops = 0;      // prefill_tokens_s * F((P + 1) / 2) / 1e9
};

// Runs on the built-in GPT of `policy` (std::logic_error for a Hugging Face policy) with the
// torch intra-op threads in effect. prompt_tokens + decode_tokens must fit in the context.
// `peak_gflops` > 0 divides the achieved GFLOP/s. `progress_label` non-empty: one line per
// batch size on stderr.
RawDecodeResult MeasureRawDecode(const Policy& policy, const RawDecodeOptions& options, double peak_gflops,
                                 const char* progress_label);

}  // namespace steptree::bench

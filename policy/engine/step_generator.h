// Batched step generation with a KV cache: the policy's side of the search backend.
//
// A batch of token prefixes of different lengths each generates one reasoning step: tokens
// are decoded until the step delimiter (Tokenizer::EndsStep), EOS (Tokenizer::EndsSolution:
// a Hugging Face model may have several stop ids), the per-step token limit or the model's
// context. Prefixes are prefilled once (identical prefixes in one call only
// once); each decode step runs one token per unfinished row through the cached keys and
// values, and finished rows are compacted out of the batch. No torch in this header.
//
// Tool calls (on when Policy::calculator(); datasets/calculator.h): when a sampled token
// completes an open call "<<EXPR=" in the step's text (the trigger is found in token text,
// not ids, so any tokenizer works), the calculator evaluates EXPR exactly and its reply
// "RESULT>>" is encoded and fed to the model token by token through the KV cache (no
// recompute of the prefix); then sampling goes on. Tool-written tokens are part of the
// step's ids and text but are never sampled: they add nothing to logprob_sum and count in
// StepCandidate::tool_tokens and Budget::tool_tokens, not generated_tokens. A
// sampled token that runs past the "=" (a BPE token "=5") is dropped and the tool writes
// its text up to the "=" instead. An expression that cannot be evaluated gets "error>>".
// Exactly one reply per trigger: a reply never contains "<<", so it cannot trigger again.
//
// Reproducibility: row i samples from its own generator seeded with seeds[i], so a row's
// step does not depend on which other rows share its batch or on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/step.h"

namespace steptree {

class Policy;         // policy/policy.h
class PrefixKvCache;  // policy/engine/prefix_cache.h

// One caller's rows in a shared batch (StepGenerator::GenerateJobs).
struct GenerationJob {
  const std::vector<std::vector<int>>* prefixes = nullptr;
  const std::vector<uint64_t>* seeds = nullptr;  // one per prefix
  Budget* stats = nullptr;                       // may be null
  PrefixKvCache* prefix_cache = nullptr;         // may be null
};

class StepGenerator {
 public:
  explicit StepGenerator(const Policy& policy);
  ~StepGenerator();

  // prefixes[i] must be non-empty and shorter than the context; seeds.size() ==
  // prefixes.size(). Returns one step per prefix, in order.
  //
  // With a prefix cache (and a row-invariant model, policy/model/causal_lm.h), each distinct
  // prefix prefills only the tokens the cache does not hold, and every row whose step ends
  // with the delimiter leaves its new state's keys and values there (all its tokens but the
  // delimiter, which is sampled, not fed), ready for when that state is expanded. The steps
  // are bit-identical with or without the cache; only stats->prefill_tokens (tokens
  // computed) and stats->cached_tokens change.
  std::vector<StepCandidate> GenerateSteps(const std::vector<std::vector<int>>& prefixes,
                                           const StepSampling& sampling,
                                           const std::vector<uint64_t>& seeds,
                                           Budget* stats = nullptr,
                                           PrefixKvCache* prefix_cache = nullptr) const;

  // Several callers' rows in one batch (cross-tree batching), each decoded as
  // GenerateSolutions decodes (below). Job j's steps, stats and use
  // of its prefix cache are exactly those of GenerateSolutions with job j alone (same bits,
  // same counts: a job's forward calls are its longest row's tokens, as alone). Identical
  // prefixes are shared within a job, never across jobs. Returns job j's rows in order.
  std::vector<std::vector<std::vector<StepCandidate>>> GenerateJobs(const std::vector<GenerationJob>& jobs,
                                                                   const StepSampling& sampling,
                                                                   int max_steps) const;

  // Whole solutions in one pass: each row keeps its KV cache across steps and decodes until
  // EOS, a step cut at max_step_tokens (kCut), the context (kContext), or `max_steps`
  // (>= 1) steps ending with the delimiter. Returns each row's steps in order; the last
  // step's `end` says why the row stopped (kFinal: a complete solution; kStep: the step
  // cap, or a delimiter that filled the context). Row i samples every token from one
  // generator seeded with seeds[i]; with max_steps == 1 this is GenerateSteps.
  // A prefix cache only serves the prefill here (solutions are not expanded again).
  std::vector<std::vector<StepCandidate>> GenerateSolutions(
      const std::vector<std::vector<int>>& prefixes, const StepSampling& sampling,
      const std::vector<uint64_t>& seeds, int max_steps, Budget* stats = nullptr,
      PrefixKvCache* prefix_cache = nullptr) const;

 private:
  const Policy& policy_;
};

}  // namespace steptree

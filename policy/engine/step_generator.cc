// Batched step/solution decoding over the KV cache (policy/engine/step_generator.h).
//
// One prefill of the distinct prefixes (identical prefixes, e.g. K samples from one search
// node, are run once and their cache rows copied, which the KV cache records as shared for
// decode attention; with the built-in model a copy borrows the prefix from its leader
// instead of holding it), then one Decode call per generated token position for all
// unfinished rows. With a prefix cache the prefill runs only the tokens the cache does not
// hold (the built-in model reads the cached ones in place: PrefixKvCache::Lend), and each
// step that ends with the delimiter leaves its new state's keys and values there. Finished
// rows are compacted out of the cache once they make up a quarter of it; until then they
// are fed PAD and their outputs ignored. Each row's tokens depend only on its prefix and
// its own generator (policy/engine/sampling.h).
#include "policy/engine/step_generator.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "policy/model/causal_lm.h"
#include "policy/policy.h"
#include "policy/engine/prefix_cache.h"
#include "policy/text/prompt.h"
#include "policy/engine/sampling.h"
#include "policy/engine/tool_reply.h"
#include "value/value_head.h"

namespace steptree {
namespace {

// Rows of logits sampled per parallel task (sampling a 259-way row takes a few µs).
constexpr int64_t kSampleGrain = 16;

struct RowState {
  explicit RowState(uint64_t seed) : rng(seed) {}
  Rng rng;
  int length = 0;  // tokens in the row's sequence (prefix + generated)
  std::vector<StepCandidate> steps;
  StepCandidate current;
  std::deque<int> forced;  // the calculator's reply, fed before the next sampled token
  bool done = false;
};

// After a sampled token: when the step's text now completes an open "<<EXPR=" call, queues
// the calculator's reply in row->forced (policy/engine/tool_reply.h). A sampled token that
// runs past the "=" is taken back (its log-probability too). Returns true when that
// happened (the caller must then feed a forced token in its place).
bool QueueToolReply(const Tokenizer& tokenizer, const SampledToken& sampled, RowState* row) {
  const std::optional<ToolReply> reply = ToolReplyAfter(tokenizer, row->current.token_ids);
  if (!reply) return false;
  if (reply->take_back) {
    row->current.token_ids.pop_back();
    row->current.logprob_sum -= sampled.logprob;
    --row->length;
  }
  for (int id : reply->forced) row->forced.push_back(id);
  ++row->current.tool_calls;
  return reply->take_back;
}

// Where the first of `stops` begins in `text`, or npos.
size_t FirstStop(const std::string& text, const std::vector<std::string>& stops) {
  size_t first = std::string::npos;
  for (const std::string& stop : stops) first = std::min(first, text.find(stop));
  return first;
}

// What ends a step in text: the step delimiter and the stop strings, found in the step's
// decoded text so a stop may span tokens ("\n" "\n" for a tokenizer without a "\n\n"
// token). The whole step is decoded only at a token whose own text holds the last character
// of a stop; which tokens do is decoded once per token id and remembered, so the check adds
// no decoding to the other tokens.
class StepStops {
 public:
  StepStops(const Tokenizer& tokenizer, std::vector<std::string> stops)
      : tokenizer_(tokenizer), stops_(std::move(stops)), may_end_(std::max(tokenizer.vocab_size(), 0), kUnknown) {}

  const std::vector<std::string>& texts() const { return stops_; }

  // Whether the step's text, now ending with token `id`, holds a stop.
  bool EndsInText(int id, const RowState& row) {
    if (!MayEnd(id)) return false;
    return FirstStop(tokenizer_.Decode(row.current.token_ids), stops_) != std::string::npos;
  }

 private:
  static constexpr int8_t kUnknown = -1;
  bool MayEnd(int id) {
    if (id < 0 || id >= static_cast<int>(may_end_.size())) return false;
    if (may_end_[id] == kUnknown) {
      const std::string piece = tokenizer_.Decode({id});
      bool may_end = false;
      for (const std::string& stop : stops_) may_end = may_end || piece.find(stop.back()) != std::string::npos;
      may_end_[id] = may_end ? 1 : 0;
    }
    return may_end_[id] == 1;
  }

  const Tokenizer& tokenizer_;
  const std::vector<std::string> stops_;  // the step delimiter, then the stop strings
  std::vector<int8_t> may_end_;           // per token id: kUnknown, 0 or 1
};

// The step's text: its tokens decoded, without the final EOS, and cut at the first stop (a
// delimiter token may carry text before it, as BPE's ".\n\n" does).
void FinishStep(const Tokenizer& tokenizer, const std::vector<std::string>& stops, StepEnd end, float value,
                RowState* row) {
  StepCandidate& step = row->current;
  step.end = end;
  step.value = value;
  std::vector<int> text_ids = step.token_ids;
  if (end == StepEnd::kFinal && !text_ids.empty()) text_ids.pop_back();
  step.text = tokenizer.Decode(text_ids);
  if (end == StepEnd::kStep) {
    const size_t at = FirstStop(step.text, stops);
    if (at != std::string::npos) step.text.resize(at);
  }
  row->steps.push_back(std::move(step));
  row->current = StepCandidate();
}

// Stores the keys and values of a row's new state (its prefix and steps, all but the last
// token, which was sampled and not fed): cache row r, slots [pad, length).
void CacheNewState(const std::vector<int>& prefix, const RowState& row, KvCache& cache, int64_t r,
                   PrefixKvCache* prefix_cache) {
  std::vector<int> sequence = prefix;
  for (const StepCandidate& step : row.steps) sequence.insert(sequence.end(), step.token_ids.begin(), step.token_ids.end());
  const int64_t pad = cache.pad().data_ptr<int64_t>()[r];
  const int64_t fed = static_cast<int64_t>(sequence.size()) - 1;
  if (cache.length() - pad != fed) throw std::logic_error("CacheNewState: cache row out of step with its tokens");
  prefix_cache->Insert(sequence, fed, cache, r, pad);
}

// What ends a step: the prompt format's delimiter, then `sampling`'s stop strings.
std::vector<std::string> StopsOf(const Policy& policy, const StepSampling& sampling) {
  std::vector<std::string> stops{policy.prompt().step_delimiter()};
  for (const std::string& stop : sampling.stop) {
    if (stop.empty()) throw std::invalid_argument("GenerateSteps: empty stop string");
    stops.push_back(stop);
  }
  return stops;
}

// One GenerateJobs call, in named phases: Flatten the jobs' rows, Prefill their distinct
// prefixes once (the prefix cache serving what it holds), then per token position
// SampleRows, Advance every row (append, tool replies, stop) and Decode the rows that go on
// (compacting finished ones out first), and finally Tally each job's figures as if alone.
class GenerationBatch {
 public:
  GenerationBatch(const Policy& policy, const std::vector<GenerationJob>& jobs, const StepSampling& sampling,
                  int max_steps)
      : policy_(policy), model_(policy.lm()), value_head_(policy.value_head()), tokenizer_(policy.tokenizer()),
        stops_(policy.tokenizer(), StopsOf(policy, sampling)), jobs_(jobs), sampling_(sampling), max_steps_(max_steps),
        context_(policy.context()), local_(jobs.size()), cache_of_(jobs.size(), nullptr) {}

  std::vector<std::vector<std::vector<StepCandidate>>> Run() {
    if (max_steps_ < 1) throw std::invalid_argument("GenerateSolutions: max_steps >= 1");
    if (sampling_.max_step_tokens < 1) throw std::invalid_argument("GenerateSteps: max_step_tokens >= 1");
    Flatten();
    if (prefixes_.empty()) return std::vector<std::vector<std::vector<StepCandidate>>>(jobs_.size());
    torch::NoGradGuard no_grad;
    Prefill();
    while (true) {
      SampleRows();
      if (!Advance()) break;
      Decode();
    }
    return Tally();
  }

 private:
  // Row g of the batch is prefix i of job job_of_[g], in job order; validates every prefix.
  void Flatten() {
    for (size_t j = 0; j < jobs_.size(); ++j) {
      if (jobs_[j].seeds->size() != jobs_[j].prefixes->size()) {
        throw std::invalid_argument("GenerateSteps: one seed per prefix");
      }
      for (size_t i = 0; i < jobs_[j].prefixes->size(); ++i) {
        prefixes_.push_back(&(*jobs_[j].prefixes)[i]);
        seeds_.push_back((*jobs_[j].seeds)[i]);
        job_of_.push_back(static_cast<int>(j));
      }
    }
    const int vocab_size = policy_.vocab_size();
    for (const std::vector<int>* p : prefixes_) {
      if (p->empty() || static_cast<int>(p->size()) >= context_) {
        throw std::invalid_argument("GenerateSteps: prefixes must be non-empty and shorter than the context");
      }
      for (int id : *p) {
        if (id < 0 || id >= vocab_size) throw std::invalid_argument("GenerateSteps: token id out of range");
      }
    }
    // Reuse needs bit-identical recomputation (a row-invariant model).
    for (size_t j = 0; j < jobs_.size(); ++j) {
      if (model_.row_invariant()) cache_of_[j] = jobs_[j].prefix_cache;
      any_cache_ = any_cache_ || cache_of_[j] != nullptr;
    }
  }

  // Prefills each job's distinct prefixes once (never shared across jobs: each job's work
  // counts as if alone), then gives every row its prefix's cache row, logits and value.
  void Prefill() {
    const int n = static_cast<int>(prefixes_.size());
    std::map<std::pair<int, std::vector<int>>, int64_t> distinct_index;
    std::vector<std::vector<int>> distinct;
    std::vector<int> distinct_job;
    std::vector<int64_t> expand(n);  // row i reads distinct prefix expand[i]
    size_t shortest = prefixes_[0]->size(), longest = 0;
    for (int i = 0; i < n; ++i) {
      auto [it, inserted] =
          distinct_index.emplace(std::make_pair(job_of_[i], *prefixes_[i]), static_cast<int64_t>(distinct.size()));
      if (inserted) {
        distinct.push_back(*prefixes_[i]);
        distinct_job.push_back(job_of_[i]);
      }
      expand[i] = it->second;
      shortest = std::min(shortest, prefixes_[i]->size());
      longest = std::max(longest, prefixes_[i]->size());
    }
    const int64_t budget = max_steps_ == 1 ? std::min<int64_t>(sampling_.max_step_tokens, context_ - shortest)
                                           : context_ - static_cast<int64_t>(shortest);
    const int64_t capacity = static_cast<int64_t>(longest) + std::min<int64_t>(budget, 128);
    LmOutput forward;
    if (!any_cache_) {
      for (size_t d = 0; d < distinct.size(); ++d) {
        local_[distinct_job[d]].prefill_tokens += static_cast<long>(distinct[d].size());
      }
      forward = model_.Prefill(distinct, capacity, &cache_);
    } else {
      forward = PrefillServed(&distinct, distinct_job, longest, capacity, &expand);
    }
    logits_ = forward.logits;
    // values_[r]: V of row r's sequence so far; becomes a step's value when the token
    // sampled from logits_[r] ends that step.
    values_ = value_head_.Infer(forward.hidden);
    bool identity = distinct.size() == prefixes_.size();
    for (int i = 0; i < n && identity; ++i) identity = expand[i] == i;
    if (!identity) {
      torch::Tensor index = torch::tensor(expand, torch::kInt64);
      cache_.SelectRows(index);
      logits_ = logits_.index_select(0, index);
      values_ = values_.index_select(0, index);
    }
    state_.reserve(n);
    for (int i = 0; i < n; ++i) {
      state_.emplace_back(seeds_[i]);
      state_.back().length = static_cast<int>(prefixes_[i]->size());
    }
    row_tokens_.assign(n, 0);
    rows_.resize(n);
    std::iota(rows_.begin(), rows_.end(), 0);
  }

  // The prefill with prefix caches: each distinct prefix runs only the tokens its job's
  // cache does not hold (at least its last token, for its logits), longest uncached suffix
  // first (prefill chunks of similar windows). Reorders *distinct and remaps *expand.
  LmOutput PrefillServed(std::vector<std::vector<int>>* distinct, const std::vector<int>& distinct_job,
                         size_t longest, int64_t capacity, std::vector<int64_t>* expand) {
    const int64_t d_count = static_cast<int64_t>(distinct->size());
    std::vector<PrefixKvCache::Match> matches(d_count);
    for (int64_t d = 0; d < d_count; ++d) {
      if (PrefixKvCache* c = cache_of_[distinct_job[d]]) {
        matches[d] = c->Lookup((*distinct)[d], static_cast<int64_t>((*distinct)[d].size()) - 1);
      }
    }
    std::vector<int64_t> order(d_count);
    std::iota(order.begin(), order.end(), 0);
    auto suffix = [&](int64_t d) { return static_cast<int64_t>((*distinct)[d].size()) - matches[d].tokens; };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return suffix(a) > suffix(b); });
    std::vector<std::vector<int>> sorted(d_count);
    std::vector<int64_t> cached(d_count), position(d_count);
    for (int64_t r = 0; r < d_count; ++r) {
      sorted[r] = (*distinct)[order[r]];
      cached[r] = matches[order[r]].tokens;
      position[order[r]] = r;
      Budget& job_stats = local_[distinct_job[order[r]]];
      job_stats.prefill_tokens += static_cast<long>(sorted[r].size() - cached[r]);
      job_stats.cached_tokens += static_cast<long>(cached[r]);
    }
    auto fill = [&](KvCache* c) {
      for (int64_t r = 0; r < d_count; ++r) {
        if (cached[r] == 0) continue;
        const int64_t pad = static_cast<int64_t>(longest - sorted[r].size());
        PrefixKvCache* prefix_cache = cache_of_[distinct_job[order[r]]];
        if (c->borrowing()) {
          prefix_cache->Lend(matches[order[r]], c, r, pad);  // no copy: the row reads the edges
        } else {
          prefix_cache->CopyInto(matches[order[r]], c, r, pad);
        }
      }
    };
    LmOutput forward = model_.PrefillCached(sorted, cached, capacity, fill, &cache_);
    for (int64_t& e : *expand) e = position[e];
    *distinct = std::move(sorted);
    return forward;
  }

  // Samples the next token of every unfinished row without a queued tool token (in
  // parallel; each row from its own generator).
  void SampleRows() {
    logits_ = logits_.contiguous();
    values_ = values_.contiguous();
    const int64_t r_count = static_cast<int64_t>(rows_.size());
    const int vocab = static_cast<int>(logits_.size(1));
    const float* data = logits_.data_ptr<float>();
    sampled_.assign(r_count, SampledToken());
    at::parallel_for(0, r_count, kSampleGrain, [&](int64_t begin, int64_t end) {
      SamplingScratch scratch;
      for (int64_t r = begin; r < end; ++r) {
        RowState& row = state_[rows_[r]];
        if (!row.done && row.forced.empty()) {
          sampled_[r] = SampleToken(data + r * vocab, vocab, sampling_, &row.rng, &scratch);
        }
      }
    });
  }

  // Appends each unfinished row's token (sampled, or the calculator's) and decides who
  // stops. Fills next_ids_ and keep_ (cache rows that go on); false when none does.
  bool Advance() {
    const int64_t r_count = static_cast<int64_t>(rows_.size());
    const float* value_of = values_.data_ptr<float>();
    next_ids_.assign(r_count, tokenizer_.pad_id());
    keep_.clear();
    for (int64_t r = 0; r < r_count; ++r) {
      RowState& row = state_[rows_[r]];
      if (row.done) continue;
      const int id = AppendToken(r, &row);
      if (!row.done) StopIfEnded(r, id, value_of[r], &row);
      if (!row.done) {
        next_ids_[r] = id;
        keep_.push_back(r);
      }
    }
    return !keep_.empty();
  }

  // Appends cache row r's next token: the sampled one, or (a queued tool reply, or a
  // sampled token taken back at a tool trigger) the calculator's. Returns the token fed next.
  int AppendToken(int64_t r, RowState* row) {
    Budget& job_stats = local_[job_of_[rows_[r]]];
    ++row_tokens_[rows_[r]];
    from_tool_ = !row->forced.empty();
    int id = 0;
    if (!from_tool_) {
      id = sampled_[r].id;
      row->current.token_ids.push_back(id);
      row->current.logprob_sum += sampled_[r].logprob;
      ++row->length;
      ++job_stats.generated_tokens;
      const bool stops = tokenizer_.EndsSolution(id) || tokenizer_.EndsStep(id);
      if (policy_.calculator() && !stops && QueueToolReply(tokenizer_, sampled_[r], row)) from_tool_ = true;
    }
    if (from_tool_) {
      id = row->forced.front();
      row->forced.pop_front();
      row->current.token_ids.push_back(id);
      ++row->current.tool_tokens;
      ++row->length;
      ++job_stats.tool_tokens;
    }
    return id;
  }

  // Ends the row's step when `id` (just appended) ends it: EOS, the delimiter (a new state,
  // left in the prefix cache when steps are expanded one at a time), the step's token
  // limit, or the context. `value` is V of the sequence before `id`.
  void StopIfEnded(int64_t r, int id, float value, RowState* row) {
    const int step_tokens = static_cast<int>(row->current.token_ids.size());
    if (!from_tool_ && tokenizer_.EndsSolution(id)) {
      FinishStep(tokenizer_, stops_.texts(), StepEnd::kFinal, value, row);
      row->done = true;
    } else if (!from_tool_ && (tokenizer_.EndsStep(id) || stops_.EndsInText(id, *row))) {
      FinishStep(tokenizer_, stops_.texts(), StepEnd::kStep, value, row);
      row->done = static_cast<int>(row->steps.size()) >= max_steps_ || row->length >= context_;
      PrefixKvCache* row_cache = cache_of_[job_of_[rows_[r]]];
      if (row_cache != nullptr && max_steps_ == 1) CacheNewState(*prefixes_[rows_[r]], *row, cache_, r, row_cache);
    } else if (step_tokens >= sampling_.max_step_tokens) {
      FinishStep(tokenizer_, stops_.texts(), StepEnd::kCut, value, row);
      row->done = true;
    } else if (row->length >= context_) {
      FinishStep(tokenizer_, stops_.texts(), StepEnd::kContext, value, row);
      row->done = true;
    }
  }

  // Compacts finished rows out once they are a quarter of the cache, then runs one decode
  // step for every remaining row.
  void Decode() {
    const int64_t r_count = static_cast<int64_t>(rows_.size());
    if (static_cast<int64_t>(keep_.size()) * 4 <= r_count * 3) {
      std::vector<int> kept_rows;
      std::vector<int64_t> kept_ids;
      for (int64_t r : keep_) {
        kept_rows.push_back(rows_[r]);
        kept_ids.push_back(next_ids_[r]);
      }
      cache_.SelectRows(torch::tensor(keep_, torch::kInt64));
      rows_ = std::move(kept_rows);
      next_ids_ = std::move(kept_ids);
    }
    LmOutput forward = model_.Decode(torch::tensor(next_ids_, torch::kInt64), &cache_);
    logits_ = forward.logits;
    values_ = value_head_.Infer(forward.hidden);
  }

  // Each job's figures as a call with that job alone: one prefill, then decoding until its
  // longest row ends (its forward calls are its rows' largest token count). Returns each
  // job's rows in order.
  std::vector<std::vector<std::vector<StepCandidate>>> Tally() {
    const int n = static_cast<int>(prefixes_.size());
    for (int i = 0; i < n; ++i) {
      long& calls = local_[job_of_[i]].forward_calls;
      calls = std::max(calls, row_tokens_[i]);
    }
    std::vector<std::vector<std::vector<StepCandidate>>> out(jobs_.size());
    for (size_t j = 0; j < jobs_.size(); ++j) {
      if (Budget* stats = jobs_[j].stats) *stats += local_[j];
      out[j].reserve(jobs_[j].prefixes->size());
    }
    for (int i = 0; i < n; ++i) out[job_of_[i]].push_back(std::move(state_[i].steps));
    return out;
  }

  const Policy& policy_;
  CausalLm& model_;
  ValueHeadImpl& value_head_;
  const Tokenizer& tokenizer_;
  StepStops stops_;
  const std::vector<GenerationJob>& jobs_;
  const StepSampling& sampling_;
  const int max_steps_;
  const int context_;
  std::vector<Budget> local_;  // each job's figures, as if alone (nodes stay 0)
  std::vector<PrefixKvCache*> cache_of_;  // job -> its prefix cache (null: none, or not row-invariant)
  bool any_cache_ = false;
  // Rows, in job order.
  std::vector<const std::vector<int>*> prefixes_;
  std::vector<uint64_t> seeds_;
  std::vector<int> job_of_;
  std::vector<RowState> state_;
  std::vector<long> row_tokens_;  // tokens each row generated (its job's forward calls)
  // The decode batch: cache row r holds row rows_[r]; logits_ and values_ are its outputs.
  KvCache cache_;
  std::vector<int> rows_;
  torch::Tensor logits_, values_;
  std::vector<SampledToken> sampled_;  // per cache row, this position
  std::vector<int64_t> next_ids_;      // per cache row, the token fed next (PAD when done)
  std::vector<int64_t> keep_;          // cache rows that go on
  bool from_tool_ = false;             // the token AppendToken just appended is the tool's
};

}  // namespace

StepGenerator::StepGenerator(const Policy& policy) : policy_(policy) {}
StepGenerator::~StepGenerator() = default;

std::vector<StepCandidate> StepGenerator::GenerateSteps(const std::vector<std::vector<int>>& prefixes,
                                                        const StepSampling& sampling,
                                                        const std::vector<uint64_t>& seeds,
                                                        Budget* stats, PrefixKvCache* prefix_cache) const {
  std::vector<std::vector<StepCandidate>> solutions =
      GenerateSolutions(prefixes, sampling, seeds, 1, stats, prefix_cache);
  std::vector<StepCandidate> steps;
  steps.reserve(solutions.size());
  for (auto& s : solutions) steps.push_back(std::move(s.front()));
  return steps;
}

std::vector<std::vector<StepCandidate>> StepGenerator::GenerateSolutions(
    const std::vector<std::vector<int>>& prefixes, const StepSampling& sampling,
    const std::vector<uint64_t>& seeds, int max_steps, Budget* stats, PrefixKvCache* prefix_cache) const {
  GenerationJob job;
  job.prefixes = &prefixes;
  job.seeds = &seeds;
  job.stats = stats;
  job.prefix_cache = prefix_cache;
  return std::move(GenerateJobs({job}, sampling, max_steps).front());
}

std::vector<std::vector<std::vector<StepCandidate>>> StepGenerator::GenerateJobs(const std::vector<GenerationJob>& jobs,
                                                                                const StepSampling& sampling,
                                                                                int max_steps) const {
  return GenerationBatch(policy_, jobs, sampling, max_steps).Run();
}

}  // namespace steptree

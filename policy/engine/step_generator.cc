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
#include <deque>
#include <map>
#include <numeric>
#include <stdexcept>

#include "datasets/calculator.h"
#include "policy/model/causal_lm.h"
#include "policy/policy.h"
#include "policy/engine/prefix_cache.h"
#include "policy/text/prompt.h"
#include "policy/engine/sampling.h"
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
// the calculator's reply in row->forced. A sampled token that runs past the "=" is taken
// back (its log-probability too): the tool writes its text up to the "=". Returns true when
// that happened (the caller must then feed a forced token in its place).
bool QueueToolReply(const Tokenizer& tokenizer, const SampledToken& sampled, RowState* row) {
  if (tokenizer.Decode({sampled.id}).find('=') == std::string::npos) return false;
  const std::string text = tokenizer.Decode(row->current.token_ids);
  const std::optional<size_t> trigger = OpenToolCallTrigger(text);
  if (!trigger) return false;
  std::string reply = CalculatorReply(ToolCallExpression(text, *trigger));
  bool taken_back = false;
  if (*trigger + 1 < text.size()) {
    std::vector<int> kept(row->current.token_ids.begin(), row->current.token_ids.end() - 1);
    const std::string before = tokenizer.Decode(kept);
    if (before.size() <= *trigger && text.compare(0, before.size(), before) == 0) {
      reply = text.substr(before.size(), *trigger + 1 - before.size()) + reply;
      row->current.token_ids.pop_back();
      row->current.logprob_sum -= sampled.logprob;
      --row->length;
      taken_back = true;
    }
  }
  for (int id : tokenizer.Encode(reply)) row->forced.push_back(id);
  ++row->current.tool_calls;
  return taken_back;
}

// The step's text: its tokens decoded, without the final EOS, and cut at the delimiter (a
// delimiter token may carry text before it, as BPE's ".\n\n" does).
void FinishStep(const Tokenizer& tokenizer, const std::string& delimiter, StepEnd end, float value, RowState* row) {
  StepCandidate& step = row->current;
  step.end = end;
  step.value = value;
  std::vector<int> text_ids = step.token_ids;
  if (end == StepEnd::kFinal && !text_ids.empty()) text_ids.pop_back();
  step.text = tokenizer.Decode(text_ids);
  if (end == StepEnd::kStep) {
    const size_t at = step.text.find(delimiter);
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
  const int context = policy_.context();
  const int vocab_size = policy_.vocab_size();
  const Tokenizer& tokenizer = policy_.tokenizer();
  const std::string delimiter = policy_.prompt().step_delimiter();
  const bool calculator = policy_.calculator();
  if (max_steps < 1) throw std::invalid_argument("GenerateSolutions: max_steps >= 1");
  if (sampling.max_step_tokens < 1) throw std::invalid_argument("GenerateSteps: max_step_tokens >= 1");
  // Flatten the jobs' rows: row g is prefix row_in_job[g] of job job_of[g].
  std::vector<const std::vector<int>*> prefixes;
  std::vector<uint64_t> seeds;
  std::vector<int> job_of;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (jobs[j].seeds->size() != jobs[j].prefixes->size()) {
      throw std::invalid_argument("GenerateSteps: one seed per prefix");
    }
    for (size_t i = 0; i < jobs[j].prefixes->size(); ++i) {
      prefixes.push_back(&(*jobs[j].prefixes)[i]);
      seeds.push_back((*jobs[j].seeds)[i]);
      job_of.push_back(static_cast<int>(j));
    }
  }
  const int n = static_cast<int>(prefixes.size());
  std::vector<std::vector<std::vector<StepCandidate>>> out(jobs.size());
  if (n == 0) return out;
  for (const std::vector<int>* p : prefixes) {
    if (p->empty() || static_cast<int>(p->size()) >= context) {
      throw std::invalid_argument("GenerateSteps: prefixes must be non-empty and shorter than the context");
    }
    for (int id : *p) {
      if (id < 0 || id >= vocab_size) throw std::invalid_argument("GenerateSteps: token id out of range");
    }
  }

  torch::NoGradGuard no_grad;
  CausalLm& model = policy_.lm();
  ValueHeadImpl& value_head = policy_.value_head();
  // Each job's figures are those of a call with that job alone (see the header).
  std::vector<Budget> local(jobs.size());
  // Reuse needs bit-identical recomputation (a row-invariant model).
  std::vector<PrefixKvCache*> cache_of(jobs.size(), nullptr);
  bool any_cache = false;
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (model.row_invariant()) cache_of[j] = jobs[j].prefix_cache;
    any_cache = any_cache || cache_of[j] != nullptr;
  }

  // Prefill each job's distinct prefixes once; cache row r then belongs to original row
  // rows[r]. Prefixes are never shared across jobs (each job's work counts as if alone).
  std::map<std::pair<int, std::vector<int>>, int64_t> distinct_index;
  std::vector<std::vector<int>> distinct;
  std::vector<int> distinct_job;
  std::vector<int64_t> expand(n);
  size_t shortest = prefixes[0]->size(), longest = 0;
  for (int i = 0; i < n; ++i) {
    auto [it, inserted] =
        distinct_index.emplace(std::make_pair(job_of[i], *prefixes[i]), static_cast<int64_t>(distinct.size()));
    if (inserted) {
      distinct.push_back(*prefixes[i]);
      distinct_job.push_back(job_of[i]);
    }
    expand[i] = it->second;
    shortest = std::min(shortest, prefixes[i]->size());
    longest = std::max(longest, prefixes[i]->size());
  }
  const int64_t budget = max_steps == 1 ? std::min<int64_t>(sampling.max_step_tokens, context - shortest)
                                        : context - static_cast<int64_t>(shortest);
  const int64_t capacity = static_cast<int64_t>(longest) + std::min<int64_t>(budget, 128);
  KvCache cache;
  LmOutput forward;
  if (!any_cache) {
    for (size_t d = 0; d < distinct.size(); ++d) local[distinct_job[d]].prefill_tokens += static_cast<long>(distinct[d].size());
    forward = model.Prefill(distinct, capacity, &cache);
  } else {
    // Longest uncached suffix first (prefill chunks of similar windows); at least the last
    // token of each prefix runs, for its logits.
    const int64_t d_count = static_cast<int64_t>(distinct.size());
    std::vector<PrefixKvCache::Match> matches(d_count);
    for (int64_t d = 0; d < d_count; ++d) {
      if (PrefixKvCache* c = cache_of[distinct_job[d]]) {
        matches[d] = c->Lookup(distinct[d], static_cast<int64_t>(distinct[d].size()) - 1);
      }
    }
    std::vector<int64_t> order(d_count);
    std::iota(order.begin(), order.end(), 0);
    auto suffix = [&](int64_t d) { return static_cast<int64_t>(distinct[d].size()) - matches[d].tokens; };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return suffix(a) > suffix(b); });
    std::vector<std::vector<int>> sorted(d_count);
    std::vector<int64_t> cached(d_count), position(d_count);
    for (int64_t r = 0; r < d_count; ++r) {
      sorted[r] = distinct[order[r]];
      cached[r] = matches[order[r]].tokens;
      position[order[r]] = r;
      Budget& job_stats = local[distinct_job[order[r]]];
      job_stats.prefill_tokens += static_cast<long>(sorted[r].size() - cached[r]);
      job_stats.cached_tokens += static_cast<long>(cached[r]);
    }
    auto fill = [&](KvCache* c) {
      for (int64_t r = 0; r < d_count; ++r) {
        if (cached[r] == 0) continue;
        const int64_t pad = static_cast<int64_t>(longest - sorted[r].size());
        PrefixKvCache* prefix_cache = cache_of[distinct_job[order[r]]];
        if (c->borrowing()) {
          prefix_cache->Lend(matches[order[r]], c, r, pad);  // no copy: the row reads the edges
        } else {
          prefix_cache->CopyInto(matches[order[r]], c, r, pad);
        }
      }
    };
    forward = model.PrefillCached(sorted, cached, capacity, fill, &cache);
    for (int i = 0; i < n; ++i) expand[i] = position[expand[i]];
    distinct = std::move(sorted);
  }
  torch::Tensor logits = forward.logits;
  // values[r]: V of row r's sequence so far; becomes a step's value when the token sampled
  // from logits[r] ends that step.
  torch::Tensor values = value_head.Infer(forward.hidden);
  bool identity = distinct.size() == prefixes.size();
  for (int i = 0; i < n && identity; ++i) identity = expand[i] == i;
  if (!identity) {
    torch::Tensor index = torch::tensor(expand, torch::kInt64);
    cache.SelectRows(index);
    logits = logits.index_select(0, index);
    values = values.index_select(0, index);
  }

  std::vector<RowState> state;
  state.reserve(n);
  for (int i = 0; i < n; ++i) {
    state.emplace_back(seeds[i]);
    state.back().length = static_cast<int>(prefixes[i]->size());
  }
  std::vector<long> row_tokens(n, 0);  // tokens each row generated (its job's forward calls)
  std::vector<int> rows(n);            // cache row -> original row
  for (int i = 0; i < n; ++i) rows[i] = i;
  std::vector<SampledToken> sampled;

  while (true) {
    // Sample the next token of every unfinished row (in parallel; per-row generators).
    logits = logits.contiguous();
    const int64_t r_count = static_cast<int64_t>(rows.size());
    const int vocab = static_cast<int>(logits.size(1));
    const float* data = logits.data_ptr<float>();
    values = values.contiguous();
    const float* value_of = values.data_ptr<float>();
    sampled.assign(r_count, SampledToken());
    at::parallel_for(0, r_count, kSampleGrain, [&](int64_t begin, int64_t end) {
      SamplingScratch scratch;
      for (int64_t r = begin; r < end; ++r) {
        RowState& row = state[rows[r]];
        if (!row.done && row.forced.empty()) sampled[r] = SampleToken(data + r * vocab, vocab, sampling, &row.rng, &scratch);
      }
    });

    // Append and decide who stops.
    std::vector<int64_t> next_ids(r_count, tokenizer.pad_id());
    std::vector<int64_t> keep;
    keep.reserve(r_count);
    for (int64_t r = 0; r < r_count; ++r) {
      RowState& row = state[rows[r]];
      if (row.done) continue;
      Budget& job_stats = local[job_of[rows[r]]];
      ++row_tokens[rows[r]];
      bool from_tool = !row.forced.empty();
      int id;
      if (!from_tool) {
        id = sampled[r].id;
        row.current.token_ids.push_back(id);
        row.current.logprob_sum += sampled[r].logprob;
        ++row.length;
        ++job_stats.generated_tokens;
        const bool stops = tokenizer.EndsSolution(id) || tokenizer.EndsStep(id);
        if (calculator && !stops && QueueToolReply(tokenizer, sampled[r], &row)) from_tool = true;
      }
      if (from_tool) {
        id = row.forced.front();
        row.forced.pop_front();
        row.current.token_ids.push_back(id);
        ++row.current.tool_tokens;
        ++row.length;
        ++job_stats.tool_tokens;
      }
      const int step_tokens = static_cast<int>(row.current.token_ids.size());
      if (!from_tool && tokenizer.EndsSolution(id)) {
        FinishStep(tokenizer, delimiter, StepEnd::kFinal, value_of[r], &row);
        row.done = true;
      } else if (!from_tool && tokenizer.EndsStep(id)) {
        FinishStep(tokenizer, delimiter, StepEnd::kStep, value_of[r], &row);
        row.done = static_cast<int>(row.steps.size()) >= max_steps || row.length >= context;
        PrefixKvCache* row_cache = cache_of[job_of[rows[r]]];
        if (row_cache != nullptr && max_steps == 1) CacheNewState(*prefixes[rows[r]], row, cache, r, row_cache);
      } else if (step_tokens >= sampling.max_step_tokens) {
        FinishStep(tokenizer, delimiter, StepEnd::kCut, value_of[r], &row);
        row.done = true;
      } else if (row.length >= context) {
        FinishStep(tokenizer, delimiter, StepEnd::kContext, value_of[r], &row);
        row.done = true;
      }
      if (!row.done) {
        next_ids[r] = id;
        keep.push_back(r);
      }
    }
    if (keep.empty()) break;

    // Compact once a quarter of the cache rows are finished.
    if (static_cast<int64_t>(keep.size()) * 4 <= r_count * 3) {
      std::vector<int> kept_rows;
      std::vector<int64_t> kept_ids;
      for (int64_t r : keep) {
        kept_rows.push_back(rows[r]);
        kept_ids.push_back(next_ids[r]);
      }
      cache.SelectRows(torch::tensor(keep, torch::kInt64));
      rows = std::move(kept_rows);
      next_ids = std::move(kept_ids);
    }
    forward = model.Decode(torch::tensor(next_ids, torch::kInt64), &cache);
    logits = forward.logits;
    values = value_head.Infer(forward.hidden);
  }

  // A job alone would run one prefill and then decode until its longest row ends: its
  // forward calls are its rows' largest token count.
  for (int i = 0; i < n; ++i) {
    long& calls = local[job_of[i]].forward_calls;
    calls = std::max(calls, row_tokens[i]);
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (Budget* stats = jobs[j].stats) {
      stats->prefill_tokens += local[j].prefill_tokens;
      stats->cached_tokens += local[j].cached_tokens;
      stats->generated_tokens += local[j].generated_tokens;
      stats->tool_tokens += local[j].tool_tokens;
      stats->forward_calls += local[j].forward_calls;
    }
    out[j].reserve(jobs[j].prefixes->size());
  }
  for (int i = 0; i < n; ++i) out[job_of[i]].push_back(std::move(state[i].steps));
  return out;
}

}  // namespace steptree

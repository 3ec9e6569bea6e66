// The built-in policy behind the search interface (policy/engine/policy_backend.h).
#include "policy/engine/policy_backend.h"

#include <algorithm>

#include "policy/model/causal_lm.h"
#include "policy/policy.h"
#include "policy/engine/prefix_cache.h"
#include "policy/text/prompt.h"
#include "policy/engine/step_generator.h"
#include "value/value_head.h"

namespace steptree {
namespace {

// Without a trained head every value is 0 (see policy_backend.h).
StepCandidate WithValue(StepCandidate&& step, bool use_value) {
  if (!use_value) step.value = 0.f;
  return std::move(step);
}

void AddStats(const Budget& stats, Budget* budget) {
  if (budget != nullptr) *budget += stats;
}

StepCandidate ContextFull() {
  StepCandidate candidate;
  candidate.end = StepEnd::kContext;
  return candidate;
}

}  // namespace

PolicyBackend::PolicyBackend(const Policy& policy, int64_t kv_cache_bytes_per_tree)
    : policy_(policy), kv_cache_bytes_(kv_cache_bytes_per_tree) {}

PolicyBackend::~PolicyBackend() = default;

TreeId PolicyBackend::OpenTree() const {
  if (kv_cache_bytes_ <= 0 || !policy_.lm().row_invariant()) return kNoTree;
  std::lock_guard<std::mutex> lock(trees_mutex_);
  const TreeId tree = next_tree_++;
  trees_[tree] = std::make_unique<PrefixKvCache>(kv_cache_bytes_);
  return tree;
}

void PolicyBackend::CloseTree(TreeId tree) const {
  if (tree == kNoTree) return;
  std::unique_ptr<PrefixKvCache> closed;  // freed outside the lock
  std::lock_guard<std::mutex> lock(trees_mutex_);
  const auto it = trees_.find(tree);
  if (it == trees_.end()) throw std::logic_error("PolicyBackend::CloseTree: tree " + std::to_string(tree) + " is not open");
  closed = std::move(it->second);
  trees_.erase(it);
}

PrefixKvCache* PolicyBackend::CacheOf(TreeId tree) const {
  if (tree == kNoTree) return nullptr;
  std::lock_guard<std::mutex> lock(trees_mutex_);
  const auto it = trees_.find(tree);
  if (it == trees_.end()) throw std::logic_error("PolicyBackend: tree " + std::to_string(tree) + " is not open");
  return it->second.get();
}

std::vector<int> PolicyBackend::EncodeQuestion(const std::string& question) const {
  return policy_.prompt().EncodePrefix(question, {});
}

int PolicyBackend::max_state_tokens() const { return policy_.context() - 1; }

bool PolicyBackend::has_value_head() const { return policy_.has_trained_value_head(); }

std::vector<std::vector<StepCandidate>> PolicyBackend::Expand(TreeId tree, const std::vector<ExpansionRequest>& requests,
                                                              const StepSampling& sampling,
                                                              Budget* budget) const {
  // A batch of one tree (the same rows, stats and cache use as any batch it could share).
  return std::move(ExpandMany({ExpandJob{tree, &requests, budget}}, sampling).front());
}

std::vector<std::vector<std::vector<StepCandidate>>> PolicyBackend::ExpandMany(const std::vector<ExpandJob>& jobs,
                                                                               const StepSampling& sampling) const {
  const size_t count = jobs.size();
  std::vector<std::vector<std::vector<int>>> prefixes(count);
  std::vector<std::vector<uint64_t>> seeds(count);
  std::vector<Budget> stats(count);
  std::vector<GenerationJob> generation(count);
  for (size_t j = 0; j < count; ++j) {
    // (request, seed) pairs become generator rows; states past the context get kContext
    // candidates without a model call.
    for (const ExpansionRequest& request : *jobs[j].requests) {
      if (static_cast<int>(request.state.size()) > max_state_tokens()) continue;
      for (uint64_t seed : request.seeds) {
        prefixes[j].push_back(request.state);
        seeds[j].push_back(seed);
      }
    }
    generation[j].prefixes = &prefixes[j];
    generation[j].seeds = &seeds[j];
    generation[j].stats = &stats[j];
    generation[j].prefix_cache = CacheOf(jobs[j].tree);
  }
  std::vector<std::vector<std::vector<StepCandidate>>> steps =
      StepGenerator(policy_).GenerateJobs(generation, sampling, 1);
  const bool use_value = has_value_head();
  std::vector<std::vector<std::vector<StepCandidate>>> out(count);
  for (size_t j = 0; j < count; ++j) {
    AddStats(stats[j], jobs[j].budget);
    const std::vector<ExpansionRequest>& requests = *jobs[j].requests;
    out[j].resize(requests.size());
    size_t row = 0;
    for (size_t r = 0; r < requests.size(); ++r) {
      const bool fits = static_cast<int>(requests[r].state.size()) <= max_state_tokens();
      out[j][r].reserve(requests[r].seeds.size());
      for (size_t k = 0; k < requests[r].seeds.size(); ++k) {
        out[j][r].push_back(fits ? WithValue(std::move(steps[j][row++].front()), use_value) : ContextFull());
      }
    }
  }
  return out;
}

std::vector<std::vector<StepCandidate>> PolicyBackend::Rollout(TreeId tree, const std::vector<int>& state,
                                                               const std::vector<uint64_t>& seeds,
                                                               const StepSampling& sampling, int max_steps,
                                                               Budget* budget) const {
  std::vector<std::vector<StepCandidate>> out(seeds.size());
  if (static_cast<int>(state.size()) > max_state_tokens()) {
    for (auto& row : out) row.push_back(ContextFull());
    return out;
  }
  Budget stats;
  std::vector<std::vector<StepCandidate>> solutions = StepGenerator(policy_).GenerateSolutions(
      std::vector<std::vector<int>>(seeds.size(), state), sampling, seeds, max_steps, &stats,
      CacheOf(tree));
  AddStats(stats, budget);
  const bool use_value = has_value_head();
  for (size_t j = 0; j < solutions.size(); ++j) {
    for (StepCandidate& step : solutions[j]) out[j].push_back(WithValue(std::move(step), use_value));
  }
  return out;
}

std::vector<float> PolicyBackend::Evaluate(TreeId tree, const std::vector<std::vector<int>>& states,
                                           Budget* budget) const {
  std::vector<float> values(states.size(), 0.f);
  if (states.empty() || !has_value_head()) return values;
  const Tokenizer& tokenizer = policy_.tokenizer();
  // V is read at the last content token: a trailing delimiter is not fed. A state longer
  // than the context is not fed at all (its value stays 0; see search/backend.h).
  std::vector<std::vector<int>> fed;
  std::vector<size_t> fed_state;  // fed[i] is states[fed_state[i]]
  size_t longest = 0;
  long tokens = 0;
  for (size_t i = 0; i < states.size(); ++i) {
    std::vector<int> ids = states[i];
    if (ids.size() > 1 && LastTokenEndsStep(tokenizer, ids, policy_.prompt().step_delimiter())) ids.pop_back();
    if (ids.empty() || static_cast<int>(ids.size()) > policy_.context()) continue;
    longest = std::max(longest, ids.size());
    tokens += static_cast<long>(ids.size());
    fed.push_back(std::move(ids));
    fed_state.push_back(i);
  }
  if (fed.empty()) return values;
  torch::NoGradGuard no_grad;
  KvCache cache;
  LmOutput forward = policy_.lm().Prefill(fed, static_cast<int64_t>(longest), &cache);
  torch::Tensor v = policy_.value_head().Infer(forward.hidden).contiguous();
  const float* v_data = v.data_ptr<float>();
  for (size_t i = 0; i < fed.size(); ++i) values[fed_state[i]] = v_data[i];
  if (PrefixKvCache* prefix_cache = CacheOf(tree)) {
    // The root's keys and values: its first expansion then runs one token.
    const int64_t* pad = cache.pad().data_ptr<int64_t>();
    for (size_t r = 0; r < fed.size(); ++r) {
      prefix_cache->Insert(fed[r], static_cast<int64_t>(fed[r].size()), cache, static_cast<int64_t>(r), pad[r]);
    }
  }
  if (budget != nullptr) {
    budget->prefill_tokens += tokens;
    budget->forward_calls += 1;
  }
  return values;
}

void PolicyBackend::PrepareWorkerThread() const { SetTorchThreadsForThisThread(1); }

void SetTorchThreadsForThisThread(int threads) { torch::set_num_threads(std::max(1, threads)); }

}  // namespace steptree

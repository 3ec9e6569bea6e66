// Tests of the built-in policy behind the search interface (policy/engine/policy_backend.h): a
// candidate's value, read in the forward pass that sampled it, equals V of the child state
// computed afresh; candidates do not depend on the batch they share; budget counting;
// states past the context. Tiny random models with a (random) head marked trained.
#include <cmath>

#include "policy/model/gpt.h"
#include "policy/model/format/gpt_config.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"

#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.d_model = 32;
  c.d_ff = 64;
  c.context = 64;
  return c;
}

std::unique_ptr<Policy> TinyPolicyWithHead(uint64_t seed) {
  std::unique_ptr<Policy> policy = Policy::Create(TinyConfig(), seed);
  policy->set_value_head_trained(true);  // a random head: values are arbitrary but nonzero
  return policy;
}

std::vector<int> Concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A random model almost never samples the step delimiter, so every step would be cut at the
// token limit. This one is steered to it: untied output rows, LN_f's bias set to 4 u for a
// unit vector u, and the delimiter's output row set to u, so the delimiter's logit is about
// 4 +- 1 against about 0 for the other 258 tokens (about 17% a token; steps of a few tokens).
std::unique_ptr<Policy> PolicyThatEndsSteps(uint64_t seed) {
  GptConfig c = TinyConfig();
  c.tie_embeddings = false;
  std::unique_ptr<Policy> policy = Policy::Create(c, seed);
  policy->set_value_head_trained(true);
  torch::NoGradGuard no_grad;
  auto parameters = policy->model().named_parameters();
  const torch::Tensor u = torch::ones({c.d_model}) / std::sqrt(static_cast<float>(c.d_model));
  parameters["ln_f.bias"].copy_(4 * u);
  const std::vector<int> delimiter = policy->tokenizer().Encode("\n");
  REQUIRE(delimiter.size() == 1);
  parameters["head.weight"][delimiter[0]].copy_(u);
  return policy;
}

}  // namespace

TEST_CASE("policy backend: a candidate's value equals V of the child state evaluated afresh") {
  std::unique_ptr<Policy> policy = PolicyThatEndsSteps(3);
  PolicyBackend backend(*policy);
  const std::vector<int> root = backend.EncodeQuestion("1+2");
  StepSampling sampling;
  sampling.temperature = 1.0f;
  sampling.max_step_tokens = 12;
  Budget budget;
  const std::vector<uint64_t> seeds = {11, 12, 13, 14, 15, 16, 17, 18};
  auto candidates = backend.Expand(kNoTree, {{root, seeds}}, sampling, &budget);
  REQUIRE(candidates.size() == 1);
  REQUIRE(candidates[0].size() == seeds.size());
  std::vector<std::vector<int>> children;
  for (const StepCandidate& c : candidates[0]) children.push_back(Concat(root, c.token_ids));
  const std::vector<float> fresh = backend.Evaluate(kNoTree, children, &budget);
  REQUIRE(fresh.size() == seeds.size());
  int compared = 0;
  for (size_t j = 0; j < fresh.size(); ++j) {
    CAPTURE(j);
    CHECK(candidates[0][j].value != 0.f);
    // A trailing delimiter is not fed by Evaluate; EOS / cut steps end on a token the
    // generator never fed either: both read the hidden state that sampled the last token.
    if (candidates[0][j].end != StepEnd::kStep) continue;
    CHECK(std::fabs(fresh[j] - candidates[0][j].value) < 1e-4);
    ++compared;
  }
  CHECK(compared >= 4);
  CHECK(budget.forward_calls >= 2);
  CHECK(budget.generated_tokens > 0);
  CHECK(budget.prefill_tokens >= static_cast<long>(root.size()));
}

TEST_CASE("policy backend: candidates do not depend on the other requests in the batch") {
  std::unique_ptr<Policy> policy = TinyPolicyWithHead(5);
  PolicyBackend backend(*policy);
  StepSampling sampling;
  sampling.temperature = 0.8f;
  sampling.max_step_tokens = 10;
  const ExpansionRequest a{backend.EncodeQuestion("2*3"), {1, 2}};
  const ExpansionRequest b{backend.EncodeQuestion("a much longer question, 7+8+9"), {3}};
  auto alone = backend.Expand(kNoTree, {a}, sampling, nullptr);
  auto together = backend.Expand(kNoTree, {b, a}, sampling, nullptr);
  REQUIRE(together.size() == 2);
  for (size_t j = 0; j < 2; ++j) {
    CHECK(alone[0][j].token_ids == together[1][j].token_ids);
    CHECK(alone[0][j].text == together[1][j].text);
    CHECK(std::fabs(alone[0][j].value - together[1][j].value) < 1e-5);
  }
}

TEST_CASE("policy backend: no trained head means every value is 0, full states give kContext") {
  GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = 16;
  c.d_ff = 32;
  c.context = 32;
  std::unique_ptr<Policy> policy = Policy::Create(c, 1);
  PolicyBackend backend(*policy);
  CHECK_FALSE(backend.has_value_head());
  StepSampling sampling;
  sampling.max_step_tokens = 4;
  const std::vector<int> root = backend.EncodeQuestion("5-1");
  std::vector<int> full(static_cast<size_t>(c.context), 'x');
  auto out = backend.Expand(kNoTree, {{root, {1}}, {full, {2, 3}}}, sampling, nullptr);
  REQUIRE(out.size() == 2);
  CHECK(out[0][0].value == 0.f);
  REQUIRE(out[1].size() == 2);
  CHECK(out[1][0].end == StepEnd::kContext);
  CHECK(backend.Evaluate(kNoTree, {root}, nullptr) == std::vector<float>{0.f});
  auto rollout = backend.Rollout(kNoTree, root, {7, 8, 9}, sampling, 3, nullptr);
  CHECK(rollout.size() == 3);
  for (const auto& row : rollout) CHECK(!row.empty());
}

TEST_CASE("policy backend: a stop string that spans tokens ends the step where it completes") {
  std::unique_ptr<Policy> policy = TinyPolicyWithHead(7);
  PolicyBackend backend(*policy);
  const std::vector<int> root = backend.EncodeQuestion("4+4");
  StepSampling sampling;
  sampling.temperature = 1.0f;
  sampling.max_step_tokens = 24;
  const std::vector<uint64_t> seeds = {21, 22, 23, 24};
  const auto free = backend.Expand(kNoTree, {{root, seeds}}, sampling, nullptr);
  int checked = 0;
  for (size_t j = 0; j < seeds.size(); ++j) {
    const StepCandidate& plain = free[0][j];
    // The built-in tokenizer has one token per byte: a two-byte stop spans two tokens.
    if (plain.end != StepEnd::kCut || plain.text.size() < 12) continue;
    const std::string stop = plain.text.substr(8, 2);
    const size_t at = plain.text.find(stop);
    StepSampling stopping = sampling;
    stopping.stop = {stop};
    const auto stopped = backend.Expand(kNoTree, {{root, {seeds[j]}}}, stopping, nullptr);
    const StepCandidate& cut = stopped[0][0];
    CAPTURE(plain.text);
    CAPTURE(stop);
    CHECK(cut.end == StepEnd::kStep);
    CHECK(cut.text == plain.text.substr(0, at));  // the text stops before the stop string
    // The same draws up to the stop's last token, then nothing more.
    CHECK(cut.token_ids == std::vector<int>(plain.token_ids.begin(), plain.token_ids.begin() + at + 2));
    ++checked;
  }
  CHECK(checked >= 2);
}

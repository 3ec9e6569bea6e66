// The trainer: it learns, it resumes to the same weights, and AdamW matches its formula.
#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "policy/train/adamw.h"
#include "policy/model/gpt.h"
#include "policy/policy.h"
#include "policy/model/causal_lm.h"
#include "policy/text/prompt.h"
#include "policy/train/teacher_forcing.h"
#include "policy/model/tensor_io.h"
#include "policy/train/training_path.h"
#include "policy/train/trainer.h"
#include "value/value_head.h"
#include "tests/test_util.h"
#include "tests/training_fixtures.h"

// c10 defines its own CHECK; doctest's must win, so doctest comes after every torch header.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

TrainOptions TinyRun(const std::string& out, long steps) { return test::TinyTrainingRun(out, steps); }

SyntheticOptions EasyData() {
  SyntheticOptions data;
  data.min_difficulty = 1;
  data.max_difficulty = 2;
  data.seed = 3;
  return data;
}

std::vector<Problem> Heldout() {
  SyntheticOptions held = EasyData();
  held.split = ProblemSplit::kHeldOut;
  return MakeSyntheticProblems(held, 16);
}

}  // namespace

TEST_SUITE("trainer") {

TEST_CASE("training lowers the held-out loss") {
  test::TempDir dir;
  const auto stream = MakeSyntheticStream(EasyData());
  const TrainResult short_run = TrainPolicy(TinyRun(dir.path() + "/a", 1), *stream, Heldout());
  const TrainResult long_run = TrainPolicy(TinyRun(dir.path() + "/b", 40), *stream, Heldout());
  CHECK(long_run.steps_done == 40);
  CHECK(long_run.tokens > 0);
  CHECK(long_run.heldout_loss < short_run.heldout_loss - 0.5);
  // The checkpoint it wrote loads.
  CHECK(Policy::Load(dir.path() + "/b")->config().d_model == 32);
  CHECK(std::filesystem::exists(dir.path() + "/b/optimizer.safetensors"));
  CHECK(std::filesystem::exists(dir.path() + "/b/trainer_state.json"));
}

TEST_CASE("an interrupted run resumes to the same weights") {
  test::TempDir dir;
  const auto stream = MakeSyntheticStream(EasyData());
  TrainPolicy(TinyRun(dir.path() + "/whole", 8), *stream, Heldout());

  TrainOptions first = TinyRun(dir.path() + "/split", 8);
  first.stop_after_steps = 3;
  CHECK(TrainPolicy(first, *stream, Heldout()).steps_done == 3);
  TrainOptions second = TinyRun(dir.path() + "/split", 8);
  second.resume = true;
  CHECK(TrainPolicy(second, *stream, Heldout()).steps_done == 8);

  const auto whole = LoadTensorMap(dir.path() + "/whole/model.safetensors");
  const auto split = LoadTensorMap(dir.path() + "/split/model.safetensors");
  REQUIRE(whole.size() == split.size());
  for (const auto& [name, tensor] : whole) {
    INFO(name);
    CHECK(torch::equal(tensor, split.at(name)));
  }
}

TEST_CASE("AdamW follows its formula and decays matrices only") {
  torch::Tensor matrix = torch::ones({2, 2}, torch::requires_grad());
  torch::Tensor bias = torch::ones({2}, torch::requires_grad());
  AdamWOptions options;
  options.weight_decay = 0.5;
  AdamW adamw({{"m", matrix}, {"b", bias}}, options);
  (matrix.sum() * 2 + bias.sum() * 3).backward();
  adamw.Step(0.1);
  // Step 1: m_hat = g, v_hat = g^2, so the update is lr * sign(g) (up to eps).
  const double decayed = 1.0 * (1 - 0.1 * 0.5) - 0.1;
  CHECK(matrix[0][0].item<double>() == doctest::Approx(decayed).epsilon(1e-6));
  CHECK(bias[0].item<double>() == doctest::Approx(0.9).epsilon(1e-6));
  // State round trip.
  AdamW other({{"m", matrix}, {"b", bias}}, options);
  other.LoadState(adamw.StateTensors(), adamw.steps_taken());
  CHECK(other.steps_taken() == 1);
  CHECK_THROWS(other.LoadState({}, 1));
}

GptConfig LossTestConfig() {
  GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = 16;
  c.d_ff = 32;
  c.context = 64;
  return c;
}

// AlphaMath's loss on a tiny batch, by hand. An all-zero network gives uniform logits, so
// every counted target token costs exactly ln V; a value head with weight 0 and bias b gives
// V = tanh(b) at every step end. Path A is imitated with two value targets, path B is not
// imitated and has one: CE counts A's step tokens only (not its question, not B), MSE
// averages A's and B's three step ends.
TEST_CASE("training loss: CE + alpha MSE by hand, prompt and non-imitated tokens masked") {
  const GptConfig c = LossTestConfig();
  std::unique_ptr<Policy> policy = Policy::Create(c, 1);
  policy->model().eval();
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : policy->model().parameters()) p.zero_();
  ValueHeadImpl& head = policy->value_head();
  head.eval();
  head.v_head->weight.zero_();
  const double b = 0.3;
  head.v_head->bias.fill_(b);

  TrainingPath a{"1+2", {"1+2=3", "The answer is 3"}, /*imitate=*/true, {0.5, 1.0}};
  TrainingPath bad{"4*5", {"4*5=21"}, /*imitate=*/false, {-1.0}};
  const auto ea = EncodeTrainingPath(policy->prompt(), a, c.context);
  const auto eb = EncodeTrainingPath(policy->prompt(), bad, c.context);
  REQUIRE(ea.has_value());
  REQUIRE(eb.has_value());
  const TokenBatch batch = CollateBatch({&*ea, &*eb}, policy->tokenizer().pad_id());
  // Byte tokens: BOS "Q: 1+2\n" is A's prompt; its targets are "1+2=3\nThe answer is 3" and EOS.
  CHECK(ea->prompt_length == 1 + std::string("Q: 1+2\n").size());
  CHECK(batch.target_tokens == static_cast<long>(std::string("1+2=3\nThe answer is 3").size() + 1));
  CHECK(batch.value_count == 3);

  const BatchForward forward = ForwardBatch(policy->lm(), &head, batch, /*backbone_grad=*/true);
  const double ce = std::log(static_cast<double>(policy->lm().vocab_size()));
  CHECK(forward.token_loss.item<double>() == doctest::Approx(ce).epsilon(1e-6));
  const double v = std::tanh(b);
  const double mse = ((v - 0.5) * (v - 0.5) + (v - 1.0) * (v - 1.0) + (v + 1.0) * (v + 1.0)) / 3;
  CHECK(forward.value_loss.item<double>() == doctest::Approx(mse).epsilon(1e-6));
  CHECK(TrainingLoss(forward, 0.25, false).item<double>() == doctest::Approx(ce + 0.25 * mse).epsilon(1e-6));
  CHECK(TrainingLoss(forward, 0.25, true).item<double>() == doctest::Approx(mse).epsilon(1e-6));
  const BatchForward only_b = ForwardBatch(policy->lm(), &head, CollateBatch({&*eb}, policy->tokenizer().pad_id()), true);
  CHECK_FALSE(only_b.token_loss.defined());
  CHECK(TrainingLoss(only_b, 0.25, false).item<double>() == doctest::Approx(0.25 * (v + 1) * (v + 1)));
}

// The same masking on a trained-looking (random) network: CE is the mean of -log p over
// exactly the imitated step tokens, recomputed here from the full logits row by row.
TEST_CASE("training loss: CE is the mean over imitated step tokens of a random network") {
  const GptConfig c = LossTestConfig();
  std::unique_ptr<Policy> policy = Policy::Create(c, 7);
  policy->model().eval();
  torch::NoGradGuard no_grad;
  const std::vector<TrainingPath> paths = {{"1+2", {"1+2=3", "The answer is 3"}, true, {}},
                                           {"17-9", {"17-9=8", "The answer is 8"}, true, {}},
                                           {"4*5", {"4*5=21"}, false, {-1.0}}};
  std::vector<TrainingExample> examples;
  for (const TrainingPath& p : paths) examples.push_back(*EncodeTrainingPath(policy->prompt(), p, c.context));
  double sum = 0;
  long count = 0;
  for (const TrainingExample& e : examples) {
    if (!e.imitate) continue;
    const torch::Tensor inputs = torch::tensor(std::vector<int64_t>(e.ids.begin(), e.ids.end() - 1)).unsqueeze(0);
    const torch::Tensor logp = torch::log_softmax(policy->lm().Forward(inputs).logits[0], -1);
    for (size_t t = e.prompt_length; t < e.ids.size(); ++t) {
      sum -= logp[static_cast<int64_t>(t - 1)][e.ids[t]].item<double>();
      ++count;
    }
  }
  std::vector<const TrainingExample*> rows;
  for (const TrainingExample& e : examples) rows.push_back(&e);
  const TokenBatch batch = CollateBatch(rows, policy->tokenizer().pad_id());
  CHECK(batch.target_tokens == count);
  const BatchForward forward = ForwardBatch(policy->lm(), nullptr, batch, true);
  CHECK(forward.token_loss.item<double>() == doctest::Approx(sum / count).epsilon(1e-5));
  CHECK_FALSE(forward.values.defined());
}

}  // TEST_SUITE

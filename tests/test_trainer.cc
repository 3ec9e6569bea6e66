// The trainer: it learns, it resumes to the same weights, and AdamW matches its formula.
#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "policy/adamw.h"
#include "policy/gpt.h"
#include "policy/policy.h"
#include "policy/tensor_io.h"
#include "policy/trainer.h"
#include "tests/test_util.h"

// c10 defines its own CHECK; doctest's must win, so doctest comes after every torch header.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

TrainOptions TinyRun(const std::string& out, long steps) {
  TrainOptions o;
  o.out_dir = out;
  o.config.n_layer = 1;
  o.config.n_head = 2;
  o.config.d_model = 32;
  o.config.d_ff = 64;
  o.config.context = 160;
  o.steps = steps;
  o.batch_tokens = 1024;
  o.pool_size = 64;
  o.lr = 3e-3;
  o.warmup_steps = 2;
  o.eval_every = 0;
  o.save_every = 0;
  o.threads = 1;
  o.seed = 5;
  return o;
}

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

}  // TEST_SUITE

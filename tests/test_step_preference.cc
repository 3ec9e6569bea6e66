// Step-preference pairs for the policy (policy/train/step_preference.h): the pairs file is
// read with exact errors, a pair is scored from the first token where its sides differ with
// the tool's tokens left out, the loss teaches the chosen sibling, and a resumed run with
// pairs reaches the same weights.
#include <cmath>
#include <string>
#include <vector>

#include "core/input_error.h"
#include "datasets/synthetic.h"
#include "policy/model/causal_lm.h"
#include "policy/model/tensor_io.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/train/preference_loss.h"
#include "policy/train/step_preference.h"
#include "policy/train/trainer.h"
#include "tests/test_util.h"
#include "tests/training_fixtures.h"

// c10 defines its own CHECK; doctest's must win, so doctest comes after every torch header.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

GptConfig TinyConfig() { return test::TinyTrainingConfig(); }

TrainOptions TinyRun(const std::string& out, long steps) {
  TrainOptions o = test::TinyTrainingRun(out, steps);
  o.preference_pairs_per_step = 4;
  return o;
}

const char* kQuestion = "Use 2, 6 and 7 to make 15 (each number once; + - * /).";

// Sibling first steps of the question: the right move against wrong ones.
std::vector<StepPreference> Pairs() {
  return {{kQuestion, {}, "<<7+2=9>> left: 6, 9", "<<6+7=13>> left: 2, 13"},
          {kQuestion, {}, "<<7+2=9>> left: 6, 9", "<<7*2=14>> left: 6, 14"},
          {kQuestion, {"<<7+2=9>> left: 6, 9"}, "<<9+6=15>> left: 15", "<<9-6=3>> left: 3"},
          {kQuestion, {"<<7+2=9>> left: 6, 9"}, "<<9+6=15>> left: 15", "<<9*6=54>> left: 54"}};
}

SyntheticOptions CountdownData() {
  SyntheticOptions data;
  data.family = ProblemFamily::kCountdown;
  data.min_difficulty = 1;
  data.max_difficulty = 1;
  data.seed = 3;
  return data;
}

double MeanMargin(const std::string& checkpoint) {
  std::unique_ptr<Policy> policy = Policy::Load(checkpoint);
  std::vector<PreferenceExample> encoded;
  for (const StepPreference& pair : Pairs()) encoded.push_back(*EncodeStepPreference(policy->prompt(), pair, 160));
  const std::vector<double> margins = PreferenceMargins(policy->lm(), encoded, policy->tokenizer().pad_id(), 3);
  double sum = 0;
  for (double m : margins) sum += m;
  return sum / static_cast<double>(margins.size());
}

}  // namespace

TEST_SUITE("step preference") {

TEST_CASE("pairs file: export's records read back; a bad line names the file and the line") {
  test::TempDir dir;
  const std::string good = dir.Write(
      "pairs.jsonl",
      "{\"id\":\"p/0~1\",\"prompt\":\"Q\",\"chosen\":\"a\",\"rejected\":\"b\",\"question\":\"Q?\",\"prefix\":[],"
      "\"chosen_q\":1,\"rejected_q\":-1}\n"
      "{\"chosen\":\"c\",\"rejected\":\"d\",\"question\":\"Q?\",\"prefix\":[\"s1\",\"s2\"]}\n");
  const std::vector<StepPreference> pairs = LoadStepPreferences(good);
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].chosen == "a");
  CHECK(pairs[0].prefix.empty());
  CHECK(pairs[1].prefix == std::vector<std::string>{"s1", "s2"});
  CHECK(pairs[1].rejected == "d");

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"chosen\":\"c\",\"question\":\"Q?\",\"prefix\":[]}", "rejected"},
      {"{\"chosen\":\"c\",\"rejected\":\"d\",\"question\":\"Q?\",\"prefix\":\"s1\"}", "prefix"},
      {"{\"chosen\":\"c\",\"rejected\":\"d\",\"question\":\"Q?\",\"prefix\":[3]}", "prefix[0]"},
      {"{\"chosen\":\"c\",\"rejected\":\"c\",\"question\":\"Q?\",\"prefix\":[]}", "different"},
      {"[1, 2]", "pair object"}};
  for (const auto& [line, expected] : bad) {
    INFO(line);
    const std::string file = dir.Write("bad.jsonl", "{\"chosen\":\"a\",\"rejected\":\"b\",\"question\":\"Q\",\"prefix\":[]}\n" + line + "\n");
    try {
      LoadStepPreferences(file);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.file() == file);
      CHECK(e.line() == 2);
      CHECK(std::string(e.what()).find(expected) != std::string::npos);
    }
  }
  CHECK_THROWS_AS(LoadStepPreferences(dir.Write("empty.jsonl", "")), InputError);
}

TEST_CASE("a pair is scored from its first differing token; the tool's result is not scored") {
  const std::unique_ptr<Policy> policy = Policy::Create(TinyConfig(), 1);
  const PromptFormat& format = policy->prompt();
  const StepPreference pair = Pairs()[0];  // "<<7+2=9>> left: 6, 9" against "<<6+7=13>> left: 2, 13"
  const std::optional<PreferenceExample> e = EncodeStepPreference(format, pair, 160);
  REQUIRE(e.has_value());
  CHECK(e->chosen.ids == format.EncodePrefix(kQuestion, {pair.chosen}));
  CHECK(e->rejected.ids == format.EncodePrefix(kQuestion, {pair.rejected}));
  const size_t prompt = format.EncodePrefix(kQuestion, {}).size();
  // Character tokens: the two steps share "<<", then differ.
  CHECK(e->chosen.scored_from == prompt + 2);
  CHECK(e->rejected.scored_from == prompt + 2);
  // The tool wrote "9>>" and "13>>": those tokens are marked, nothing else is.
  auto marked = [](const ScoredStep& side) {
    long n = 0;
    for (uint8_t w : side.tool_written) n += w;
    return n;
  };
  CHECK(marked(e->chosen) == 3);
  CHECK(marked(e->rejected) == 4);
  CHECK(e->chosen.tool_written[prompt + 6] == 1);  // the '9' after "<<7+2="

  // The same step twice, and a side longer than the context, give no example.
  CHECK_FALSE(EncodeStepPreference(format, {kQuestion, {}, "<<7+2=9>>", "<<7+2=9>>"}, 160).has_value());
  CHECK_FALSE(EncodeStepPreference(format, pair, static_cast<int>(prompt) + 5).has_value());
}

TEST_CASE("the pair loss is softplus(-beta * margin) of the summed scored log-probabilities") {
  const std::unique_ptr<Policy> policy = Policy::Create(TinyConfig(), 2);
  policy->lm().module().eval();
  const PromptFormat& format = policy->prompt();
  const PreferenceExample e = *EncodeStepPreference(format, Pairs()[2], 160);
  torch::NoGradGuard no_grad;
  const PreferenceForward forward = ForwardPreferences(policy->lm(), {&e}, 0.5, policy->tokenizer().pad_id());
  // By hand: each side alone through the model.
  auto side_logprob = [&](const ScoredStep& side) {
    const torch::Tensor ids = torch::tensor(std::vector<int64_t>(side.ids.begin(), side.ids.end() - 1)).unsqueeze(0);
    const torch::Tensor logp = torch::log_softmax(policy->lm().Forward(ids).logits[0], -1);
    double sum = 0;
    for (size_t i = side.scored_from; i < side.ids.size(); ++i) {
      if (!side.tool_written.empty() && side.tool_written[i]) continue;
      sum += logp[static_cast<long>(i - 1)][side.ids[i]].item<double>();
    }
    return sum;
  };
  const double margin = side_logprob(e.chosen) - side_logprob(e.rejected);
  CHECK(forward.margins[0].item<double>() == doctest::Approx(margin).epsilon(1e-5));
  CHECK(forward.loss.item<double>() == doctest::Approx(std::log1p(std::exp(-0.5 * margin))).epsilon(1e-5));
}

TEST_CASE("training with pairs raises the chosen siblings' margin; a resumed run reaches the same weights") {
  test::TempDir dir;
  const auto stream = MakeSyntheticStream(CountdownData());
  PreferenceData preferences;
  preferences.train = Pairs();
  preferences.heldout = Pairs();

  TrainOptions without = TinyRun(dir.path() + "/without", 30);
  without.preference_weight = 0;
  Train(without, *stream, {}, &preferences);
  const TrainResult with = Train(TinyRun(dir.path() + "/with", 30), *stream, {}, &preferences);
  CHECK(with.train_pairs == 4);
  CHECK(with.heldout_pairs == 4);
  CHECK(with.heldout_pair_accuracy == 1.0);
  CHECK(std::isfinite(with.preference_loss));
  CHECK(MeanMargin(dir.path() + "/with") > MeanMargin(dir.path() + "/without") + 2.0);

  TrainOptions first = TinyRun(dir.path() + "/split", 30);
  first.stop_after_steps = 13;
  CHECK(Train(first, *stream, {}, &preferences).steps_done == 13);
  TrainOptions second = TinyRun(dir.path() + "/split", 30);
  second.resume = true;
  CHECK(Train(second, *stream, {}, &preferences).steps_done == 30);
  const auto whole = LoadTensorMap(dir.path() + "/with/model.safetensors");
  const auto split = LoadTensorMap(dir.path() + "/split/model.safetensors");
  REQUIRE(whole.size() == split.size());
  for (const auto& [name, tensor] : whole) {
    INFO(name);
    CHECK(torch::equal(tensor, split.at(name)));
  }
}

}  // TEST_SUITE

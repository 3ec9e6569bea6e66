// Tests of the value head and its data: fresh-head statistics, checkpoint round trip, the
// value positions training reads against those step generation reads, joint training on a
// separable toy set, the frozen backbone, exact resume, AUC / calibration against hand
// computations, loader errors, and the `train` / `eval-value` commands. Tiny models only.
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.h"
#include "core/rng.h"
#include "policy/model/gpt.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/engine/step_generator.h"
#include "policy/train/teacher_forcing.h"
#include "policy/model/tensor_io.h"
#include "policy/train/trainer.h"
#include "mcts/value_records.h"
#include "policy/train/value_evaluation.h"
#include "value/value_eval.h"
#include "value/value_head.h"
#include "tests/test_util.h"

// c10 (torch) defines its own fatal CHECK macro; doctest's must win, so doctest comes after
// every torch header.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

GptConfig TinyConfig(bool tie_embeddings = true) {
  GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = 32;
  c.d_ff = 64;
  c.context = 96;
  c.tie_embeddings = tie_embeddings;
  return c;
}

// Separable toy paths: a correct path says "good" in every step (Q = +0.5, then +1), an
// incorrect one "bad" (Q = -0.5, then -1). Alternating, so both classes are equally common.
std::vector<ValuePathRecord> ToyPaths(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<ValuePathRecord> paths;
  for (int i = 0; i < n; ++i) {
    const int a = static_cast<int>(rng.Uniform(1, 9)), b = static_cast<int>(rng.Uniform(1, 9));
    const bool correct = i % 2 == 0;
    const std::string word = correct ? "good" : "bad";
    ValuePathRecord path;
    path.id = "toy-" + std::to_string(seed) + "-" + std::to_string(i);
    path.question = "Add " + std::to_string(a) + " and " + std::to_string(b) + ".";
    path.steps = {word + " " + std::to_string(a) + "+" + std::to_string(b),
                  word + " The answer is " + std::to_string(a + b)};
    path.q = {correct ? 0.5 : -0.5, correct ? 1.0 : -1.0};
    paths.push_back(path);
  }
  return paths;
}

std::vector<TrainingPath> ToTrainingPaths(const std::vector<ValuePathRecord>& paths, bool imitate_correct) {
  std::vector<TrainingPath> training;
  for (const ValuePathRecord& p : paths) training.push_back(ValueTrainingPath(p, imitate_correct));
  return training;
}

TrainOptions ToyRun(const std::string& out, long steps) {
  TrainOptions o;
  o.out_dir = out;
  o.config = TinyConfig();
  o.seed = 9;
  o.steps = steps;
  o.batch_tokens = 1024;
  o.pool_size = 64;
  o.lr = 3e-3;
  o.warmup_steps = 5;
  o.eval_every = 0;
  o.save_every = 0;
  o.threads = 1;
  o.train_value_head = true;
  // Larger than AlphaMath's 0.01 so the head separates the toy set in a few dozen steps.
  o.value_alpha = 1.0;
  o.log_label = "test";
  return o;
}

// Teacher-forced V at every step end of `path` (the computation training and eval-value use).
std::vector<float> TeacherForcedValues(const Policy& policy, const ValuePathRecord& path) {
  const auto example = EncodeTrainingPath(policy.tokenizer(), ValueTrainingPath(path, false), policy.config().context);
  REQUIRE(example.has_value());
  return TeacherForce(policy.model(), &policy.value_head(), {*example}, policy.tokenizer().pad_id(), 4096)
      .values.at(0);
}

void ExpectTensorsEqual(const std::string& a_path, const std::string& b_path) {
  const auto a = LoadTensorMap(a_path);
  const auto b = LoadTensorMap(b_path);
  REQUIRE(a.size() == b.size());
  for (const auto& [name, tensor] : a) {
    INFO(name);
    CHECK(torch::equal(tensor, b.at(name)));
  }
}

std::string LoaderError(const std::string& content) {
  test::TempDir dir;
  const std::string file = dir.Write("v.jsonl", content);
  try {
    LoadValuePaths(file);
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.rfind(file + ":", 0) == 0);
    return what.substr(file.size());
  }
  FAIL("expected an InputError");
  return "";
}

std::string Steptree(const std::string& args) { return test::Binary() + " " + args; }

// A tiny checkpoint, toy value paths, and `steptree train` run on them once per process.
struct CliFixture {
  CliFixture() {
    Policy::Create(TinyConfig(), 2)->Save(init);
    WriteValuePaths(values, ToyPaths(80, 8));
    const auto r = test::Run(Steptree("train --init " + init + " --values " + values + " --run-dir " + out +
                                      " --steps 3 --batch-tokens 1024 --eval-every 0 --threads 1 --json"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    summary = test::LastJsonObject(r.output);
  }
  test::TempDir dir;
  std::string init = dir.path() + "/init", values = dir.path() + "/v.jsonl", out = dir.path() + "/out";
  nlohmann::json summary;
};

const CliFixture& TrainedByCli() {
  static const CliFixture fixture;
  return fixture;
}

}  // namespace

TEST_SUITE("value") {

TEST_CASE("value head: a fresh head is N(0, 0.02) with zero bias, seeded, and in (-1, 1)") {
  ValueHead head(4096, 0.1, 7);
  head->eval();
  const torch::Tensor w = head->v_head->weight;
  CHECK(w.sizes() == torch::IntArrayRef({1, 4096}));
  CHECK(std::abs(w.mean().item<double>()) < 0.002);
  CHECK(w.std().item<double>() == doctest::Approx(0.02).epsilon(0.05));
  CHECK(head->v_head->bias.item<double>() == 0.0);
  CHECK(torch::equal(w, ValueHead(4096, 0.1, 7)->v_head->weight));
  CHECK_FALSE(torch::equal(w, ValueHead(4096, 0.1, 8)->v_head->weight));

  torch::NoGradGuard no_grad;
  torch::manual_seed(13);
  const torch::Tensor v = head->Forward(torch::randn({3, 5, 4096}) * 100);
  CHECK(v.sizes() == torch::IntArrayRef({3, 5}));
  CHECK(v.abs().max().item<double>() <= 1.0);
  // Dropout acts only in train mode.
  const torch::Tensor h = torch::randn({64, 4096});
  CHECK(torch::equal(head->Forward(h), head->Forward(h)));
  head->train();
  CHECK_FALSE(torch::equal(head->Forward(h), head->Forward(h)));
}

TEST_CASE("value head: checkpoint round trip, and a checkpoint without one loads untrained") {
  test::TempDir dir;
  auto policy = Policy::Create(TinyConfig(), 3);
  CHECK_FALSE(policy->has_trained_value_head());
  policy->Save(dir.path() + "/plain");
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/plain/value_head.safetensors"));
  CHECK_FALSE(Policy::Load(dir.path() + "/plain")->has_trained_value_head());

  {
    torch::NoGradGuard no_grad;
    policy->value_head().v_head->weight.uniform_(-1, 1);
    policy->value_head().v_head->bias.fill_(0.25);
  }
  policy->set_value_head_trained(true);
  policy->Save(dir.path() + "/trained");
  const auto loaded = Policy::Load(dir.path() + "/trained");
  CHECK(loaded->has_trained_value_head());
  CHECK(torch::equal(loaded->value_head().v_head->weight, policy->value_head().v_head->weight));
  CHECK(loaded->value_head().v_head->bias.item<float>() == 0.25f);
}

TEST_CASE("value positions: the last content token of each step") {
  ByteTokenizer tokenizer;
  size_t prompt_length = 0;
  // BOS Q : ' ' a \n | x y \n z EOS
  std::vector<int> ids = EncodeSolution(tokenizer, "a", {"xy", "z"}, &prompt_length);
  CHECK(prompt_length == 6);
  CHECK(StepValuePositions(tokenizer, ids, prompt_length, "\n") == std::vector<size_t>{7, 9});
  // An empty step reads where the previous line ended.
  ids = EncodeSolution(tokenizer, "a", {"", "z"}, &prompt_length);
  CHECK(StepValuePositions(tokenizer, ids, prompt_length, "\n") == std::vector<size_t>{5, 7});
}

TEST_CASE("value positions: a delimiter that spans tokens counts once, at the token that completes it") {
  // Byte tokens with the delimiter "\n\n" (as Llama-2's vocabulary writes it: two tokens).
  ByteTokenizer tokenizer;
  const std::string text = "x\ny\n\nz\n\n\nw";  // steps "x\ny", "z", then "\nw"
  std::vector<int> ids = {ByteTokenizer::kBos, 'Q', '\n'};
  for (unsigned char c : text) ids.push_back(c);
  ids.push_back(ByteTokenizer::kEos);
  // Tokens: 3 x, 4 \n, 5 y, 6 \n, 7 \n (completes), 8 z, 9 \n, 10 \n (completes),
  // 11 \n, 12 w, 13 EOS. V is read just before each completing token and before EOS.
  CHECK(StepValuePositions(tokenizer, ids, 3, "\n\n") == std::vector<size_t>{6, 9, 12});
  // A state ends a step when its last token completes the delimiter.
  CHECK(LastTokenEndsStep(tokenizer, std::vector<int>(ids.begin(), ids.begin() + 8), "\n\n"));
  CHECK_FALSE(LastTokenEndsStep(tokenizer, std::vector<int>(ids.begin(), ids.begin() + 7), "\n\n"));
  CHECK(LastTokenEndsStep(tokenizer, std::vector<int>(ids.begin(), ids.begin() + 11), "\n\n"));
  CHECK_FALSE(LastTokenEndsStep(tokenizer, std::vector<int>(ids.begin(), ids.begin() + 9), "\n\n"));
  // With the one-byte delimiter every newline ends a step, as Tokenizer::EndsStep says.
  CHECK(LastTokenEndsStep(tokenizer, {ByteTokenizer::kBos, 'a', '\n'}, "\n"));
  CHECK_FALSE(LastTokenEndsStep(tokenizer, {ByteTokenizer::kBos, 'a'}, "\n"));
}

TEST_CASE("value positions: training reads V where step generation reads it") {
  // A model that always says "\n" first: then GenerateSteps on (prefix + step k's content)
  // ends the step at once, and its value is V read at step k's last content token, which
  // the teacher-forced path computation must reproduce for every k.
  auto policy = Policy::Create(TinyConfig(/*tie_embeddings=*/false), 11);
  {
    torch::NoGradGuard no_grad;
    auto params = policy->model().named_parameters();
    params["ln_f.bias"][0] = 50.0;  // hidden dimension 0 is ~50 everywhere ...
    torch::Tensor head = params["head.weight"];
    head.index_put_({torch::indexing::Slice(), 0}, 0.0);
    head[static_cast<int>('\n')][0] = 1.0;  // ... and only "\n" reads it
    policy->value_head().v_head->weight[0][0] = 0.0;  // keep V off the constant
    policy->value_head().v_head->bias.fill_(0.1);
  }
  ValuePathRecord path;
  path.question = "What is 3 + 4?";
  path.steps = {"3 + 4 = 7", "so seven", "The answer is 7"};
  path.q = {0.2, 0.4, 1.0};
  const std::vector<float> trained = TeacherForcedValues(*policy, path);
  REQUIRE(trained.size() == 3);

  const Tokenizer& tok = policy->tokenizer();
  std::vector<std::vector<int>> prefixes;
  for (size_t k = 0; k < path.steps.size(); ++k) {
    std::vector<int> prefix = EncodePrefix(tok, path.question, {path.steps.begin(), path.steps.begin() + k});
    const std::vector<int> content = tok.Encode(path.steps[k]);
    prefix.insert(prefix.end(), content.begin(), content.end());
    prefixes.push_back(prefix);
  }
  StepSampling greedy;
  const std::vector<StepCandidate> steps = StepGenerator(*policy).GenerateSteps(prefixes, greedy, {1, 2, 3});
  for (size_t k = 0; k < steps.size(); ++k) {
    INFO("step " << k + 1);
    CHECK(steps[k].end == StepEnd::kStep);
    CHECK(steps[k].text.empty());
    CHECK(steps[k].value == doctest::Approx(trained[k]).epsilon(1e-4));
  }
  // The values differ by step (the check above is not comparing constants).
  CHECK(std::abs(trained[0] - trained[2]) > 1e-4);
}

TEST_CASE("value training: joint training separates good from bad paths") {
  test::TempDir dir;
  const std::vector<ValuePathRecord> train = ToyPaths(160, 1), heldout = ToyPaths(40, 2);
  const TrainOptions options = ToyRun(dir.path() + "/joint", 60);
  const ValueReport before = EvaluateValues(*Policy::Create(options.config, options.seed), heldout);

  const auto stream = MakeFileStream(ToTrainingPaths(train, true), options.seed, {{"source", "toy"}});
  const TrainResult result = Train(options, *stream, ToTrainingPaths(heldout, true));
  CHECK(result.steps_done == 60);
  CHECK(result.tokens > 0);
  CHECK(result.value_targets > 0);
  CHECK(result.heldout_value_paths == 40);
  CHECK(std::isfinite(result.heldout_loss));  // correct held-out paths are imitated

  const auto trained = Policy::Load(dir.path() + "/joint");
  CHECK(trained->has_trained_value_head());
  const ValueReport after = EvaluateValues(*trained, heldout);
  MESSAGE("held-out value MSE " << before.mse << " -> " << after.mse << ", AUC " << before.auc << " -> "
                                << after.auc);
  CHECK(after.mse < 0.25 * before.mse);
  CHECK(after.auc > 0.98);
  CHECK(result.heldout_value_mse == doctest::Approx(after.mse).epsilon(1e-4));
  CHECK(result.heldout_value_auc == doctest::Approx(after.auc));
  // The same run again gives the same weights.
  Train(ToyRun(dir.path() + "/again", 60), *stream, {});
  ExpectTensorsEqual(dir.path() + "/joint/model.safetensors", dir.path() + "/again/model.safetensors");
  ExpectTensorsEqual(dir.path() + "/joint/value_head.safetensors", dir.path() + "/again/value_head.safetensors");
}

TEST_CASE("value training: a frozen backbone stays bit-identical while the head learns") {
  test::TempDir dir;
  Policy::Create(TinyConfig(), 4)->Save(dir.path() + "/init");
  TrainOptions options = ToyRun(dir.path() + "/frozen", 30);
  options.init_dir = dir.path() + "/init";
  options.freeze_backbone = true;
  options.lr = 2e-2;
  const std::vector<ValuePathRecord> paths = ToyPaths(64, 3);
  const auto stream = MakeFileStream(ToTrainingPaths(paths, true), options.seed, {{"source", "toy"}});
  const TrainResult result = Train(options, *stream, ToTrainingPaths(ToyPaths(16, 4), true));
  CHECK(result.tokens == 0);  // no cross-entropy at all
  CHECK(std::isnan(result.train_loss));
  CHECK(result.value_targets > 0);

  ExpectTensorsEqual(dir.path() + "/init/model.safetensors", dir.path() + "/frozen/model.safetensors");
  const auto before = Policy::Load(dir.path() + "/init");
  const auto after = Policy::Load(dir.path() + "/frozen");
  CHECK(after->has_trained_value_head());
  CHECK_FALSE(torch::equal(before->value_head().v_head->weight, after->value_head().v_head->weight));
  CHECK(EvaluateValues(*after, paths).mse < EvaluateValues(*before, paths).mse);
}

TEST_CASE("value training: an interrupted joint run resumes to the same weights") {
  test::TempDir dir;
  const auto stream = MakeFileStream(ToTrainingPaths(ToyPaths(48, 5), true), 9, {{"source", "toy"}});
  Train(ToyRun(dir.path() + "/whole", 8), *stream, {});
  TrainOptions first = ToyRun(dir.path() + "/split", 8);
  first.stop_after_steps = 3;
  CHECK(Train(first, *stream, {}).steps_done == 3);
  TrainOptions second = ToyRun(dir.path() + "/split", 8);
  second.resume = true;
  CHECK(Train(second, *stream, {}).steps_done == 8);
  ExpectTensorsEqual(dir.path() + "/whole/model.safetensors", dir.path() + "/split/model.safetensors");
  ExpectTensorsEqual(dir.path() + "/whole/value_head.safetensors", dir.path() + "/split/value_head.safetensors");
}

TEST_CASE("value metrics: AUC against hand-computed examples, ties count one half") {
  // Pairs (positive, negative): (0.35, 0.1) win, (0.35, 0.4) loss, (0.8, *) two wins: 3/4.
  CHECK(AreaUnderRoc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}) == doctest::Approx(0.75));
  // Positives {2, 3}, negatives {1, 2}: 1 + 0.5 + 1 + 1 = 3.5 of 4.
  CHECK(AreaUnderRoc({1, 2, 2, 3}, {false, true, false, true}) == doctest::Approx(0.875));
  CHECK(AreaUnderRoc({0.5, 0.5}, {true, false}) == doctest::Approx(0.5));
  CHECK(AreaUnderRoc({0.9, 0.8, 0.1}, {true, true, false}) == doctest::Approx(1.0));
  CHECK(AreaUnderRoc({0.9, 0.8, 0.1}, {false, false, true}) == doctest::Approx(0.0));
  CHECK(std::isnan(AreaUnderRoc({0.1, 0.2}, {true, true})));
  CHECK(std::isnan(AreaUnderRoc({}, {})));
}

TEST_CASE("value metrics: the within-question AUC ignores what only tells questions apart") {
  // Question a (easy): every value high; b (hard): every value low. Pooled, V separates the
  // outcomes almost perfectly, but inside each question it ranks the wrong path first.
  // c (hard) only ends wrong, d (easy) only right.
  const std::vector<std::string> questions = {"a", "a", "a", "b", "b", "c", "c", "d"};
  const std::vector<double> values = {0.9, 0.8, 0.95, -0.5, -0.4, -0.9, -0.8, 0.85};
  const std::vector<bool> correct = {true, true, false, true, false, false, false, true};
  long mixed = 0;
  // a: positives {0.9, 0.8} vs negative 0.95 -> 0; b: -0.5 vs -0.4 -> 0; c, d: one class.
  CHECK(WithinQuestionAuc(questions, values, correct, &mixed) == doctest::Approx(0.0));
  CHECK(mixed == 2);
  // Pooled: 11 of 16 pairs ranked right.
  CHECK(AreaUnderRoc(values, correct) == doctest::Approx(11.0 / 16));
  const std::vector<double> right = {0.9, 0.8, 0.1, -0.5, -0.9, -0.9, -0.8, 0.85};
  CHECK(WithinQuestionAuc(questions, right, correct) == doctest::Approx(1.0));
  CHECK(std::isnan(WithinQuestionAuc({"x"}, {0.3}, {true})));
}

TEST_CASE("value metrics: the depth-matched AUC pairs same-question, same-depth states, each state once") {
  // Question q: paths A (right) and B (wrong) share step 1; C (wrong) differs at step 1.
  // Depth 1: states "s" (right: A passes through it, V 0.2) and "t" (wrong, V 0.5): one
  // pair, ordered wrong. Depth 2: "s,a" (right, V 0.9) vs "s,b" (wrong, 0.1) and "t,c"
  // (wrong, 0.95): 2 pairs, one ordered right. Question r has right paths only.
  const std::string q = "q", r = "r";
  const std::vector<std::string> a = {"s", "a"}, b = {"s", "b"}, c = {"t", "c"}, d = {"x"};
  const std::vector<float> va = {0.2f, 0.9f}, vb = {0.2f, 0.1f}, vc = {0.5f, 0.95f}, vd = {-0.9f};
  const std::vector<ScoredPath> paths = {{&q, &a, &va, true}, {&q, &b, &vb, false}, {&q, &c, &vc, false},
                                         {&r, &d, &vd, true}};
  long pairs = 0;
  CHECK(DepthMatchedAuc(paths, &pairs) == doctest::Approx(1.0 / 3));
  CHECK(pairs == 3);
  // With C's states valued low, every pair is ordered right.
  const std::vector<float> vc_low = {0.1f, 0.05f};
  const std::vector<ScoredPath> better = {{&q, &a, &va, true}, {&q, &b, &vb, false}, {&q, &c, &vc_low, false}};
  CHECK(DepthMatchedAuc(better, &pairs) == doctest::Approx(1.0));
  CHECK(std::isnan(DepthMatchedAuc({{&r, &d, &vd, true}}, &pairs)));
  CHECK(pairs == 0);
}

TEST_CASE("value metrics: calibration bins, ECE, MSE and depths by hand") {
  // Binary-exact values, so no p sits on a bin edge by rounding.
  std::vector<PrefixValue> prefixes = {
      // depth, V, Q, correct      p = (V + 1) / 2
      {1, 0.75, 0.5, true},      // 0.875 -> bin 8
      {1, -0.75, -0.5, false},   // 0.125 -> bin 1
      {2, 1.0, 1.0, true},       // 1.0   -> bin 9 (the last bin is closed)
      {2, 0.5, -1.0, false},     // 0.75  -> bin 7
      {9, 0.0, 1.0, true},       // 0.5   -> bin 5; depth 9 reports as "8+"
  };
  const ValueReport report = ScorePrefixValues(prefixes, 3);
  CHECK(report.n_paths == 3);
  CHECK(report.n_prefixes == 5);
  CHECK(report.positive_share == doctest::Approx(0.6));
  CHECK(report.mse == doctest::Approx((0.0625 + 0.0625 + 0 + 2.25 + 1) / 5));
  REQUIRE(report.calibration.size() == 10);
  CHECK(report.calibration[9].count == 1);
  CHECK(report.calibration[9].mean_predicted == doctest::Approx(1.0));
  CHECK(report.calibration[9].observed == doctest::Approx(1.0));
  CHECK(report.calibration[7].observed == doctest::Approx(0.0));
  CHECK(report.calibration[0].count == 0);
  CHECK(std::isnan(report.calibration[0].mean_predicted));
  // ECE = (|0.875 - 1| + |0.125 - 0| + |1 - 1| + |0.75 - 0| + |0.5 - 1|) / 5, one prefix per bin.
  CHECK(report.ece == doctest::Approx(1.5 / 5));
  // Positives {0.75, 1.0, 0.0} against negatives {-0.75, 0.5}: 5 of 6 pairs won.
  CHECK(report.auc == doctest::Approx(5.0 / 6));
  REQUIRE(report.by_depth.size() == 3);
  CHECK(report.by_depth[0].depth == "1");
  CHECK(report.by_depth[0].auc == doctest::Approx(1.0));
  CHECK(report.by_depth[1].auc == doctest::Approx(1.0));
  CHECK(report.by_depth[2].depth == "8+");
  CHECK(std::isnan(report.by_depth[2].auc));  // one class only

  const nlohmann::json json = ValueReportToJson(report);
  for (const char* key : {"n_paths", "n_prefixes", "auc", "auc_by_depth", "ece", "mse", "calibration"}) {
    CHECK_MESSAGE(json.contains(key), key);
  }
  CHECK(json["auc_by_depth"]["8+"].is_null());
  CHECK(json["calibration"][0]["mean_predicted"].is_null());
  CHECK(json["calibration"][9]["count"] == 1);
  CHECK(std::isnan(ScorePrefixValues({}, 0).auc));
}

TEST_CASE("value data: write and load round trip") {
  test::TempDir dir;
  const std::vector<ValuePathRecord> paths = ToyPaths(5, 7);
  WriteValuePaths(dir.path() + "/v.jsonl", paths);
  const std::vector<ValuePathRecord> loaded = LoadValuePaths(dir.path() + "/v.jsonl");
  REQUIRE(loaded.size() == paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    CHECK(loaded[i].id == paths[i].id);
    CHECK(loaded[i].question == paths[i].question);
    CHECK(loaded[i].steps == paths[i].steps);
    CHECK(loaded[i].q == paths[i].q);
  }
  // "id" is optional; integer ids read as text.
  const auto bare = LoadValuePaths(dir.Write("bare.jsonl",
                                             "\n{\"question\": \"q\", \"steps\": [{\"step\": \"s\", \"Q\": 1}]}\n"
                                             "{\"id\": 4, \"question\": \"q\", \"steps\": [{\"step\": \"\", \"Q\": -1}]}\n"));
  CHECK(bare[0].id == "path-2");
  CHECK(bare[1].id == "4");
  CHECK_FALSE(bare[1].correct());
}

TEST_CASE("value data: every bad line is an error naming the line and what was expected") {
  const std::string good = R"({"question": "q", "steps": [{"step": "a", "Q": 0.5}, {"step": "b", "Q": 1}]})" "\n";
  CHECK(LoaderError(good + R"({"question": "q", "steps": [{"step": "a", "Q": 1.5}, {"step": "b", "Q": 1}]})") ==
        ":2: expected steps[0].Q in [-1, 1], found 1.5");
  CHECK(LoaderError(good + R"({"question": "q", "steps": [{"step": "a", "Q": 0.5}, {"step": "b", "Q": 0.5}]})") ==
        ":2: expected steps[1].Q (the last step: the path's outcome) to be +1 or -1, found 0.5");
  CHECK(LoaderError(good + R"({"steps": [{"step": "b", "Q": 1}]})") ==
        ":2: expected field \"question\", it is missing");
  CHECK(LoaderError(good + R"({"question": "q", "steps": []})") ==
        ":2: expected field \"steps\" to be a non-empty array of {\"step\", \"Q\"}, found an empty array");
  CHECK(LoaderError(good + R"({"question": "q", "steps": [{"step": "b", "Q": "1"}]})") ==
        ":2: expected steps[0].Q to be a number in [-1, 1]");
  CHECK(LoaderError(good + R"({"question": "q", "steps": [{"text": "b", "Q": 1}]})") ==
        ":2: expected steps[0].step to be a string");
  CHECK(LoaderError(good + R"({"question": "q", "steps": ["b"]})") ==
        ":2: expected steps[0] to be an object {\"step\", \"Q\"}, found string");
  CHECK(LoaderError(good + R"({"question": " ", "steps": [{"step": "b", "Q": 1}]})") ==
        ":2: expected field \"question\" to hold a question, found an empty string");
  CHECK(LoaderError(good + "[1]") == ":2: expected a JSON object, found array");
  CHECK(LoaderError("") == ": expected at least one JSON record, the file is empty");
}

TEST_CASE("value cli: train writes a value head and prints its JSON summary, bad input exits 2" * doctest::test_suite("runs-binary")) {
  const CliFixture& f = TrainedByCli();
  for (const char* key : {"steps", "train_loss", "value_loss", "heldout_loss", "heldout_value_mse",
                          "heldout_value_auc", "heldout_paths", "train_paths", "tokens", "value_targets",
                          "seconds", "skipped_too_long", "out"}) {
    CHECK_MESSAGE(f.summary.contains(key), key);
  }
  CHECK(f.summary["steps"] == 3);
  CHECK(f.summary["train_paths"].get<long>() + f.summary["heldout_paths"].get<long>() == 80);
  CHECK(std::filesystem::exists(f.out + "/value_head.safetensors"));

  CHECK(test::Run(Steptree("train --help")).exit_code == 0);
  const std::string bad = f.dir.Write("bad.jsonl", R"({"question": "q", "steps": [{"step": "a", "Q": 2}]})" "\n");
  const auto r = test::Run(Steptree("train --init " + f.init + " --values " + bad + " --run-dir " + f.out + "2"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(bad + ":1: expected steps[0].Q in [-1, 1]") != std::string::npos);
  CHECK(test::Run(Steptree("train --init " + f.init + " --run-dir " + f.out + "2")).exit_code == 2);
  CHECK(test::Run(Steptree("train --init " + f.init + " --values " + f.values + " --freeze-backbone --sft " +
                           f.values + " --run-dir " + f.out + "2"))
            .exit_code == 2);
}

TEST_CASE("value cli: eval-value prints the report, warns on an untrained head, bad input exits 2" * doctest::test_suite("runs-binary")) {
  const CliFixture& f = TrainedByCli();
  auto r = test::Run(Steptree("eval-value --model " + f.out + " --data " + f.values + " --threads 1 --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json report = test::LastJsonObject(r.output);
  for (const char* key : {"n_paths", "n_prefixes", "auc", "auc_by_depth", "ece", "mse", "calibration"}) {
    CHECK_MESSAGE(report.contains(key), key);
  }
  CHECK(report["n_paths"] == 80);
  CHECK(report["n_prefixes"] == 160);
  CHECK(report["calibration"].size() == 10);
  CHECK(r.output.find("warning") == std::string::npos);

  r = test::Run(Steptree("eval-value --model " + f.init + " --data " + f.values + " --threads 1"));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("no trained value head") != std::string::npos);
  CHECK(r.output.find("AUC") != std::string::npos);

  const std::string bad = f.dir.Write("bad-eval.jsonl", "{\"question\": \"q\", \"steps\": []}\n");
  r = test::Run(Steptree("eval-value --model " + f.out + " --data " + bad));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(bad + ":1: expected field \"steps\"") != std::string::npos);
  CHECK(test::Run(Steptree("eval-value --model " + f.out)).exit_code == 2);
}

}  // TEST_SUITE

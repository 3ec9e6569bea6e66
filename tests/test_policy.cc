// Tests of the built-in GPT policy: KV-cached decoding against full recomputation,
// batch-invariant generation, sampling transforms, stopping rules, checkpoints and their
// validation, config JSON. All on tiny models so the suite stays fast (throughput is
// `steptree bench`'s, not a test's).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>

#include "core/input_error.h"
#include "policy/model/attention.h"
#include "policy/model/gpt.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/engine/sampling.h"
#include "policy/engine/step_generator.h"
#include "policy/model/tensor_io.h"
#include "tests/test_util.h"

// c10 (torch) defines its own fatal CHECK macro; doctest's must win, so doctest comes after
// every torch header.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

GptConfig TinyConfig(const std::string& positions = "rope", bool tie = true) {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.d_model = 32;
  c.d_ff = 64;
  c.context = 64;
  c.positions = positions;
  c.tie_embeddings = tie;
  return c;
}

std::vector<int> RandomIds(int length, uint64_t seed) {
  Rng rng(seed);
  std::vector<int> ids;
  for (int i = 0; i < length; ++i) ids.push_back(static_cast<int>(rng.Uniform(0, 258)));
  return ids;
}

torch::Tensor ToTensor(const std::vector<int>& ids) {
  return torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);
}

// Logits of every position of one sequence run alone through the training path.
torch::Tensor FullLogits(GptImpl& model, const std::vector<int>& ids) {
  torch::NoGradGuard no_grad;
  return model.Forward(ToTensor(ids)).logits[0];
}

double MaxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

template <typename F>
void ExpectInputError(F&& f, const std::string& file) {
  try {
    f();
    FAIL("expected an InputError naming " << file);
  } catch (const InputError& e) {
    CHECK_MESSAGE(e.file() == file, e.what());
    CHECK(std::string(e.what()).rfind(file, 0) == 0);
  }
}

// Trains a tiny model to continue "Q: x\n" with "ab\ncd\nef" EOS (a few hundred ms).
std::unique_ptr<Policy> MemorisingPolicy(std::vector<int>* prefix) {
  auto policy = Policy::Create(TinyConfig(), 3);
  const Tokenizer& tok = policy->tokenizer();
  size_t prompt_length = 0;
  std::vector<int> seq = EncodeSolution(tok, "x", {"ab", "cd", "ef"}, &prompt_length);
  *prefix = std::vector<int>(seq.begin(), seq.begin() + static_cast<long>(prompt_length));
  GptImpl& model = policy->model();
  model.train();
  torch::optim::AdamW opt(model.parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0));
  torch::Tensor ids = ToTensor(seq);
  for (int step = 0; step < 150; ++step) {
    torch::Tensor logits = model.Forward(ids).logits;
    const int64_t t = ids.size(1);
    torch::Tensor loss = torch::cross_entropy_loss(logits[0].narrow(0, 0, t - 1), ids[0].narrow(0, 1, t - 1));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  model.eval();
  return policy;
}

}  // namespace

TEST_SUITE("policy") {

TEST_CASE("gpt config json round trip and validation") {
  GptConfig c = TinyConfig("learned", false);
  c.rope_theta = 500.f;
  c.dropout = 0.1f;
  GptConfig back = GptConfig::FromJson(c.ToJson(), "cfg.json");
  CHECK(back.ToJson() == c.ToJson());
  nlohmann::json with_training = c.ToJson();
  with_training["training"] = {{"steps", 3}};
  CHECK_NOTHROW(GptConfig::FromJson(with_training, "cfg.json"));

  auto rejects = [](nlohmann::json j, const std::string& needle) {
    try {
      GptConfig::FromJson(j, "cfg.json");
      FAIL("accepted " << j.dump());
    } catch (const InputError& e) {
      CHECK(e.file() == "cfg.json");
      CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  nlohmann::json j = c.ToJson();
  j.erase("n_head");
  rejects(j, "n_head");
  j = c.ToJson();
  j["d_model"] = "32";
  rejects(j, "d_model");
  j = c.ToJson();
  j["n_head"] = 5;
  rejects(j, "divisible");
  j = c.ToJson();
  j["positions"] = "alibi";
  rejects(j, "positions");
  j = c.ToJson();
  j["architecture"] = "llama";
  rejects(j, "architecture");
  j = c.ToJson();
  j["n_layers"] = 2;
  rejects(j, "n_layers");
  j = c.ToJson();
  j["n_layer"] = 0;
  rejects(j, "n_layer");
  j = c.ToJson();
  j["tie_embeddings"] = 1;
  rejects(j, "tie_embeddings");
  j = c.ToJson();
  j["positions"] = "rope";
  j["n_head"] = 32;  // head width 1: odd
  rejects(j, "even");
  rejects(nlohmann::json::array(), "object");
}

TEST_CASE("parameter names, count and seeded initialisation") {
  auto a = Policy::Create(TinyConfig(), 7);
  auto b = Policy::Create(TinyConfig(), 7);
  auto c = Policy::Create(TinyConfig(), 8);
  const auto pa = a->model().named_parameters();
  CHECK(pa.contains("tok_emb.weight"));
  CHECK(pa.contains("blocks.1.attn.qkv.weight"));
  CHECK(pa.contains("blocks.0.mlp.proj.bias"));
  CHECK(pa.contains("ln_f.weight"));
  CHECK_FALSE(pa.contains("head.weight"));
  CHECK_FALSE(pa.contains("pos_emb.weight"));
  // 259*32 + 2 * (2*32*2 + 32*96+96 + 32*32+32 + 32*64+64 + 64*32+32) + 2*32
  CHECK(a->num_parameters() == 259 * 32 + 2 * (128 + 3168 + 1056 + 2112 + 2080) + 64);
  for (const auto& item : pa) {
    CHECK(torch::equal(item.value(), b->model().named_parameters()[item.key()]));
  }
  CHECK_FALSE(torch::equal(pa["tok_emb.weight"], c->model().named_parameters()["tok_emb.weight"]));
  auto untied = Policy::Create(TinyConfig("learned", false), 1);
  CHECK(untied->model().named_parameters().contains("head.weight"));
  CHECK(untied->model().named_parameters().contains("pos_emb.weight"));
}

TEST_CASE("kv-cached decoding equals full recomputation") {
  for (const std::string positions : {"rope", "learned"}) {
    CAPTURE(positions);
    auto policy = Policy::Create(TinyConfig(positions), 11);
    GptImpl& model = policy->model();
    const std::vector<int> lengths = {5, 12, 1, 9, 12};
    std::vector<std::vector<int>> prefixes;
    for (size_t i = 0; i < lengths.size(); ++i) prefixes.push_back(RandomIds(lengths[i], 100 + i));
    KvCache cache;
    GptOutput out = model.Prefill(prefixes, 16, &cache);  // small capacity: decoding must grow it
    REQUIRE(out.logits.sizes() == torch::IntArrayRef({5, 259}));
    REQUIRE(out.hidden.sizes() == torch::IntArrayRef({5, 32}));
    std::vector<std::vector<int>> seqs = prefixes;
    for (size_t i = 0; i < seqs.size(); ++i) {
      torch::Tensor full = FullLogits(model, seqs[i]);
      CHECK(MaxDiff(out.logits[i], full[lengths[i] - 1]) < 1e-4);
    }
    // Decode 8 tokens one at a time, then 3 at once through Extend.
    for (int step = 0; step < 8; ++step) {
      std::vector<int64_t> next;
      for (size_t i = 0; i < seqs.size(); ++i) {
        next.push_back((step * 37 + static_cast<int>(i) * 11) % 259);
        seqs[i].push_back(static_cast<int>(next.back()));
      }
      GptOutput o = model.Decode(torch::tensor(next, torch::kInt64), &cache);
      for (size_t i = 0; i < seqs.size(); ++i) {
        torch::Tensor full = FullLogits(model, seqs[i]);
        CHECK(MaxDiff(o.logits[i], full[static_cast<int64_t>(seqs[i].size()) - 1]) < 1e-4);
      }
    }
    torch::Tensor block = torch::randint(0, 259, {5, 3}, torch::kInt64);
    GptOutput o = model.Extend(block, &cache);
    for (size_t i = 0; i < seqs.size(); ++i) {
      for (int j = 0; j < 3; ++j) seqs[i].push_back(static_cast<int>(block[i][j].item<int64_t>()));
      torch::Tensor full = FullLogits(model, seqs[i]);
      const int64_t len = static_cast<int64_t>(seqs[i].size());
      CHECK(MaxDiff(o.logits[i], full.narrow(0, len - 3, 3)) < 1e-4);
    }
    // Compaction keeps rows intact.
    cache.SelectRows(torch::tensor(std::vector<int64_t>{3, 0}, torch::kInt64));
    GptOutput c = model.Decode(torch::tensor(std::vector<int64_t>{42, 43}, torch::kInt64), &cache);
    seqs[3].push_back(42);
    seqs[0].push_back(43);
    CHECK(MaxDiff(c.logits[0], FullLogits(model, seqs[3])[static_cast<int64_t>(seqs[3].size()) - 1]) < 1e-4);
    CHECK(MaxDiff(c.logits[1], FullLogits(model, seqs[0])[static_cast<int64_t>(seqs[0].size()) - 1]) < 1e-4);
  }
}

TEST_CASE("fused self-attention matches a plain autograd reference, values and gradients") {
  torch::manual_seed(11);
  const int64_t b = 3, t = 7, h = 2, d = 8;
  torch::Tensor causal = torch::zeros({t, t}).masked_fill_(torch::ones({t, t}, torch::kBool).triu(1),
                                                           -std::numeric_limits<float>::infinity());
  torch::Tensor angle = torch::rand({t, 2, 1, d / 2});
  torch::Tensor cos = torch::cat({angle.cos(), angle.cos()}, -1);
  torch::Tensor sin = torch::cat({-angle.sin(), angle.sin()}, -1);
  for (bool rope : {true, false}) {
    CAPTURE(rope);
    torch::Tensor x = torch::randn({b, t, 3, h, d}, torch::requires_grad());
    torch::Tensor g = torch::randn({b, t, h, d});
    const double alpha = rope ? 1.0 : 0.35;
    torch::Tensor y = SelfAttention(x, rope ? cos : torch::Tensor(), rope ? sin : torch::Tensor(), causal, alpha);
    torch::Tensor dx = torch::autograd::grad({y}, {x}, {g})[0];

    torch::Tensor xr = x.detach().clone().requires_grad_(true);
    torch::Tensor q = xr.select(2, 0), k = xr.select(2, 1), v = xr.select(2, 2);
    if (rope) {
      auto rot = [&](const torch::Tensor& z, int i) {
        torch::Tensor sw = torch::cat({z.narrow(-1, d / 2, d / 2), z.narrow(-1, 0, d / 2)}, -1);
        return z * cos.select(1, i) + sw * sin.select(1, i);
      };
      q = rot(q, 0);
      k = rot(k, 1);
    }
    torch::Tensor s = torch::matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-2, -1)) * alpha + causal;
    torch::Tensor yr = torch::matmul(torch::softmax(s, -1), v.transpose(1, 2)).transpose(1, 2);
    torch::Tensor dxr = torch::autograd::grad({yr}, {xr}, {g})[0];
    CHECK(MaxDiff(y, yr) < 1e-5);
    CHECK(MaxDiff(dx, dxr) < 1e-4);
  }
  MESSAGE("direct BLAS products: " << std::string(HaveDirectGemm() ? "yes" : "no (torch::matmul fallback)"));
}

TEST_CASE("chunked prefill of many rows matches the right-padded training forward") {
  auto policy = Policy::Create(TinyConfig(), 5);
  GptImpl& model = policy->model();
  std::vector<std::vector<int>> prefixes;
  for (int i = 0; i < 420; ++i) prefixes.push_back(RandomIds(1 + (i * 7) % 60, 1000 + i));  // > 16k tokens
  KvCache cache;
  GptOutput out = model.Prefill(prefixes, 64, &cache);
  torch::Tensor ids = torch::zeros({420, 60}, torch::kInt64);
  for (int i = 0; i < 420; ++i) {
    for (size_t j = 0; j < prefixes[i].size(); ++j) ids[i][static_cast<int64_t>(j)] = prefixes[i][j];
  }
  torch::NoGradGuard no_grad;
  torch::Tensor full = model.Forward(ids).logits;
  double worst = 0;
  for (int i = 0; i < 420; ++i) {
    worst = std::max(worst, MaxDiff(out.logits[i], full[i][static_cast<int64_t>(prefixes[i].size()) - 1]));
  }
  CHECK(worst < 1e-4);
}

TEST_CASE("generated steps do not depend on the batch") {
  auto policy = Policy::Create(TinyConfig(), 21);
  StepGenerator gen(*policy);
  std::vector<std::vector<int>> prefixes;
  for (int i = 0; i < 6; ++i) prefixes.push_back(RandomIds(3 + 5 * i, 300 + i));
  prefixes.push_back(prefixes[2]);  // a duplicate prefix (prefilled once)
  std::vector<uint64_t> seeds = {1, 2, 3, 4, 5, 6, 77};
  StepSampling greedy;
  greedy.max_step_tokens = 12;
  StepSampling sampled = greedy;
  sampled.temperature = 1.f;
  sampled.top_p = 0.95f;
  for (const StepSampling& params : {greedy, sampled}) {
    CAPTURE(params.temperature);
    Budget stats;
    std::vector<StepCandidate> batch = gen.GenerateSteps(prefixes, params, seeds, &stats);
    REQUIRE(batch.size() == prefixes.size());
    long prefix_tokens = 0;
    for (size_t i = 0; i + 1 < prefixes.size(); ++i) prefix_tokens += static_cast<long>(prefixes[i].size());
    CHECK(stats.prefill_tokens == prefix_tokens);
    long generated = 0;
    for (const auto& s : batch) generated += static_cast<int>(s.token_ids.size());
    CHECK(stats.generated_tokens == generated);
    CHECK(stats.forward_calls >= 2);
    for (size_t i = 0; i < prefixes.size(); ++i) {
      std::vector<StepCandidate> alone = gen.GenerateSteps({prefixes[i]}, params, {seeds[i]});
      CHECK(alone[0].token_ids == batch[i].token_ids);
      CHECK(alone[0].logprob_sum == doctest::Approx(batch[i].logprob_sum).epsilon(1e-5));
      CHECK(alone[0].end == batch[i].end);
    }
  }
}

TEST_CASE("rows finishing at different times (compaction) match rows run alone") {
  auto policy = Policy::Create(TinyConfig(), 31);
  StepGenerator gen(*policy);
  std::vector<std::vector<int>> prefixes;
  std::vector<uint64_t> seeds;
  for (int i = 0; i < 8; ++i) {
    prefixes.push_back(RandomIds(30 + 4 * i, 500 + i));  // reach the 64-token context at different times
    seeds.push_back(40 + i);
  }
  StepSampling params;
  params.temperature = 1.f;
  params.max_step_tokens = 40;
  Budget stats;
  auto batch = gen.GenerateSolutions(prefixes, params, seeds, 3, &stats);
  long generated = 0;
  int reached_context = 0;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    auto alone = gen.GenerateSolutions({prefixes[i]}, params, {seeds[i]}, 3);
    REQUIRE(alone[0].size() == batch[i].size());
    int tokens = 0;
    for (size_t k = 0; k < batch[i].size(); ++k) {
      CHECK(alone[0][k].token_ids == batch[i][k].token_ids);
      CHECK(alone[0][k].end == batch[i][k].end);
      tokens += static_cast<int>(batch[i][k].token_ids.size());
    }
    generated += tokens;
    const StepCandidate& last = batch[i].back();
    if (last.end == StepEnd::kContext) {
      CHECK(static_cast<int>(prefixes[i].size()) + tokens == 64);
      ++reached_context;
    }
    CHECK(static_cast<int>(prefixes[i].size()) + tokens <= 64);
  }
  CHECK(stats.generated_tokens == generated);
  CHECK(reached_context >= 1);
}

TEST_CASE("sampled steps: reproducible, seed-dependent, top-k 1 and tiny top-p are greedy") {
  auto policy = Policy::Create(TinyConfig("learned"), 4);
  StepGenerator gen(*policy);
  const std::vector<std::vector<int>> prefixes = {RandomIds(10, 1), RandomIds(4, 2)};
  StepSampling params;
  params.temperature = 1.f;
  params.max_step_tokens = 16;
  auto a = gen.GenerateSteps(prefixes, params, {5, 6});
  auto b = gen.GenerateSteps(prefixes, params, {5, 6});
  auto c = gen.GenerateSteps(prefixes, params, {8, 9});
  for (int i = 0; i < 2; ++i) {
    CHECK(a[i].token_ids == b[i].token_ids);
    CHECK(a[i].token_ids != c[i].token_ids);
  }
  StepSampling greedy;
  greedy.max_step_tokens = 16;
  auto g = gen.GenerateSteps(prefixes, greedy, {5, 6});
  StepSampling k1 = params;
  k1.top_k = 1;
  StepSampling p0 = params;
  p0.top_p = 1e-6f;
  auto gk = gen.GenerateSteps(prefixes, k1, {5, 6});
  auto gp = gen.GenerateSteps(prefixes, p0, {5, 6});
  for (int i = 0; i < 2; ++i) {
    CHECK(gk[i].token_ids == g[i].token_ids);
    CHECK(gp[i].token_ids == g[i].token_ids);
  }
}

TEST_CASE("logprob_sum equals the sum recomputed from a full forward") {
  auto policy = Policy::Create(TinyConfig(), 9);
  StepGenerator gen(*policy);
  const std::vector<int> prefix = RandomIds(7, 3);
  StepSampling params;
  params.temperature = 0.8f;
  params.top_k = 50;
  params.max_step_tokens = 20;
  StepCandidate step = gen.GenerateSteps({prefix}, params, {12})[0];
  std::vector<int> seq = prefix;
  seq.insert(seq.end(), step.token_ids.begin(), step.token_ids.end());
  torch::Tensor logp = torch::log_softmax(FullLogits(policy->model(), seq), -1);
  double sum = 0;
  for (size_t j = 0; j < step.token_ids.size(); ++j) {
    sum += logp[static_cast<int64_t>(prefix.size() + j - 1)][step.token_ids[j]].item<double>();
  }
  CHECK(step.logprob_sum == doctest::Approx(sum).epsilon(1e-4));
}

TEST_CASE("steps stop at the delimiter, EOS, the step length and the context") {
  std::vector<int> prefix;
  auto policy = MemorisingPolicy(&prefix);
  const Tokenizer& tok = policy->tokenizer();
  StepGenerator gen(*policy);
  StepSampling greedy;
  std::vector<std::vector<StepCandidate>> sol = gen.GenerateSolutions({prefix}, greedy, {0}, 10);
  REQUIRE(sol[0].size() == 3);
  CHECK(sol[0][0].text == "ab");
  CHECK(sol[0][0].token_ids == std::vector<int>({'a', 'b', '\n'}));
  CHECK(sol[0][0].end == StepEnd::kStep);
  CHECK(sol[0][1].text == "cd");
  CHECK(sol[0][2].text == "ef");
  CHECK(sol[0][2].token_ids == std::vector<int>({'e', 'f', tok.eos_id()}));
  CHECK(sol[0][2].end == StepEnd::kFinal);
  CHECK(std::string(StepEndName(sol[0][2].end)) == "final");

  // Step by step with growing prefixes gives the same steps.
  std::vector<int> p = prefix;
  for (int k = 0; k < 3; ++k) {
    StepCandidate s = gen.GenerateSteps({p}, greedy, {0})[0];
    CHECK(s.token_ids == sol[0][k].token_ids);
    CHECK(s.logprob_sum == doctest::Approx(sol[0][k].logprob_sum).epsilon(1e-5));
    p.insert(p.end(), s.token_ids.begin(), s.token_ids.end());
  }
  // The step cap.
  sol = gen.GenerateSolutions({prefix, prefix}, greedy, {0, 1}, 2);
  CHECK(sol[1].size() == 2);
  CHECK(sol[1][1].end == StepEnd::kStep);
  // The step length.
  StepSampling short_steps;
  short_steps.max_step_tokens = 1;
  StepCandidate cut = gen.GenerateSteps({prefix}, short_steps, {0})[0];
  CHECK(cut.end == StepEnd::kCut);
  CHECK(cut.token_ids == std::vector<int>({'a'}));
  CHECK(cut.text == "a");
  // The context: 64 tokens in all.
  const std::vector<int> long_prefix = RandomIds(62, 5);
  StepCandidate ctx = gen.GenerateSteps({long_prefix}, greedy, {0})[0];
  if (ctx.end == StepEnd::kContext) {
    CHECK(static_cast<int>(ctx.token_ids.size()) == 2);
  } else {
    CHECK(static_cast<int>(ctx.token_ids.size()) <= 2);  // the model happened to end the step first
  }
  CHECK_THROWS_AS(gen.GenerateSteps({RandomIds(64, 5)}, greedy, {0}), std::invalid_argument);
  CHECK_THROWS_AS(gen.GenerateSteps({{}}, greedy, {0}), std::invalid_argument);
  CHECK_THROWS_AS(gen.GenerateSteps({prefix}, greedy, {}), std::invalid_argument);
}

TEST_CASE("checkpoint round trip") {
  test::TempDir dir;
  for (const std::string positions : {"rope", "learned"}) {
    auto policy = Policy::Create(TinyConfig(positions, positions == "rope"), 13);
    const std::string path = dir.path() + "/ckpt-" + positions;
    policy->Save(path, {{"steps", 5}});
    auto loaded = Policy::Load(path);
    CHECK(loaded->config().ToJson() == policy->config().ToJson());
    CHECK(loaded->num_parameters() == policy->num_parameters());
    const std::vector<int> ids = RandomIds(20, 8);
    CHECK(torch::equal(FullLogits(policy->model(), ids), FullLogits(loaded->model(), ids)));
    nlohmann::json config;
    std::ifstream(path + "/config.json") >> config;
    CHECK(config["training"]["steps"] == 5);
  }
}

TEST_CASE("load rejects invalid checkpoints, naming the file") {
  test::TempDir dir;
  auto policy = Policy::Create(TinyConfig(), 2);
  const std::string good = dir.path() + "/good";
  policy->Save(good);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : policy->model().named_parameters()) tensors[item.key()] = item.value().detach();
  const std::map<std::string, std::string> meta = {{"format", "steptree-gpt"}, {"version", "1"}};

  // A copy of the good checkpoint whose weights file is replaced by `mutated`.
  auto variant = [&](const std::string& name, const std::map<std::string, torch::Tensor>& mutated) {
    const std::string d = dir.path() + "/" + name;
    std::filesystem::create_directories(d);
    std::filesystem::copy_file(good + "/config.json", d + "/config.json");
    SaveTensorMap(d + "/model.safetensors", mutated, meta);
    return d;
  };

  ExpectInputError([&] { Policy::Load(dir.path() + "/missing"); }, dir.path() + "/missing");
  const std::string no_config = dir.path() + "/no_config";
  std::filesystem::create_directories(no_config);
  ExpectInputError([&] { Policy::Load(no_config); }, no_config + "/config.json");

  const std::string bad_json = variant("bad_json", tensors);
  std::ofstream(bad_json + "/config.json") << "{\n  \"n_layer\": 2,\n  oops\n}\n";
  try {
    Policy::Load(bad_json);
    FAIL("accepted invalid JSON");
  } catch (const InputError& e) {
    CHECK(e.file() == bad_json + "/config.json");
    CHECK(e.line() == 3);
  }

  const std::string bad_heads = variant("bad_heads", tensors);
  nlohmann::json config;
  std::ifstream(good + "/config.json") >> config;
  config["n_head"] = 3;
  std::ofstream(bad_heads + "/config.json") << config.dump();
  ExpectInputError([&] { Policy::Load(bad_heads); }, bad_heads + "/config.json");

  auto missing = tensors;
  missing.erase("blocks.1.mlp.fc.bias");
  const std::string d_missing = variant("missing_tensor", missing);
  ExpectInputError([&] { Policy::Load(d_missing); }, d_missing + "/model.safetensors");

  auto extra = tensors;
  extra["blocks.2.mlp.fc.bias"] = torch::zeros({64});
  const std::string d_extra = variant("extra_tensor", extra);
  ExpectInputError([&] { Policy::Load(d_extra); }, d_extra + "/model.safetensors");

  auto shape = tensors;
  shape["ln_f.weight"] = torch::ones({31});
  const std::string d_shape = variant("wrong_shape", shape);
  ExpectInputError([&] { Policy::Load(d_shape); }, d_shape + "/model.safetensors");

  auto dtype = tensors;
  dtype["ln_f.weight"] = torch::ones({32}, torch::kFloat64);
  const std::string d_dtype = variant("wrong_dtype", dtype);
  ExpectInputError([&] { Policy::Load(d_dtype); }, d_dtype + "/model.safetensors");

  const std::string d_meta = dir.path() + "/wrong_format";
  std::filesystem::create_directories(d_meta);
  std::filesystem::copy_file(good + "/config.json", d_meta + "/config.json");
  SaveTensorMap(d_meta + "/model.safetensors", tensors, {{"format", "pickle"}, {"version", "1"}});
  ExpectInputError([&] { Policy::Load(d_meta); }, d_meta + "/model.safetensors");

  const std::string d_corrupt = variant("corrupt", tensors);
  {
    std::ifstream in(good + "/model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes.resize(bytes.size() / 2);  // truncated
    std::ofstream(d_corrupt + "/model.safetensors", std::ios::binary | std::ios::trunc) << bytes;
  }
  ExpectInputError([&] { Policy::Load(d_corrupt); }, d_corrupt + "/model.safetensors");

  const std::string d_none = dir.path() + "/no_weights";
  std::filesystem::create_directories(d_none);
  std::filesystem::copy_file(good + "/config.json", d_none + "/config.json");
  ExpectInputError([&] { Policy::Load(d_none); }, d_none + "/model.safetensors");
}
}  // TEST_SUITE

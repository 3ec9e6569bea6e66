// Llama-family checkpoints in Hugging Face format (policy/hf_*.h): tiny random Llama, Qwen2
// and Mistral checkpoints built here, logits and greedy generation compared with an
// independent float64 reference forward in Python (tests/hf_reference/reference_forward.py,
// Debian's python3-torch), the KV cache against full recomputation, and the exit-2
// contract of `steptree generate` on broken model directories.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/input_error.h"
#include "policy/model/causal_lm.h"
#include "policy/model/format/hf_config.h"
#include "policy/model/hf_llama.h"
#include "policy/model/hf_weights.h"
#include "policy/text/hf_prompt.h"
#include "policy/model/hf_synthetic.h"
#include "policy/model/kv_cache.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/engine/step_generator.h"
#include "policy/model/tensor_io.h"
#include "tests/hf_fixtures.h"
#include "tests/test_util.h"

// c10 (torch) defines its own fatal CHECK macro; doctest's must win, so doctest comes last.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;
using namespace steptree::test::hf;

namespace {

const std::vector<int>& PromptIds() {
  static const std::vector<int> ids = {1, 17, 42, 5, 88, 23, 60, 9, 31, 77, 12, 50};
  return ids;
}
constexpr int kGreedyTokens = 10;

bool HavePythonTorch() {
  static const bool have = std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
  return have;
}

struct Reference {
  torch::Tensor logits;     // float64 [T, V]
  std::vector<int> greedy;  // kGreedyTokens ids after the prompt
};

std::string JoinIds(const std::vector<int>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

// Runs the Python reference on a checkpoint directory.
Reference RunReference(const std::string& dir) {
  const std::string out = dir + "/reference.json";
  const std::string command = "/usr/bin/python3 " + test::SourceDir() + "/tests/hf_reference/reference_forward.py " +
                              dir + " " + JoinIds(PromptIds()) + " " + out + " --generate " +
                              std::to_string(kGreedyTokens);
  const test::CommandResult r = test::Run(command);
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::ifstream in(out);
  const nlohmann::json j = nlohmann::json::parse(in);
  Reference ref;
  const auto rows = j["logits"].get<std::vector<std::vector<double>>>();
  ref.logits = torch::empty({static_cast<int64_t>(rows.size()), kVocab}, torch::kFloat64);
  for (size_t i = 0; i < rows.size(); ++i) {
    ref.logits[static_cast<int64_t>(i)] = torch::tensor(rows[i], torch::kFloat64);
  }
  ref.greedy = j["greedy"].get<std::vector<int>>();
  return ref;
}

torch::Tensor AsIds(const std::vector<int>& ids) {
  return torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);
}

// Greedy continuation through the KV cache: Prefill, then Decode one token at a time.
std::vector<int> GreedyCached(HfLlamaImpl& model, const std::vector<int>& prompt, int n) {
  KvCache cache;
  LmOutput out = model.Prefill({prompt}, static_cast<int64_t>(prompt.size()) + 4, &cache);
  std::vector<int> generated;
  for (int i = 0; i < n; ++i) {
    const int next = static_cast<int>(out.logits[0].argmax().item<int64_t>());
    generated.push_back(next);
    out = model.Decode(torch::tensor({static_cast<int64_t>(next)}, torch::kInt64), &cache);
  }
  return generated;
}

double MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

std::string Steptree(const std::string& args) { return test::Binary() + " " + args; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A safetensors file from a header written by hand and `data_bytes` zero bytes.
void WriteRawSafetensors(const std::string& path, const std::string& header, size_t data_bytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header;
  bytes.append(data_bytes, '\0');
  WriteText(path, bytes);
}

struct Case {
  std::string label;
  TinySpec spec;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> c(4);
    c[0].label = "Llama (llama3 rope scaling, untied, F32 file)";
    c[0].spec.llama3_rope = true;
    c[1].label = "Qwen2 (q/k/v biases, tied embeddings, BF16 file)";
    c[1].spec.architecture = "Qwen2ForCausalLM";
    c[1].spec.tied = true;
    c[1].spec.bf16 = true;
    c[2].label = "Llama (attention_bias, tied, BF16 file, sharded)";
    c[2].spec.attention_bias = true;
    c[2].spec.tied = true;
    c[2].spec.bf16 = true;
    c[2].spec.sharded = true;
    c[3].label = "Mistral (sliding window, F32 file)";
    c[3].spec.architecture = "MistralForCausalLM";
    return c;
  }();
  return cases;
}

}  // namespace

TEST_SUITE("hf") {

TEST_CASE("hf: config.json is validated and other architectures are refused") {
  test::TempDir dir;
  TinySpec spec;
  nlohmann::json c = TinyConfig(spec);
  const HfModelConfig parsed = HfModelConfig::FromJson(c, "config.json");
  CHECK(parsed.head_dim == 16);
  CHECK(parsed.num_key_value_heads == 2);
  CHECK_FALSE(parsed.qkv_bias);
  CHECK(parsed.context == 256);
  CHECK(HfParameterShapes(parsed).size() == 1 + 2 * 9 + 1 + 1);

  c["architectures"] = {"GPTNeoXForCausalLM"};
  try {
    HfModelConfig::FromJson(c, "/some/config.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("/some/config.json") != std::string::npos);
    CHECK(std::string(e.what()).find("GPTNeoXForCausalLM") != std::string::npos);
  }
  c = TinyConfig(spec);
  c["num_key_value_heads"] = 3;
  CHECK_THROWS_AS(HfModelConfig::FromJson(c, "config.json"), InputError);
  c = TinyConfig(spec);
  c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  CHECK_THROWS_AS(HfModelConfig::FromJson(c, "config.json"), InputError);
  c = TinyConfig(spec);
  c["hidden_act"] = "gelu";
  CHECK_THROWS_AS(HfModelConfig::FromJson(c, "config.json"), InputError);

  spec.architecture = "MistralForCausalLM";
  CHECK(HfModelConfig::FromJson(TinyConfig(spec), "config.json").context == 128);
  spec.architecture = "Qwen2ForCausalLM";
  CHECK(HfModelConfig::FromJson(TinyConfig(spec), "config.json").qkv_bias);

  WriteTinyCheckpoint(dir.path() + "/m", TinySpec{}, 1);
  const HfModelConfig loaded = LoadHfModelConfig(dir.path() + "/m");
  CHECK(loaded.eos_token_ids == std::vector<int>({260, 262}));  // generation_config.json wins
  CHECK(IsHfModelDir(dir.path() + "/m"));
  CHECK_FALSE(IsHfModelDir(dir.path()));
}

TEST_CASE("hf: llama3 rope scaling keeps, smooths and divides the three bands") {
  TinySpec spec;
  spec.llama3_rope = true;
  const HfModelConfig c = HfModelConfig::FromJson(TinyConfig(spec), "config.json");
  const torch::Tensor f = HfRopeInverseFrequencies(c);
  spec.llama3_rope = false;
  const torch::Tensor base = HfRopeInverseFrequencies(HfModelConfig::FromJson(TinyConfig(spec), "config.json"));
  CHECK(f[0].item<double>() == doctest::Approx(1.0));                       // wavelength 6.3 < 8: kept
  const double s = (32.0 / (2 * M_PI / base[1].item<double>()) - 1.0) / 3.0;  // wavelength 19.9: smoothed
  CHECK(f[1].item<double>() == doctest::Approx((1 - s) * base[1].item<double>() / 8 + s * base[1].item<double>()));
  for (int i = 2; i < 8; ++i) CHECK(f[i].item<double>() == doctest::Approx(base[i].item<double>() / 8));
}

TEST_CASE("hf: logits and greedy generation match the independent Python reference" * doctest::test_suite("needs-python")) {
  if (!HavePythonTorch()) {
    STEPTREE_SKIP_TEST("/usr/bin/python3 cannot import torch (scripts/setup.sh installs python3-torch)");
  }
  test::TempDir dir;
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < Cases().size(); ++k) {
    const Case& c = Cases()[k];
    CAPTURE(c.label);
    const std::string model_dir = WriteTinyCheckpoint(dir.path() + "/m" + std::to_string(k), c.spec, 100 + k);
    const Reference ref = RunReference(model_dir);

    HfLlama f32 = LoadHfLlama(model_dir, HfComputeDType::kF32);
    const double diff = MaxAbsDiff(f32->Forward(AsIds(PromptIds())).logits[0], ref.logits);
    MESSAGE(c.label << ": max |logit - reference| = " << diff << " (fp32 compute)");
    CHECK(diff <= 1e-4);
    CHECK(GreedyCached(*f32, PromptIds(), kGreedyTokens) == ref.greedy);

    // bf16 products: a coarse agreement only (8-bit mantissas), reported.
    HfLlama bf16 = LoadHfLlama(model_dir, HfComputeDType::kBF16);
    const double bf16_diff = MaxAbsDiff(bf16->Forward(AsIds(PromptIds())).logits[0], ref.logits);
    const double scale = ref.logits.abs().max().item<double>();
    MESSAGE(c.label << ": max |logit - reference| = " << bf16_diff << " (bf16 compute; logits up to " << scale << ")");
    CHECK(bf16_diff <= 0.05 * scale);
  }
}

TEST_CASE("hf: KV-cached prefill, extend and decode equal full recomputation") {
  test::TempDir dir;
  torch::NoGradGuard no_grad;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  spec.llama3_rope = false;
  HfLlama model = LoadHfLlama(WriteTinyCheckpoint(dir.path() + "/q", spec, 7), HfComputeDType::kF32);
  // Three rows of different lengths (left padding inside the cache) and a duplicate.
  const std::vector<std::vector<int>> prefixes = {{5, 9, 14}, {1, 2, 3, 4, 5, 6, 7, 8}, {40}, {5, 9, 14}};
  KvCache cache;
  LmOutput out = model->Prefill(prefixes, 10, &cache);
  std::vector<std::vector<int>> sequences = prefixes;
  double worst = 0;
  for (int step = 0; step < 6; ++step) {
    for (size_t r = 0; r < sequences.size(); ++r) {
      const LmOutput full = model->Forward(AsIds(sequences[r]));
      worst = std::max(worst, MaxAbsDiff(out.logits[r], full.logits[0][-1]));
      worst = std::max(worst, MaxAbsDiff(out.hidden[r], full.hidden[0][-1]));
    }
    std::vector<int64_t> next;
    for (size_t r = 0; r < sequences.size(); ++r) {
      next.push_back((7 * step + 11 * static_cast<int64_t>(r) + 3) % kVocab);
      sequences[r].push_back(static_cast<int>(next.back()));
    }
    if (step == 3) {
      // Extend by two tokens at once.
      std::vector<int64_t> second;
      for (size_t r = 0; r < sequences.size(); ++r) {
        second.push_back((5 * step + r + 1) % kVocab);
        sequences[r].push_back(static_cast<int>(second.back()));
      }
      const torch::Tensor ids = torch::stack({torch::tensor(next), torch::tensor(second)}, 1);
      const LmOutput two = model->Extend(ids, &cache);
      out.logits = two.logits.select(1, 1);
      out.hidden = two.hidden.select(1, 1);
    } else {
      out = model->Decode(torch::tensor(next), &cache);
    }
  }
  MESSAGE("max |cached - recomputed| = " << worst);
  CHECK(worst <= 1e-5);
  CHECK(cache.capacity() > 10);  // grew past the initial room

  // Prefill in query blocks of 3, 3 and 2 tokens (torch kernels, as on CUDA): the budget
  // admits 4 rows x 4 heads x 3 queries x 8 keys.
  model->set_torch_kernels(true);
  KvCache whole, blocked;
  const LmOutput reference = model->Prefill(prefixes, 8, &whole);
  model->set_prefill_score_budget(4 * 4 * 3 * 8);
  const LmOutput in_blocks = model->Prefill(prefixes, 8, &blocked);
  CHECK(MaxAbsDiff(reference.logits, in_blocks.logits) <= 1e-5);
  CHECK(MaxAbsDiff(whole.keys(1), blocked.keys(1)) <= 1e-5);
  const torch::Tensor next = torch::tensor(std::vector<int64_t>{4, 5, 6, 7});
  CHECK(MaxAbsDiff(model->Decode(next, &whole).logits, model->Decode(next, &blocked).logits) <= 1e-5);
}

TEST_CASE("hf: CPU inference is row-invariant: a token's logits, hidden state and keys are the same bits in any batch") {
  test::TempDir dir;
  torch::NoGradGuard no_grad;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";  // q/k/v biases; 4 query heads over 2 KV heads
  const std::string checkpoint = WriteTinyCheckpoint(dir.path() + "/q", spec, 11);
  const std::vector<std::vector<int>> prefixes = {{5, 9, 14}, {1, 2, 3, 4, 5, 6, 7, 8}, {40}, {5, 9, 14, 33, 2}};
  for (const HfComputeDType dtype : {HfComputeDType::kF32, HfComputeDType::kBF16}) {
    INFO("bf16 " << (dtype == HfComputeDType::kBF16));
    HfLlama model = LoadHfLlama(checkpoint, dtype);
    REQUIRE(model->row_invariant());
    KvCache batch_cache;
    const LmOutput batch = model->Prefill(prefixes, 12, &batch_cache);
    for (size_t r = 0; r < prefixes.size(); ++r) {
      // Alone, and as the last token decoded after its prefix.
      KvCache alone_cache, decoded_cache;
      const LmOutput alone = model->Prefill({prefixes[r]}, 12, &alone_cache);
      CHECK(torch::equal(batch.logits[r], alone.logits[0]));
      CHECK(torch::equal(batch.hidden[r], alone.hidden[0]));
      const std::vector<int>& p = prefixes[r];
      if (p.size() < 2) continue;
      model->Prefill({std::vector<int>(p.begin(), p.end() - 1)}, 12, &decoded_cache);
      const LmOutput decoded = model->Decode(torch::tensor(std::vector<int64_t>{p.back()}), &decoded_cache);
      CHECK(torch::equal(decoded.logits[0], alone.logits[0]));
      const int64_t last = alone_cache.length() - 1;
      CHECK(torch::equal(decoded_cache.keys(1)[0].select(1, decoded_cache.length() - 1), alone_cache.keys(1)[0].select(1, last)));
    }

    // PrefillCached: the first tokens' keys and values copied in from the batch's cache, the
    // rest computed; the same bits as the plain prefill.
    const std::vector<int64_t> cached = {2, 5, 0, 3};
    KvCache reused;
    const auto fill = [&](KvCache* cache) {
      for (int64_t l = 0; l < cache->n_layer(); ++l) {
        for (size_t r = 0; r < prefixes.size(); ++r) {
          const int64_t to = cache->pad()[r].item<int64_t>(), from = batch_cache.pad()[r].item<int64_t>();
          cache->keys(l)[r].narrow(1, to, cached[r]).copy_(batch_cache.keys(l)[r].narrow(1, from, cached[r]));
          cache->values(l)[r].narrow(1, to, cached[r]).copy_(batch_cache.values(l)[r].narrow(1, from, cached[r]));
        }
      }
    };
    const LmOutput partial = model->PrefillCached(prefixes, cached, 12, fill, &reused);
    CHECK(torch::equal(partial.logits, batch.logits));
    CHECK(torch::equal(partial.hidden, batch.hidden));

    // The torch path computes the same function (to rounding).
    model->set_torch_kernels(true);
    KvCache torch_cache;
    const LmOutput through_torch = model->Prefill(prefixes, 12, &torch_cache);
    const double tolerance = dtype == HfComputeDType::kF32 ? 1e-4 : 0.05;
    CHECK(MaxAbsDiff(through_torch.logits, batch.logits) <= tolerance);
    CHECK(MaxAbsDiff(through_torch.hidden, batch.hidden) <= tolerance);
  }
}

TEST_CASE("hf: a model directory loads as a policy with its tokenizer and prompt format") {
  test::TempDir dir;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  const std::string qwen = WriteTinyModelDir(dir.path() + "/qwen", spec, "qwen", 3);
  const std::unique_ptr<Policy> policy = Policy::Load(qwen);
  REQUIRE(policy->is_hf());
  CHECK(policy->prompt().name() == "template");  // its chat template renders ChatML
  CHECK(policy->context() == 256);
  CHECK(policy->vocab_size() == kVocab);
  CHECK_FALSE(policy->has_trained_value_head());
  CHECK_THROWS_AS(policy->config(), std::logic_error);
  const Tokenizer& tokenizer = policy->tokenizer();
  CHECK(tokenizer.eos_id() == 262);  // <|im_end|> ends a ChatML answer
  CHECK(tokenizer.EndsSolution(260));  // and every stop id of generation_config.json
  CHECK(tokenizer.EndsStep(256));
  CHECK(tokenizer.EndsStep(257));  // ".\n\n": a delimiter token carrying text

  size_t prompt_length = 0;
  const std::vector<std::string> steps = {"First, 2+3=5.", "Two\n\nparagraphs", "The answer is 5."};
  const std::vector<int> ids = policy->prompt().EncodeSolution("What is 2+3?", steps, &prompt_length);
  CHECK(ids.back() == 262);
  CHECK(StepValuePositions(tokenizer, ids, prompt_length, policy->prompt().step_delimiter()).size() == steps.size());
  CHECK(ids[prompt_length + tokenizer.Encode("First, 2+3=5").size()] == 257);
  const std::vector<int> prefix = policy->prompt().EncodePrefix("What is 2+3?", {steps[0], steps[1]});
  CHECK(std::equal(prefix.begin(), prefix.end(), ids.begin()));
  CHECK(tokenizer.Decode(prefix) ==
        "system\n" + std::string(kDefaultSystemPrompt) + "\nuser\nWhat is 2+3?\nassistant\n"
        "First, 2+3=5.\n\nTwo\nparagraphs\n\n");

  // Llama-3 layout: the post-processor's BOS starts the prompt and nothing else.
  spec.architecture = "LlamaForCausalLM";
  const std::string llama = WriteTinyModelDir(dir.path() + "/llama", spec, "llama3", 4);
  const std::unique_ptr<Policy> llama_policy = Policy::Load(llama);
  CHECK(llama_policy->prompt().name() == "template");  // its template writes the BOS text
  const std::vector<int> llama_ids = llama_policy->prompt().EncodePrefix("Q?", {"a", "b"});
  CHECK(llama_ids.front() == 260);
  CHECK(std::count(llama_ids.begin(), llama_ids.end(), 260) == 1);
  CHECK(llama_policy->tokenizer().eos_id() == 262);  // <|eot_id|>

  // No chat template: AlphaMath's format; steptree.json sets format and delimiter.
  const std::string plain = WriteTinyModelDir(dir.path() + "/plain", spec, "plain", 5);
  CHECK(Policy::Load(plain)->prompt().name() == "alphamath");
  WriteText(plain + "/steptree.json", R"({"prompt_format": "alphamath", "step_delimiter": "\n"})");
  const std::unique_ptr<Policy> newline = Policy::Load(plain);
  CHECK(newline->prompt().step_delimiter() == "\n");
  CHECK(newline->tokenizer().Decode(newline->prompt().EncodePrefix("Q", {"a\nb"})) == "<question> Q </question>\na b\n");
  WriteText(plain + "/steptree.json", R"({"prompt_format": "jinja"})");
  CHECK_THROWS_AS(Policy::Load(plain), InputError);
}

TEST_CASE("hf: generated steps end at a delimiter token and their text stops before it") {
  test::TempDir dir;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  const std::unique_ptr<Policy> policy = Policy::Load(WriteTinyModelDir(dir.path() + "/q", spec, "qwen", 9));
  const std::vector<int> prompt = policy->prompt().EncodePrefix("What is 2+3?", {});
  StepSampling sampling;
  sampling.temperature = 1.f;
  sampling.max_step_tokens = 24;
  const std::vector<StepCandidate> steps =
      StepGenerator(*policy).GenerateSteps(std::vector<std::vector<int>>(8, prompt), sampling, {1, 2, 3, 4, 5, 6, 7, 8});
  int delimited = 0;
  for (const StepCandidate& step : steps) {
    CHECK(step.text.find("\n\n") == std::string::npos);
    if (step.end == StepEnd::kStep) {
      ++delimited;
      CHECK(policy->tokenizer().EndsStep(step.token_ids.back()));
      const std::string all = policy->tokenizer().Decode(step.token_ids);
      CHECK(all.substr(0, all.find("\n\n")) == step.text);
    }
  }
  // The assertions above run only for delimited steps: at least one must exist (seeded:
  // 1 of these 8 does).
  CHECK(delimited >= 1);
}

TEST_CASE("hf: steptree generate prints the reference's greedy continuation" * doctest::test_suite("needs-python")) {
  test::TempDir dir;
  TinySpec spec;
  spec.llama3_rope = true;
  const std::string model = WriteTinyModelDir(dir.path() + "/m", spec, "llama3", 100);
  const auto r = test::Run(Steptree("generate --model " + model + " --prompt-ids " + JoinIds(PromptIds()) +
                                    " --max-tokens " + std::to_string(kGreedyTokens) + " --threads 1 --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json j = test::LastJsonObject(r.output);
  CHECK(j["prompt_ids"].get<std::vector<int>>() == PromptIds());
  const std::vector<int> ids = j["ids"].get<std::vector<int>>();
  CHECK(!ids.empty());
  CHECK(j["text"].is_string());
  if (HavePythonTorch()) {
    const Reference ref = RunReference(model);
    // Decoding stops early only at a stop token.
    CHECK(std::equal(ids.begin(), ids.end(), ref.greedy.begin()));
    if (ids.size() < ref.greedy.size()) CHECK(j["end"] == "eos");
  } else {
    test::RecordSkip("the reference comparison: /usr/bin/python3 cannot import torch");
  }

  const auto text = test::Run(Steptree("generate --model " + model + " --prompt 'the test' --max-tokens 4 --json"));
  REQUIRE_MESSAGE(text.exit_code == 0, text.output);
  CHECK(test::LastJsonObject(text.output)["prompt_ids"][0] == 260);  // Llama-3's BOS from the post-processor
  CHECK(test::Run(Steptree("generate --model " + model + " --prompt hi --max-tokens 3 --dtype bf16")).exit_code == 0);
  CHECK(test::Run(Steptree("generate --model " + model + " --prompt hi --dtype fp8")).exit_code == 2);
  if (!torch::cuda::is_available()) {
    const auto cuda = test::Run(Steptree("generate --model " + model + " --prompt hi --device cuda"));
    CHECK(cuda.exit_code == 2);
    CHECK(cuda.output.find("CUDA") != std::string::npos);
  }
}

TEST_CASE("hf: broken model directories fail with exit 2 naming the file and the tensor" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const TinySpec spec;
  const HfModelConfig config = HfModelConfig::FromJson(TinyConfig(spec), "config.json");
  auto make = [&](const std::string& name) {
    const std::string model = WriteTinyModelDir(dir.path() + "/" + name, spec, "qwen", 1);
    return model;
  };
  auto run = [&](const std::string& model) {
    return test::Run(Steptree("generate --model " + model + " --prompt-ids 1,2 --max-tokens 1"));
  };
  auto expect = [&](const std::string& model, const std::vector<std::string>& needles) {
    const test::CommandResult r = run(model);
    CHECK_MESSAGE(r.exit_code == 2, r.output);
    for (const std::string& needle : needles) CHECK_MESSAGE(r.output.find(needle) != std::string::npos, needle, r.output);
  };
  auto rewrite = [&](const std::string& model, const std::function<void(std::map<std::string, torch::Tensor>*)>& change) {
    std::map<std::string, torch::Tensor> tensors = RandomWeights(config, 1, false);
    change(&tensors);
    SaveHfTensors(model + "/model.safetensors", tensors);
  };

  std::string m = make("missing");
  rewrite(m, [](auto* t) { t->erase("model.layers.1.mlp.up_proj.weight"); });
  expect(m, {m + "/model.safetensors", "model.layers.1.mlp.up_proj.weight"});

  m = make("shape");
  rewrite(m, [](auto* t) { (*t)["model.norm.weight"] = torch::ones({63}); });
  expect(m, {m + "/model.safetensors", "model.norm.weight", "[64]"});

  m = make("extra");
  rewrite(m, [](auto* t) { (*t)["model.layers.0.self_attn.q_norm.weight"] = torch::ones({16}); });
  expect(m, {m + "/model.safetensors", "model.layers.0.self_attn.q_norm.weight"});

  m = make("dtype");
  rewrite(m, [](auto* t) { (*t)["model.norm.weight"] = torch::ones({64}, torch::kInt32); });
  expect(m, {m + "/model.safetensors", "model.norm.weight", "I32"});

  m = make("corrupt");
  WriteText(m + "/model.safetensors", std::string("\xff\xff\xff\xff\xff\x00\x00\x00{}", 10));
  expect(m, {m + "/model.safetensors", "header"});

  m = make("lying");
  WriteRawSafetensors(m + "/model.safetensors",
                      R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[272,64],"data_offsets":[0,69632]}})", 1024);
  expect(m, {m + "/model.safetensors", "model.embed_tokens.weight"});

  m = make("overlap");
  WriteRawSafetensors(m + "/model.safetensors",
                      R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                      24);
  expect(m, {m + "/model.safetensors", "overlaps"});

  m = make("shard");
  std::filesystem::remove(m + "/model.safetensors");
  WriteText(m + "/model.safetensors.index.json",
            R"({"weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors"}})");
  expect(m, {m + "/model-00001-of-00002.safetensors"});
  WriteText(m + "/model.safetensors.index.json", R"({"weight_map": {"model.embed_tokens.weight": "../escape.safetensors"}})");
  expect(m, {m + "/model.safetensors.index.json", "model.embed_tokens.weight"});

  m = make("arch");
  nlohmann::json c = TinyConfig(spec);
  c["architectures"] = {"GPT2LMHeadModel"};
  WriteText(m + "/config.json", c.dump());
  expect(m, {m + "/config.json", "GPT2LMHeadModel"});
}

TEST_CASE("hf: search runs on a model directory, train fits and saves its value head" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  spec.tied = true;
  const std::string model = WriteTinyModelDir(dir.path() + "/q", spec, "qwen", 21);
  const std::string trees = dir.path() + "/trees.jsonl";
  const auto search = test::Run(Steptree("search --model " + model + " --problems 2 --mode greedy --max-depth 2 "
                                         "--threads 1 --json --output " + trees));
  REQUIRE_MESSAGE(search.exit_code == 0, search.output);
  CHECK(test::LastJsonObject(search.output)["n"] == 2);

  const std::string paths = dir.Write(
      "paths.jsonl",
      "{\"question\": \"Evaluate 1+1.\", \"steps\": [{\"step\": \"1+1=2.\", \"Q\": 0.5}, "
      "{\"step\": \"The answer is 2\", \"Q\": 1}]}\n"
      "{\"question\": \"Evaluate 2+2.\", \"steps\": [{\"step\": \"2+2=5.\", \"Q\": -0.5}, "
      "{\"step\": \"The answer is 5\", \"Q\": -1}]}\n");
  // Value head only: the weights are linked, not rewritten.
  const std::string frozen = dir.path() + "/frozen";
  auto r = test::Run(Steptree("train --init " + model + " --values " + paths + "," + paths +
                              " --freeze-backbone --steps 2 --eval-every 0 --threads 1 --run-dir " + frozen));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(ReadFile(frozen + "/model.safetensors") == ReadFile(model + "/model.safetensors"));
  CHECK(std::filesystem::exists(frozen + "/tokenizer.json"));
  const std::unique_ptr<Policy> head = Policy::Load(frozen);
  CHECK(head->has_trained_value_head());
  CHECK(head->prompt().name() == "template");

  // Joint training changes the backbone: model.safetensors is rewritten (F32) and loads again.
  const std::string joint = dir.path() + "/joint";
  r = test::Run(Steptree("train --model " + model + " --values " + paths + "," + paths +
                         " --steps 2 --eval-every 0 --threads 1 --run-dir " + joint));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(ReadFile(joint + "/model.safetensors") != ReadFile(model + "/model.safetensors"));
  const std::unique_ptr<Policy> trained = Policy::Load(joint);
  CHECK(trained->has_trained_value_head());
  const std::unique_ptr<Policy> original = Policy::Load(model);
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = AsIds({1, 2, 3, 4});
  CHECK(MaxAbsDiff(trained->lm().Forward(ids).logits, original->lm().Forward(ids).logits) > 0);
  CHECK(nlohmann::json::parse(ReadFile(joint + "/steptree.json"))["training"].contains("steps"));
}

}  // TEST_SUITE("hf")


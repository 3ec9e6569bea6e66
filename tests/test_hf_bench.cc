// `steptree bench --hf-shapes` with --quick tiny shapes (its --json keys and values that
// agree with each other; never a timed assertion), `steptree inspect` on a Hugging Face
// model directory, and the shared --dtype / --device flags of the commands taking --model.
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "policy/model/format/hf_config.h"
#include "policy/model/hf_synthetic.h"
#include "tests/test_util.h"

// c10 (torch) defines its own fatal CHECK macro; doctest's must win, so doctest comes last.
#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

std::string Steptree(const std::string& args) { return test::Binary() + " " + args; }

// A tiny Qwen2 model directory (2 layers, hidden 64, 4 heads over 2 KV heads, BF16 file)
// with the tiny Qwen-style tokenizer.
std::string WriteTinyQwen(const std::string& dir) {
  const nlohmann::json config_json = {{"architectures", {"Qwen2ForCausalLM"}},
                                      {"model_type", "qwen2"},
                                      {"vocab_size", 272},
                                      {"hidden_size", 64},
                                      {"intermediate_size", 160},
                                      {"num_hidden_layers", 2},
                                      {"num_attention_heads", 4},
                                      {"num_key_value_heads", 2},
                                      {"max_position_embeddings", 512},
                                      {"rms_norm_eps", 1e-6},
                                      {"rope_theta", 1000000.0},
                                      {"hidden_act", "silu"},
                                      {"tie_word_embeddings", true},
                                      {"torch_dtype", "bfloat16"},
                                      {"eos_token_id", 260}};
  const HfModelConfig config = HfModelConfig::FromJson(config_json, dir + "/config.json");
  HfRandomWeightOptions weights;
  weights.seed = 5;
  weights.bf16 = true;
  WriteHfCheckpoint(dir, config_json, nullptr, HfRandomWeights(config, weights));
  WriteHfByteTokenizer(dir, "qwen");
  return dir;
}

}  // namespace

TEST_SUITE("hf") {

TEST_CASE("hf bench: --hf-shapes tiny --quick reports decode, an MCTS step and searches for fp32 and bf16") {
  const test::CommandResult r =
      test::Run("OMP_NUM_THREADS=1 " + Steptree("bench --quick --hf-only --hf-shapes tiny --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json j = test::LastJsonObject(r.output);
  REQUIRE_MESSAGE(j.contains("hf"), r.output);
  CHECK(j["matmul_gflops"].get<double>() > 0);
  const nlohmann::json& hf = j["hf"];
  CHECK(hf["shapes"] == "tiny");
  CHECK(hf["config"]["architectures"][0] == "Qwen2ForCausalLM");
  CHECK(hf["fp32_peak_gflops"].get<double>() == doctest::Approx(j["matmul_gflops"].get<double>()));
  CHECK(hf["bf16_peak_gflops"].get<double>() > 0);
  CHECK(hf["weight_bytes"].get<int64_t>() > 2 * hf["parameters"].get<int64_t>());  // BF16 + header

  // F(L) = 2 W + 4 n_layer H d_h L (bench/hf_bench.h), W = parameters that multiply a token.
  const nlohmann::json& c = hf["config"];
  const int64_t d = c["hidden_size"], layers = c["num_hidden_layers"], heads = c["num_attention_heads"];
  const int64_t kv = c["num_key_value_heads"], inter = c["intermediate_size"], vocab = c["vocab_size"];
  const int64_t hd = d / heads;
  const int64_t w = layers * (d * heads * hd + 2 * d * kv * hd + heads * hd * d + 3 * d * inter) + vocab * d;
  CHECK(hf["matmul_parameters"].get<int64_t>() == w);
  const double mean_l = hf["prompt_tokens"].get<int>() + (hf["decode_tokens"].get<int>() + 1) / 2.0;
  CHECK(hf["mean_attended_keys"].get<double>() == doctest::Approx(mean_l));
  CHECK(hf["flops_per_token"].get<double>() == doctest::Approx(2.0 * w + 4.0 * layers * heads * hd * mean_l));

  for (const char* dtype : {"fp32", "bf16"}) {
    INFO(dtype);
    REQUIRE(hf.contains(dtype));
    const nlohmann::json& section = hf[dtype];
    const double peak = section["peak_gflops"];
    CHECK(peak == doctest::Approx(std::string(dtype) == "bf16" ? hf["bf16_peak_gflops"].get<double>()
                                                               : hf["fp32_peak_gflops"].get<double>()));
    for (const char* batch : {"1", "2"}) {
      REQUIRE(section["decode"].contains(batch));
      const nlohmann::json& p = section["decode"][batch];
      const double tokens_s = p["tokens_s"], gflops = p["gflops"], fraction = p["peak_fraction"];
      CHECK(tokens_s > 0);
      CHECK(gflops == doctest::Approx(tokens_s * hf["flops_per_token"].get<double>() / 1e9));
      CHECK(fraction == doctest::Approx(gflops / peak));
      CHECK(fraction > 0);
      CHECK(fraction < 1.5);
      CHECK(p["ms_per_step"].get<double>() > 0);
    }
    const nlohmann::json& m = section["mcts_step"];
    CHECK(m["candidates"] == 5);
    CHECK(m["root_tokens"].get<int>() > 10);
    CHECK(m["generated_tokens"].get<long>() >= 5);
    CHECK(m["generated_tokens"].get<long>() <= 5 * 4);  // --quick: 4 tokens per step at most
    CHECK(m["seconds"].get<double>() > 0);
    CHECK(m["tokens_s"].get<double>() ==
          doctest::Approx(m["generated_tokens"].get<double>() / m["seconds"].get<double>()));
    CHECK(section["load_seconds"].get<double>() > 0);

    // MCTS(40) and SBS(3,5) over --quick's 2 problems, 4 trees batched, steps of at most 4
    // tokens: at most problems x 40 x 5 x 4 and problems x max_depth 10 x (3 x 5) x 4 tokens.
    for (const char* key : {"mcts_search", "sbs_search"}) {
      INFO(key);
      REQUIRE_MESSAGE(section.contains(key), r.output);
      const nlohmann::json& s = section[key];
      CHECK(s["problems"] == 2);
      CHECK(s["trees_per_worker"] == 4);
      CHECK(s["max_step_tokens"] == 4);
      const double generated = s["generated_tokens"], prefill = s["prefill_tokens"];
      const double calls = s["forward_calls"], batched = s["batched_forward_calls"];
      const double seconds = s["seconds"];
      CHECK(generated > 0);
      CHECK(generated <= (std::string(key) == "mcts_search" ? 2 * 40 * 5 * 4 : 2 * 10 * 15 * 4));
      CHECK(prefill > 0);
      CHECK(s["cached_tokens"].get<long>() >= 0);
      CHECK(batched > 0);
      CHECK(batched <= calls);  // a merged batch's passes count once, not once per tree
      CHECK(s["nodes"].get<long>() > 2);
      CHECK(seconds > 0);
      CHECK(s["prefill_per_generated"].get<double>() >= 1);
      CHECK(s["prefill_per_generated"].get<double>() == doctest::Approx((prefill + generated) / generated));
      CHECK(s["generated_per_call"].get<double>() == doctest::Approx(generated / calls));
      CHECK(s["generated_per_batched_call"].get<double>() == doctest::Approx(generated / batched));
      CHECK(s["tokens_s"].get<double>() == doctest::Approx(generated / seconds));
    }
    CHECK(section["mcts_search"]["label"] == "MCTS(40)");
    CHECK(section["mcts_search"]["simulations"] == 40);
    CHECK(section["mcts_search"]["max_depth"] == 8);
    CHECK(section["sbs_search"]["label"] == "SBS(3,5)");
    CHECK(section["sbs_search"]["beam"] == 3);
    CHECK(section["sbs_search"]["expand"] == 5);
    CHECK(section["sbs_search"]["max_depth"] == 10);
  }

  // Usage errors: exit 2 before any work.
  CHECK(test::Run(Steptree("bench --quick --hf-only --hf-shapes llama-70b")).exit_code == 2);
  CHECK(test::Run(Steptree("bench --quick --hf-only")).exit_code == 2);
  CHECK(test::Run(Steptree("bench --quick --hf-only --hf-shapes tiny --hf-dtypes fp16")).exit_code == 2);
  CHECK(test::Run(Steptree("bench --quick --hf-only --hf-shapes tiny --hf-problems -1")).exit_code == 2);
  CHECK(test::Run(Steptree("bench --quick --hf-only --hf-shapes tiny --hf-trees-per-worker 0")).exit_code == 2);
}

TEST_CASE("hf inspect: a Hugging Face model directory is described, a broken one names the tensor") {
  test::TempDir dir;
  const std::string model = WriteTinyQwen(dir.path() + "/q");
  test::CommandResult r = test::Run(Steptree("inspect " + model + " --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json j = test::LastJsonObject(r.output);
  CHECK(j["kind"] == "hf_model");
  CHECK(j["architecture"] == "Qwen2ForCausalLM");
  CHECK(j["layers"] == 2);
  CHECK(j["hidden_size"] == 64);
  CHECK(j["heads"] == 4);
  CHECK(j["kv_heads"] == 2);
  CHECK(j["head_dim"] == 16);
  CHECK(j["vocab_size"] == 272);
  CHECK(j["tie_word_embeddings"] == true);
  CHECK(j["biases"]["qkv"] == true);
  CHECK(j["biases"]["o"] == false);
  CHECK(j["weights"]["dtypes"] == nlohmann::json::array({"BF16"}));
  CHECK(j["weights"]["files"] == nlohmann::json::array({"model.safetensors"}));
  // embedding 272 x 64, per layer q 64x64+64, k and v 64x32+32 each, o 64x64, MLP 3 x 64x160,
  // two norms of 64; final norm 64.
  const int64_t per_layer = (64 * 64 + 64) + 2 * (64 * 32 + 32) + 64 * 64 + 3 * 64 * 160 + 2 * 64;
  CHECK(j["weights"]["parameters"] == 272 * 64 + 2 * per_layer + 64);
  REQUIRE(j["tokenizer"].is_object());
  CHECK(j["tokenizer"]["vocab_size"] == 263);
  CHECK(j["tokenizer"]["chat_template"] == true);
  CHECK(j["tokenizer"]["prompt_format"] == "template");
  CHECK(j["tokenizer"]["step_delimiter"] == "\n\n");
  CHECK(j["value_head"].is_null());

  r = test::Run(Steptree("inspect " + model));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("Qwen2ForCausalLM") != std::string::npos);
  CHECK(r.output.find("KV heads 2") != std::string::npos);
  CHECK(r.output.find("BF16") != std::string::npos);

  // A weight file that lacks a tensor: exit 2 naming the file and the tensor.
  const std::string broken = WriteTinyQwen(dir.path() + "/broken");
  const nlohmann::json config_json = nlohmann::json::parse(std::ifstream(broken + "/config.json"));
  auto tensors = HfRandomWeights(HfModelConfig::FromJson(config_json, "config.json"), HfRandomWeightOptions{});
  tensors.erase("model.layers.1.self_attn.k_proj.bias");
  WriteHfCheckpoint(broken, config_json, nullptr, tensors);
  r = test::Run(Steptree("inspect " + broken));
  CHECK_MESSAGE(r.exit_code == 2, r.output);
  CHECK(r.output.find("model.layers.1.self_attn.k_proj.bias") != std::string::npos);
  CHECK(r.output.find(broken + "/model.safetensors") != std::string::npos);
}

TEST_CASE("hf flags: search, eval and eval-value take --dtype and --device through the shared flags") {
  test::TempDir dir;
  const std::string model = WriteTinyQwen(dir.path() + "/q");
  test::CommandResult r = test::Run(Steptree("eval --model " + model + " --dtype bf16 --problems 2 --max-steps 1 --threads 1 --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(test::LastJsonObject(r.output)["n"] == 2);
  r = test::Run(Steptree("search --model " + model + " --dtype bf16 --device cpu --problems 1 --mode greedy "
                         "--max-depth 1 --threads 1 --json --output " + dir.path() + "/trees.jsonl"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(test::LastJsonObject(r.output)["n"] == 1);
  const std::string paths =
      dir.Write("paths.jsonl",
                "{\"question\": \"Evaluate 1+1.\", \"steps\": [{\"step\": \"1+1=2.\", \"Q\": 0.5}, "
                "{\"step\": \"The answer is 2\", \"Q\": 1}]}\n");
  r = test::Run(Steptree("eval-value --model " + model + " --dtype bf16 --data " + paths + " --threads 1 --json"));
  CHECK_MESSAGE(r.exit_code == 0, r.output);

  // Bad values and flags a built-in checkpoint cannot take: exit 2.
  r = test::Run(Steptree("eval --model " + model + " --dtype fp8 --problems 1"));
  CHECK_MESSAGE(r.exit_code == 2, r.output);
  r = test::Run(Steptree("eval --model " + model + " --device tpu --problems 1"));
  CHECK_MESSAGE(r.exit_code == 2, r.output);
  const std::string builtin = test::SourceDir() + "/models/default";
  r = test::Run(Steptree("eval --model " + builtin + " --dtype bf16 --problems 1"));
  CHECK_MESSAGE(r.exit_code == 2, r.output);
  CHECK(r.output.find("--dtype bf16") != std::string::npos);
  r = test::Run(Steptree("search --model " + builtin + " --prompt-format chatml --problems 1 --mode greedy --output " +
                         dir.path() + "/t2.jsonl"));
  CHECK_MESSAGE(r.exit_code == 2, r.output);
  r = test::Run(Steptree("eval --model " + builtin + " --dtype f32 --device cpu --problems 1 --max-steps 1 --threads 1"));
  CHECK_MESSAGE(r.exit_code == 0, r.output);
}

}  // TEST_SUITE

// config.json / generation_config.json of Hugging Face Llama-family checkpoints
// (policy/model/format/hf_config.h). Unlike the built-in config, unknown fields are ignored: these
// files carry many fields that do not change the forward pass (initializer_range, ...).
#include "policy/model/format/hf_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/input_error.h"

namespace steptree {
namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kGenerationConfigFile = "generation_config.json";
// Limits: policy/model/format/hf_config.h.
constexpr int64_t kMaxDimension = kMaxHfDimension;
constexpr int64_t kMaxLayers = kMaxHfLayers;

const char* const kArchitectures[] = {"LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM"};

using Json = nlohmann::json;

const Json* Optional(const Json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t IntField(const Json& j, const char* name, const std::string& path, std::optional<int64_t> fallback,
                 int64_t max = kMaxDimension) {
  const Json* v = Optional(j, name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    throw InputError(path, 0, std::string("field \"") + name + "\"");
  }
  if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > max) {
    throw InputError(path, 0, std::string("\"") + name + "\" to be an integer in 1.." + std::to_string(max));
  }
  return v->get<int64_t>();
}

double NumberField(const Json& j, const char* name, const std::string& path, std::optional<double> fallback) {
  const Json* v = Optional(j, name);
  if (v == nullptr) {
    if (fallback) return *fallback;
    throw InputError(path, 0, std::string("field \"") + name + "\"");
  }
  if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() <= 0) {
    throw InputError(path, 0, std::string("\"") + name + "\" to be a positive number");
  }
  return v->get<double>();
}

bool BoolField(const Json& j, const char* name, const std::string& path, bool fallback) {
  const Json* v = Optional(j, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) throw InputError(path, 0, std::string("\"") + name + "\" to be true or false");
  return v->get<bool>();
}

// An id or a list of ids (eos_token_id may be either).
std::vector<int> TokenIds(const Json& j, const char* name, const std::string& path) {
  std::vector<int> ids;
  const Json* v = Optional(j, name);
  if (v == nullptr) return ids;
  auto add = [&](const Json& x) {
    if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() >= kMaxDimension) {
      throw InputError(path, 0, std::string("\"") + name + "\" to be a token id or a list of token ids");
    }
    ids.push_back(static_cast<int>(x.get<int64_t>()));
  };
  if (v->is_array()) {
    for (const Json& x : *v) add(x);
  } else {
    add(*v);
  }
  return ids;
}

RopeScaling ParseRopeScaling(const Json& j, const std::string& path) {
  RopeScaling scaling;
  const Json* v = Optional(j, "rope_scaling");
  if (v == nullptr) return scaling;
  if (!v->is_object()) throw InputError(path, 0, "\"rope_scaling\" to be null or an object");
  // transformers wrote "type" before 4.43 and "rope_type" since.
  const Json* type = Optional(*v, "rope_type");
  if (type == nullptr) type = Optional(*v, "type");
  if (type == nullptr || !type->is_string()) {
    throw InputError(path, 0, "\"rope_scaling\" with a string \"rope_type\"");
  }
  scaling.type = type->get<std::string>();
  if (scaling.type == "default") return scaling;
  if (scaling.type != "linear" && scaling.type != "llama3") {
    throw InputError(path, 0, "rope_scaling type \"default\", \"linear\" or \"llama3\", got \"" + scaling.type + "\"");
  }
  scaling.factor = NumberField(*v, "factor", path, std::nullopt);
  if (scaling.type == "llama3") {
    scaling.low_freq_factor = NumberField(*v, "low_freq_factor", path, std::nullopt);
    scaling.high_freq_factor = NumberField(*v, "high_freq_factor", path, std::nullopt);
    scaling.original_max_position_embeddings =
        static_cast<double>(IntField(*v, "original_max_position_embeddings", path, std::nullopt));
    if (!(scaling.high_freq_factor > scaling.low_freq_factor)) {
      throw InputError(path, 0, "rope_scaling high_freq_factor > low_freq_factor");
    }
  }
  return scaling;
}

// The parameter count HfParameterShapes implies, at most kMaxHfParameters. Every size is at
// most 2^24 and layers at most 2^10, so the count fits easily in 128 bits.
void CheckParameterCount(const HfModelConfig& c, const std::string& path) {
  using Wide = unsigned __int128;
  const Wide d = c.hidden_size, q = Wide(c.num_attention_heads) * c.head_dim,
             kv = Wide(c.num_key_value_heads) * c.head_dim, ff = c.intermediate_size;
  const Wide per_layer = 2 * d + 2 * q * d + 2 * kv * d + 3 * ff * d + q + 2 * kv + d + 2 * ff + d;
  const Wide total = Wide(c.vocab_size) * d * (c.tie_word_embeddings ? 1 : 2) + d +
                     per_layer * Wide(c.num_hidden_layers);
  if (total > static_cast<Wide>(kMaxHfParameters)) {
    throw InputError(path, 0,
                     "sizes implying at most " + std::to_string(kMaxHfParameters) +
                         " parameters (vocab_size, hidden_size, intermediate_size, heads x head_dim, "
                         "num_hidden_layers)");
  }
}

}  // namespace

HfModelConfig HfModelConfig::FromJson(const Json& j, const std::string& path) {
  if (!j.is_object()) throw InputError(path, 0, "a JSON object with the model configuration");
  HfModelConfig c;
  const Json* archs = Optional(j, "architectures");
  if (archs == nullptr || !archs->is_array() || archs->size() != 1 || !(*archs)[0].is_string()) {
    throw InputError(path, 0, "\"architectures\": [one architecture name]");
  }
  c.architecture = (*archs)[0].get<std::string>();
  if (std::find(std::begin(kArchitectures), std::end(kArchitectures), c.architecture) == std::end(kArchitectures)) {
    throw InputError(path, 0,
                     "architecture LlamaForCausalLM, Qwen2ForCausalLM or MistralForCausalLM, got \"" +
                         c.architecture + "\"");
  }
  c.vocab_size = IntField(j, "vocab_size", path, std::nullopt);
  c.hidden_size = IntField(j, "hidden_size", path, std::nullopt);
  c.intermediate_size = IntField(j, "intermediate_size", path, std::nullopt);
  c.num_hidden_layers = IntField(j, "num_hidden_layers", path, std::nullopt, kMaxLayers);
  c.num_attention_heads = IntField(j, "num_attention_heads", path, std::nullopt);
  c.num_key_value_heads = IntField(j, "num_key_value_heads", path, c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    throw InputError(path, 0, "num_attention_heads divisible by num_key_value_heads");
  }
  if (Optional(j, "head_dim") == nullptr && c.hidden_size % c.num_attention_heads != 0) {
    throw InputError(path, 0, "hidden_size divisible by num_attention_heads (or an explicit head_dim)");
  }
  c.head_dim = IntField(j, "head_dim", path, c.hidden_size / c.num_attention_heads);
  if (c.head_dim % 2 != 0) throw InputError(path, 0, "an even head_dim for RoPE");
  c.max_position_embeddings = IntField(j, "max_position_embeddings", path, std::nullopt, kMaxHfPositions);
  c.rms_norm_eps = NumberField(j, "rms_norm_eps", path, std::nullopt);
  c.rope_theta = NumberField(j, "rope_theta", path, 10000.0);
  c.rope_scaling = ParseRopeScaling(j, path);
  c.tie_word_embeddings = BoolField(j, "tie_word_embeddings", path, false);
  const Json* act = Optional(j, "hidden_act");
  if (act != nullptr && (!act->is_string() || act->get<std::string>() != "silu")) {
    throw InputError(path, 0, "hidden_act \"silu\"");
  }
  if (c.architecture == "Qwen2ForCausalLM") {
    c.qkv_bias = true;
  } else if (c.architecture == "LlamaForCausalLM") {
    c.qkv_bias = c.o_bias = BoolField(j, "attention_bias", path, false);
    c.mlp_bias = BoolField(j, "mlp_bias", path, false);
  }
  c.context = c.max_position_embeddings;
  const bool windowed = c.architecture == "MistralForCausalLM" ||
                        (c.architecture == "Qwen2ForCausalLM" && BoolField(j, "use_sliding_window", path, false));
  if (windowed && Optional(j, "sliding_window") != nullptr) {
    c.context = std::min(c.context, IntField(j, "sliding_window", path, std::nullopt, kMaxHfPositions));
  }
  if (const Json* dtype = Optional(j, "torch_dtype"); dtype != nullptr && dtype->is_string()) {
    c.torch_dtype = dtype->get<std::string>();
  }
  CheckParameterCount(c, path);
  c.eos_token_ids = TokenIds(j, "eos_token_id", path);
  const std::vector<int> bos = TokenIds(j, "bos_token_id", path);
  if (!bos.empty()) c.bos_token_id = bos.front();
  return c;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> HfParameterShapes(const HfModelConfig& c) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  const int64_t d = c.hidden_size, q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  shapes.push_back({"model.embed_tokens.weight", {c.vocab_size, d}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    shapes.push_back({p + "input_layernorm.weight", {d}});
    shapes.push_back({p + "self_attn.q_proj.weight", {q, d}});
    if (c.qkv_bias) shapes.push_back({p + "self_attn.q_proj.bias", {q}});
    shapes.push_back({p + "self_attn.k_proj.weight", {kv, d}});
    if (c.qkv_bias) shapes.push_back({p + "self_attn.k_proj.bias", {kv}});
    shapes.push_back({p + "self_attn.v_proj.weight", {kv, d}});
    if (c.qkv_bias) shapes.push_back({p + "self_attn.v_proj.bias", {kv}});
    shapes.push_back({p + "self_attn.o_proj.weight", {d, q}});
    if (c.o_bias) shapes.push_back({p + "self_attn.o_proj.bias", {d}});
    shapes.push_back({p + "post_attention_layernorm.weight", {d}});
    shapes.push_back({p + "mlp.gate_proj.weight", {c.intermediate_size, d}});
    if (c.mlp_bias) shapes.push_back({p + "mlp.gate_proj.bias", {c.intermediate_size}});
    shapes.push_back({p + "mlp.up_proj.weight", {c.intermediate_size, d}});
    if (c.mlp_bias) shapes.push_back({p + "mlp.up_proj.bias", {c.intermediate_size}});
    shapes.push_back({p + "mlp.down_proj.weight", {d, c.intermediate_size}});
    if (c.mlp_bias) shapes.push_back({p + "mlp.down_proj.bias", {d}});
  }
  shapes.push_back({"model.norm.weight", {d}});
  if (!c.tie_word_embeddings) shapes.push_back({"lm_head.weight", {c.vocab_size, d}});
  return shapes;
}

bool IsHfModelDir(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / kConfigFile;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const std::string text = ReadTextFile(path.string());
    if (JsonNestingDepth(text) > kMaxJsonDepth) return false;
    const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() && j.contains("architectures");
  } catch (const InputError&) {
    return false;  // Load reports it
  }
}

HfModelConfig LoadHfModelConfig(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string config_path = (fs::path(dir) / kConfigFile).string();
  HfModelConfig config = HfModelConfig::FromJson(ReadJsonFile(config_path), config_path);
  const std::string generation_path = (fs::path(dir) / kGenerationConfigFile).string();
  if (fs::exists(generation_path)) {
    const Json generation = ReadJsonFile(generation_path);
    if (!generation.is_object()) throw InputError(generation_path, 0, "a JSON object");
    std::vector<int> eos = TokenIds(generation, "eos_token_id", generation_path);
    if (!eos.empty()) config.eos_token_ids = std::move(eos);
    const std::vector<int> bos = TokenIds(generation, "bos_token_id", generation_path);
    if (!bos.empty()) config.bos_token_id = bos.front();
  }
  for (int id : config.eos_token_ids) {
    if (id >= config.vocab_size) {
      throw InputError(config_path, 0, "eos_token_id below vocab_size, got " + std::to_string(id));
    }
  }
  return config;
}

}  // namespace steptree

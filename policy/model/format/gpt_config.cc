// GptConfig <-> JSON (config.json of a checkpoint). Strict: every field is required and
// typed, unknown fields are rejected (a typo such as "n_layers" must not silently fall back
// to a default), and sizes must be consistent (d_model % n_head == 0, even head width for
// RoPE). "training" is the free-form record Policy::Save stores beside the config.
#include "policy/model/format/gpt_config.h"

#include <cmath>
#include <set>

#include "core/input_error.h"

namespace steptree {
namespace {

const nlohmann::json& Field(const nlohmann::json& j, const char* name, const std::string& source) {
  auto it = j.find(name);
  if (it == j.end()) throw InputError(source, 0, std::string("field \"") + name + "\"");
  return *it;
}

std::string StringField(const nlohmann::json& j, const char* name, const std::string& source) {
  const nlohmann::json& v = Field(j, name, source);
  if (!v.is_string()) throw InputError(source, 0, std::string("\"") + name + "\" to be a string");
  return v.get<std::string>();
}

int PositiveIntField(const nlohmann::json& j, const char* name, const std::string& source, int max) {
  const nlohmann::json& v = Field(j, name, source);
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > max) {
    throw InputError(source, 0,
                     std::string("\"") + name + "\" to be a positive integer of at most " + std::to_string(max));
  }
  return static_cast<int>(v.get<int64_t>());
}

float NumberField(const nlohmann::json& j, const char* name, const std::string& source) {
  const nlohmann::json& v = Field(j, name, source);
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    throw InputError(source, 0, std::string("\"") + name + "\" to be a finite number");
  }
  return v.get<float>();
}

}  // namespace

nlohmann::json GptConfig::ToJson() const {
  nlohmann::json j = {{"architecture", architecture}, {"tokenizer", tokenizer},   {"vocab_size", vocab_size},
          {"n_layer", n_layer},           {"n_head", n_head},         {"d_model", d_model},
          {"d_ff", d_ff},                 {"context", context},       {"positions", positions},
          {"rope_theta", rope_theta},     {"dropout", dropout},       {"tie_embeddings", tie_embeddings}};
  if (tool != "none") j["tool"] = tool;
  return j;
}

GptConfig GptConfig::FromJson(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw InputError(source, 0, "a JSON object with the model configuration");
  static const std::set<std::string> kKnown = {
      "architecture", "tokenizer", "vocab_size", "n_layer",    "n_head",  "d_model",        "d_ff",
      "context",      "positions", "rope_theta", "dropout",    "training", "tie_embeddings", "tool"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kKnown.count(it.key())) throw InputError(source, 0, "no unknown field, got \"" + it.key() + "\"");
  }
  GptConfig c;
  c.architecture = StringField(j, "architecture", source);
  if (c.architecture != "steptree-gpt") {
    throw InputError(source, 0, "architecture \"steptree-gpt\", got \"" + c.architecture + "\"");
  }
  c.tokenizer = StringField(j, "tokenizer", source);
  c.vocab_size = PositiveIntField(j, "vocab_size", source, kMaxGptVocab);
  c.n_layer = PositiveIntField(j, "n_layer", source, kMaxGptLayers);
  c.n_head = PositiveIntField(j, "n_head", source, kMaxGptWidth);
  c.d_model = PositiveIntField(j, "d_model", source, kMaxGptWidth);
  c.d_ff = PositiveIntField(j, "d_ff", source, kMaxGptWidth);
  c.context = PositiveIntField(j, "context", source, kMaxGptContext);
  c.positions = StringField(j, "positions", source);
  c.rope_theta = NumberField(j, "rope_theta", source);
  c.dropout = NumberField(j, "dropout", source);
  const nlohmann::json& tie = Field(j, "tie_embeddings", source);
  if (!tie.is_boolean()) throw InputError(source, 0, "\"tie_embeddings\" to be true or false");
  c.tie_embeddings = tie.get<bool>();
  if (j.contains("tool")) {
    c.tool = StringField(j, "tool", source);
    if (c.tool != "none" && c.tool != "calculator") {
      throw InputError(source, 0, "tool \"none\" or \"calculator\", got \"" + c.tool + "\"");
    }
  }

  if (c.d_model % c.n_head != 0) {
    throw InputError(source, 0,
                     "d_model divisible by n_head, got d_model " + std::to_string(c.d_model) +
                         " and n_head " + std::to_string(c.n_head));
  }
  if (c.context < 2) throw InputError(source, 0, "context >= 2");
  {
    // Embedding, positions, blocks (attention 4 d^2, MLP 2 d d_ff, norms and biases), head.
    const int64_t d = c.d_model, ff = c.d_ff;
    const int64_t per_block = 4 * d * d + 2 * d * ff + 9 * d + ff;  // <= 2^35 with the caps
    const int64_t total = int64_t{c.vocab_size} * d * (c.tie_embeddings ? 1 : 2) +
                          int64_t{c.context} * d + per_block * c.n_layer + 2 * d;
    if (total > kMaxGptParameters) {
      throw InputError(source, 0,
                       "sizes implying at most " + std::to_string(kMaxGptParameters) +
                           " parameters (vocab_size, d_model, d_ff, n_layer)");
    }
  }
  if (c.positions != "rope" && c.positions != "learned") {
    throw InputError(source, 0, "positions \"rope\" or \"learned\", got \"" + c.positions + "\"");
  }
  if (c.positions == "rope" && (c.d_model / c.n_head) % 2 != 0) {
    throw InputError(source, 0, "an even head width (d_model / n_head) for rope positions");
  }
  if (!(c.rope_theta > 0.f)) throw InputError(source, 0, "rope_theta > 0");
  if (!(c.dropout >= 0.f && c.dropout < 1.f)) throw InputError(source, 0, "dropout in [0, 1)");
  return c;
}

}  // namespace steptree

// `inspect` on model files (app/inspect.h): checkpoint directories (config.json +
// model.safetensors, value_head.safetensors), Hugging Face model directories (architecture
// and sizes from config.json, the weights' files, dtypes and parameter count checked
// against the config, the tokenizer and prompt format, the value head) and .safetensors
// files (config, tensors, parameter count).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/inspect.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "policy/model/format/gpt_config.h"
#include "policy/model/format/hf_config.h"
#include "policy/model/format/safetensors.h"
#include "policy/model/hf_weights.h"
#include "policy/text/hf_prompt.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "a readable file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(path, 0, "a readable file (I/O error)");
  return text.str();
}

// The checkpoint's config.json, validated by GptConfig::FromJson; null when absent.
json ReadConfig(const std::string& path) {
  if (!fs::exists(path)) return nullptr;
  const std::string text = ReadWholeFile(path);
  if (!IsValidUtf8(text)) throw InputError(path, 0, "UTF-8 JSON text, found invalid bytes");
  json config;
  try {
    config = json::parse(text);
  } catch (const json::parse_error& e) {
    long line = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) line += text[i] == '\n';
    throw InputError(path, line, "a JSON object (the model config), not valid JSON here");
  }
  if (!config.is_object()) {
    throw InputError(path, 0, std::string("a JSON object (the model config), found ") +
                                  config.type_name());
  }
  return GptConfig::FromJson(config, path).ToJson();
}

json SummarizeWeights(const std::string& kind, const std::string& path,
                      const std::string& weights, const json& config) {
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::Open(weights);
  json tensors = json::array();
  unsigned long long parameters = 0, bytes = 0;
  for (const TensorView& t : file->tensors()) {
    unsigned long long count = 1;
    for (int64_t d : t.shape) count *= static_cast<unsigned long long>(d);
    parameters += count;
    bytes += t.nbytes;
    tensors.push_back({{"name", t.name}, {"dtype", DTypeName(t.dtype)}, {"shape", t.shape}});
  }
  return {{"path", path},
          {"kind", kind},
          {"safetensors", weights},
          {"config", config},
          {"metadata", file->metadata()},
          {"tensors", tensors},
          {"tensor_count", tensors.size()},
          {"parameters", parameters},
          {"bytes", bytes}};
}

}  // namespace

void PrintWeights(const json& s, std::ostream& out) {
  out << "file         " << s["path"].get<std::string>() << "\n"
      << "kind         "
      << (s["kind"] == "checkpoint" ? "checkpoint directory" : "safetensors file") << "\n";
  if (s["config"].is_null()) {
    out << "config       none\n";
  } else {
    out << "config      ";
    for (const auto& [key, value] : s["config"].items()) out << " " << key << "=" << value.dump();
    out << "\n";
  }
  for (const auto& [key, value] : s["metadata"].items()) {
    out << "metadata     " << key << " = " << value.get<std::string>() << "\n";
  }
  out << "tensors      " << s["tensor_count"].get<size_t>() << "\n";
  size_t width = 0;
  for (const json& t : s["tensors"]) width = std::max(width, t["name"].get<std::string>().size());
  for (const json& t : s["tensors"]) {
    const std::string name = t["name"].get<std::string>();
    std::string shape = "[";
    for (size_t i = 0; i < t["shape"].size(); ++i) {
      shape += (i ? ", " : "") + t["shape"][i].dump();
    }
    shape += "]";
    out << "  " << name << std::string(width - name.size() + 2, ' ') << t["dtype"].get<std::string>()
        << "  " << shape << "\n";
  }
  out << "parameters   " << s["parameters"].get<unsigned long long>() << " ("
      << s["bytes"].get<unsigned long long>() << " bytes)\n";
  if (s.contains("value_head")) {
    out << "value head   "
        << (s["value_head"].is_null() ? std::string("none (search modes that rank by value need one)")
                                      : s["value_head"]["safetensors"].get<std::string>() + ", " +
                                            std::to_string(s["value_head"]["parameters"].get<unsigned long long>()) +
                                            " parameters")
        << "\n";
  }
}

// ---- Hugging Face model directories ----------------------------------------------------

json SummarizeHfModel(const std::string& path) {
  const HfModelConfig c = LoadHfModelConfig(path);
  // Open validates every header; Check the tensors against the config (as loading does).
  const HfWeights weights = HfWeights::Open(path);
  const auto shapes = HfParameterShapes(c);
  weights.Check(shapes, c.tie_word_embeddings);
  unsigned long long parameters = 0, bytes = 0;
  for (const auto& [name, shape] : shapes) {
    unsigned long long count = 1;
    for (int64_t d : shape) count *= static_cast<unsigned long long>(d);
    parameters += count;
  }
  json files = json::array();
  for (const std::string& file : weights.files()) {
    files.push_back(fs::path(file).filename().string());
    bytes += fs::file_size(file);
  }
  json tokenizer = nullptr;
  if (fs::exists(fs::path(path) / "tokenizer.json")) {
    const HfPromptSettings settings = HfPromptSettings::FromDirectory(path);
    const HfText text = LoadHfText(path, settings);
    const HfPolicyTokenizer& t = *text.tokenizer;
    tokenizer = {{"vocab_size", t.vocab_size()},
                 {"bos_id", t.bos_id()},
                 {"eos_id", t.eos_id()},
                 {"stop_ids", t.inner().stop_ids()},
                 {"chat_template", !t.inner().chat_template().empty()},
                 {"prompt_format", text.prompt->name()},
                 {"step_delimiter", text.prompt->step_delimiter()}};
  }
  const std::string head = (fs::path(path) / "value_head.safetensors").string();
  return {{"path", path},
          {"kind", "hf_model"},
          {"architecture", c.architecture},
          {"layers", c.num_hidden_layers},
          {"hidden_size", c.hidden_size},
          {"intermediate_size", c.intermediate_size},
          {"heads", c.num_attention_heads},
          {"kv_heads", c.num_key_value_heads},
          {"head_dim", c.head_dim},
          {"vocab_size", c.vocab_size},
          {"context", c.context},
          {"rope_theta", c.rope_theta},
          {"rope_scaling", c.rope_scaling.type},
          {"tie_word_embeddings", c.tie_word_embeddings},
          {"biases", {{"qkv", c.qkv_bias}, {"o", c.o_bias}, {"mlp", c.mlp_bias}}},
          {"config_torch_dtype", c.torch_dtype},
          {"weights", {{"files", files}, {"dtypes", weights.DTypes()}, {"parameters", parameters}, {"bytes", bytes}}},
          {"tokenizer", tokenizer},
          {"value_head", fs::exists(head) ? SummarizeSafetensors(head) : json()}};
}

void PrintHfModel(const json& s, std::ostream& out) {
  auto list = [](const json& items) {
    std::string text;
    for (const json& item : items) text += (text.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
    return text;
  };
  const json& w = s["weights"];
  char params[64];
  std::snprintf(params, sizeof params, "%.1fM", w["parameters"].get<double>() / 1e6);
  out << "file         " << s["path"].get<std::string>() << "\n"
      << "kind         Hugging Face model directory\n"
      << "architecture " << s["architecture"].get<std::string>() << "\n"
      << "layers       " << s["layers"] << ", hidden " << s["hidden_size"] << ", MLP " << s["intermediate_size"]
      << ", heads " << s["heads"] << " (KV heads " << s["kv_heads"] << ", head_dim " << s["head_dim"] << ")\n"
      << "vocab        " << s["vocab_size"] << ", context " << s["context"] << ", rope_theta " << s["rope_theta"]
      << " (" << s["rope_scaling"].get<std::string>() << ")" << (s["tie_word_embeddings"].get<bool>() ? ", tied embeddings" : "")
      << "\n"
      << "biases       q/k/v " << (s["biases"]["qkv"].get<bool>() ? "yes" : "no") << ", o "
      << (s["biases"]["o"].get<bool>() ? "yes" : "no") << ", MLP " << (s["biases"]["mlp"].get<bool>() ? "yes" : "no")
      << "\n"
      << "weights      " << list(w["files"]) << ": " << list(w["dtypes"]) << ", " << params << " parameters ("
      << w["bytes"].get<unsigned long long>() << " bytes)\n";
  const json& t = s["tokenizer"];
  if (t.is_null()) {
    out << "tokenizer    none (tokenizer.json missing)\n";
  } else {
    out << "tokenizer    tokenizer.json, " << t["vocab_size"] << " tokens, BOS " << t["bos_id"] << ", EOS "
        << t["eos_id"] << ", stop ids [" << list(t["stop_ids"]) << "], chat template "
        << (t["chat_template"].get<bool>() ? "yes" : "no") << "\n"
        << "prompt       " << t["prompt_format"].get<std::string>() << ", step delimiter "
        << t["step_delimiter"].dump() << "\n";
  }
  out << "value head   "
      << (s["value_head"].is_null() ? std::string("none (created fresh on load; search modes that rank by value need a trained one)")
                                    : "value_head.safetensors, " +
                                          std::to_string(s["value_head"]["parameters"].get<unsigned long long>()) +
                                          " parameters")
      << "\n";
}

// True when the file starts like a safetensors file: a little-endian u64 header length
// below 4 GiB followed by '{'.
bool LooksLikeSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[9];
  if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return false;
  return head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0 && head[8] == '{';
}

json SummarizeSafetensors(const std::string& path) { return SummarizeWeights("safetensors", path, path, nullptr); }

json SummarizeCheckpoint(const std::string& path) {
  const std::string weights = (fs::path(path) / "model.safetensors").string();
  json summary = SummarizeWeights("checkpoint", path, weights, ReadConfig((fs::path(path) / "config.json").string()));
  const std::string head = (fs::path(path) / "value_head.safetensors").string();
  summary["value_head"] = fs::exists(head) ? SummarizeSafetensors(head) : json();
  return summary;
}

}  // namespace steptree::app

// `steptree inspect FILE [--json]`: says what a file is. A JSONL data set (format, problem
// count, gold answers, reference steps, difficulties), a checkpoint directory (config.json +
// model.safetensors), a Hugging Face model directory (architecture and sizes from
// config.json, the weights' files, dtypes and parameter count checked against the config,
// the tokenizer and prompt format, the value head) or a .safetensors file (config, tensors,
// parameter count). Anything else, and any corrupt input, is an InputError (exit 2) naming
// the file.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "app/data_flags.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "datasets/loaders.h"
#include "policy/model/format/gpt_config.h"
#include "policy/model/format/hf_config.h"
#include "policy/text/hf_prompt.h"
#include "policy/model/hf_weights.h"
#include "policy/model/format/safetensors.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kJsonKeys = R"(
With --json, prints one JSON object:
  every file:  "path", "kind" ("dataset", "checkpoint", "hf_model" or "safetensors")
  dataset:     "format", "format_detected" (bool), "problems", "with_gold",
               "with_reference_steps", "reference_steps" (total), "difficulty"
               (object: level -> count), "without_difficulty", "sources" (object:
               source -> count), "first_id"
  checkpoint / safetensors:
               "safetensors" (path of the weights), "config" (object or null),
               "metadata" (object), "tensors" (array of {"name", "dtype", "shape"}),
               "tensor_count", "parameters" (total element count), "bytes" (tensor data)
  checkpoint:  "value_head": null, or the same summary of value_head.safetensors (the
               trained tanh value head)
  hf_model:    "architecture", "layers", "hidden_size", "intermediate_size", "heads",
               "kv_heads", "head_dim", "vocab_size", "context", "rope_theta", "rope_scaling",
               "tie_word_embeddings", "biases" ({"qkv", "o", "mlp"}), "config_torch_dtype",
               "weights" ({"files", "dtypes", "parameters", "bytes"}: checked against
               config.json), "tokenizer" (null, or {"vocab_size", "bos_id", "eos_id",
               "stop_ids", "chat_template" (bool), "prompt_format", "step_delimiter"}),
               "value_head" (null, or the summary of value_head.safetensors)
)";

// ---- data sets --------------------------------------------------------------------------

json SummarizeDataset(const LoadedDataset& data) {
  long with_gold = 0, with_steps = 0, steps = 0, without_difficulty = 0;
  std::map<int, long> difficulty;
  std::map<std::string, long> sources;
  for (const Problem& p : data.problems) {
    if (p.gold) ++with_gold;
    if (!p.reference_steps.empty()) ++with_steps;
    steps += static_cast<long>(p.reference_steps.size());
    if (p.difficulty) {
      ++difficulty[*p.difficulty];
    } else {
      ++without_difficulty;
    }
    ++sources[p.source];
  }
  json histogram = json::object();
  for (const auto& [level, count] : difficulty) histogram[std::to_string(level)] = count;
  return {{"path", data.path},
          {"kind", "dataset"},
          {"format", data.format},
          {"format_detected", data.detected},
          {"problems", data.problems.size()},
          {"with_gold", with_gold},
          {"with_reference_steps", with_steps},
          {"reference_steps", steps},
          {"difficulty", histogram},
          {"without_difficulty", without_difficulty},
          {"sources", sources},
          {"first_id", data.problems.empty() ? "" : data.problems.front().id}};
}

void PrintDataset(const json& s, std::ostream& out) {
  const long problems = s["problems"].get<long>();
  out << "file         " << s["path"].get<std::string>() << "\n"
      << "kind         JSONL data set\n"
      << "format       " << s["format"].get<std::string>()
      << (s["format_detected"].get<bool>() ? " (detected)" : " (named)") << "\n"
      << "problems     " << problems << "\n"
      << "with gold    " << s["with_gold"].get<long>() << "\n"
      << "with steps   " << s["with_reference_steps"].get<long>();
  if (s["with_reference_steps"].get<long>() > 0) {
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.1f",
                  s["reference_steps"].get<double>() / s["with_reference_steps"].get<double>());
    out << " (" << mean << " steps each on average)";
  }
  out << "\ndifficulty  ";
  std::map<int, long> levels;
  for (const auto& [level, count] : s["difficulty"].items()) {
    levels[std::stoi(level)] = count.get<long>();
  }
  for (const auto& [level, count] : levels) out << " " << level << ": " << count;
  const long without = s["without_difficulty"].get<long>();
  if (without == problems) {
    out << " none given";
  } else if (without > 0) {
    out << "  (" << without << " without)";
  }
  out << "\nsources     ";
  for (const auto& [source, count] : s["sources"].items()) {
    out << " " << source << ": " << count.get<long>();
  }
  out << "\nfirst id     " << s["first_id"].get<std::string>() << "\n";
}

// ---- checkpoints and safetensors files --------------------------------------------------

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
          {"value_head", fs::exists(head) ? SummarizeWeights("safetensors", head, head, nullptr) : json()}};
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

json Inspect(const std::string& path, const LoaderOptions& loader, std::string* kind) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError(path, 0, "an existing file or directory");
  if (fs::is_directory(status) && IsHfModelDir(path)) {
    *kind = "hf_model";
    return SummarizeHfModel(path);
  }
  if (fs::is_directory(status)) {
    const std::string weights = (fs::path(path) / "model.safetensors").string();
    if (!fs::exists(weights)) {
      throw InputError(path, 0,
                       "a checkpoint directory holding model.safetensors (and config.json)");
    }
    *kind = "checkpoint";
    json summary = SummarizeWeights("checkpoint", path, weights, ReadConfig((fs::path(path) / "config.json").string()));
    const std::string head = (fs::path(path) / "value_head.safetensors").string();
    summary["value_head"] = fs::exists(head) ? SummarizeWeights("safetensors", head, head, nullptr) : json();
    return summary;
  }
  if (fs::path(path).extension() == ".safetensors" || LooksLikeSafetensors(path)) {
    *kind = "safetensors";
    return SummarizeWeights("safetensors", path, path, nullptr);
  }
  *kind = "dataset";
  return SummarizeDataset(LoadProblems(path, loader));
}

int RunInspect(int argc, char** argv) {
  cxxopts::Options options("steptree inspect",
                           "Says what a file is: a JSONL data set, a checkpoint directory "
                           "(config.json + model.safetensors), a Hugging Face model directory "
                           "(Llama, Qwen2, Mistral) or a .safetensors file.");
  // clang-format off
  options.add_options()
    ("file", "data set, checkpoint or Hugging Face model directory, or .safetensors file",
     cxxopts::value<std::string>())
    ("json", "print one JSON object (keys below)")
    ("h,help", "print this help");
  // clang-format on
  AddDataFlags(options);
  options.parse_positional({"file"});
  options.positional_help("FILE");
  const cxxopts::ParseResult result = options.parse(argc, argv);
  if (result.count("help")) {
    std::cout << options.help() << kJsonKeys;
    return 0;
  }
  if (!result.count("file")) throw UsageError("inspect needs FILE (steptree inspect --help)");
  if (!result.unmatched().empty()) {
    throw UsageError("inspect takes one FILE, found also '" + result.unmatched().front() + "'");
  }
  std::string kind;
  const json summary =
      Inspect(result["file"].as<std::string>(), DataFlagsFrom(result), &kind);
  if (result.count("json")) {
    std::cout << summary.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  } else if (kind == "dataset") {
    PrintDataset(summary, std::cout);
  } else if (kind == "hf_model") {
    PrintHfModel(summary, std::cout);
  } else {
    PrintWeights(summary, std::cout);
  }
  return 0;
}

CommandRegistrar inspect_registrar({"inspect", "what a file is: data set, checkpoint or Hugging Face model", RunInspect});

}  // namespace
}  // namespace steptree::app

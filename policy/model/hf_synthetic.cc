// Random-weight Hugging Face model directories (policy/model/hf_synthetic.h).
#include "policy/model/hf_synthetic.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "policy/model/hf_weights.h"

namespace steptree {
namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// GPT-2's byte-level alphabet: printable Latin-1 bytes stand for themselves, the others map
// to U+0100 upwards in byte order.
std::string ByteSymbol(int byte) {
  auto printable = [](int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255); };
  int code = byte;
  if (!printable(byte)) {
    code = 256;
    for (int b = 0; b < byte; ++b) code += printable(b) ? 0 : 1;
  }
  std::string utf8;
  if (code < 0x80) {
    utf8.push_back(static_cast<char>(code));
  } else {
    utf8.push_back(static_cast<char>(0xC0 | (code >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
  return utf8;
}

}  // namespace

std::map<std::string, torch::Tensor> HfRandomWeights(const HfModelConfig& config, const HfRandomWeightOptions& options) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& [name, shape] : HfParameterShapes(config)) {
    torch::Tensor t = torch::empty(shape);
    const bool norm = name.find("norm") != std::string::npos;
    const bool bias = EndsWith(name, ".bias");
    const bool embedding = name == "model.embed_tokens.weight";
    t.normal_(0.0, embedding ? options.embedding_std : norm ? options.norm_std : bias ? options.bias_std
                                                                                     : options.matrix_std,
              gen);
    if (norm) t += 1.0;
    tensors[name] = options.bf16 ? t.to(torch::kBFloat16) : t;
  }
  return tensors;
}

std::string WriteHfCheckpoint(const std::string& dir, const nlohmann::json& config_json,
                              const nlohmann::json& generation_config,
                              const std::map<std::string, torch::Tensor>& tensors, bool sharded) {
  std::filesystem::create_directories(dir);
  WriteText(dir + "/config.json", config_json.dump(2));
  if (!generation_config.is_null()) WriteText(dir + "/generation_config.json", generation_config.dump(2));
  if (!sharded) {
    SaveHfTensors(dir + "/model.safetensors", tensors);
    return dir;
  }
  std::map<std::string, torch::Tensor> shards[2];
  nlohmann::json weight_map = nlohmann::json::object();
  for (const auto& [name, t] : tensors) {
    const int shard = name.find("layers.1.") != std::string::npos || name.rfind("lm_head", 0) == 0 ? 1 : 0;
    shards[shard][name] = t;
    weight_map[name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
  }
  SaveHfTensors(dir + "/model-00001-of-00002.safetensors", shards[0]);
  SaveHfTensors(dir + "/model-00002-of-00002.safetensors", shards[1]);
  WriteText(dir + "/model.safetensors.index.json",
            nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump(2));
  return dir;
}

void WriteHfByteTokenizer(const std::string& dir, const std::string& style, int fill_to_vocab, int step_end_every) {
  if (style != "qwen" && style != "llama3" && style != "plain") {
    throw std::invalid_argument("WriteHfByteTokenizer: style qwen, llama3 or plain, got " + style);
  }
  std::filesystem::create_directories(dir);
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[ByteSymbol(b)] = b;
  const std::string nl = ByteSymbol('\n'), space = ByteSymbol(' ');
  vocab[nl + nl] = 256;
  vocab["." + nl + nl] = 257;
  vocab[space + "t"] = 258;
  vocab["he"] = 259;
  const nlohmann::json merges = {nl + " " + nl, ". " + nl + nl, space + " t", "h e"};
  const bool llama = style == "llama3";
  const std::vector<std::string> specials =
      llama ? std::vector<std::string>{"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>",
                                       "<|end_header_id|>"}
            : std::vector<std::string>{"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  nlohmann::json added = nlohmann::json::array();
  for (size_t i = 0; i < specials.size(); ++i) {
    added.push_back({{"id", 260 + static_cast<int>(i)}, {"content", specials[i]}, {"single_word", false},
                     {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  for (int id = 260 + static_cast<int>(specials.size()); id < fill_to_vocab; ++id) {
    std::string word = space + "w" + std::to_string(id);
    if (step_end_every > 0 && id % step_end_every == 0) word += nl + nl;
    vocab[word] = id;
  }
  const std::string regex =
      std::string("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|") +
      (llama ? "\\p{N}{1,3}" : "\\p{N}") + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const nlohmann::json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  nlohmann::json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", llama ? nlohmann::json(nullptr) : nlohmann::json{{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}},
          byte_level}}}},
      {"post_processor", byte_level},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
        {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
        {"merges", merges}}}};
  nlohmann::json config = {{"tokenizer_class", "PreTrainedTokenizerFast"}};
  if (llama) {
    tokenizer["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                    {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"pair", nlohmann::json::array()},
        {"special_tokens", {{"<|begin_of_text|>", {{"id", "<|begin_of_text|>"}, {"ids", {260}},
                                                   {"tokens", {"<|begin_of_text|>"}}}}}}};
    config["bos_token"] = "<|begin_of_text|>";
    config["eos_token"] = "<|end_of_text|>";
    config["chat_template"] =
        "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content + "
        "'<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
        "{% endif %}";
  } else {
    config["bos_token"] = nullptr;
    config["eos_token"] = "<|endoftext|>";
    config["pad_token"] = "<|endoftext|>";
    if (style == "qwen") {
      config["chat_template"] =
          "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    }
  }
  WriteText(dir + "/tokenizer.json", tokenizer.dump(1));
  WriteText(dir + "/tokenizer_config.json", config.dump(1));
}

}  // namespace steptree

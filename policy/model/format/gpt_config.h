// Configuration of the built-in GPT-style policy (decoder-only, pre-norm). No torch here.
// Stored as config.json in every checkpoint directory.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace steptree {

// Limits on a checkpoint's config.json, checked by FromJson before the model is built (its
// parameters and its context x context causal mask are allocated from these sizes before
// the weights are read). Each is an InputError naming the file.
constexpr int kMaxGptVocab = 1 << 20;       // vocab_size
constexpr int kMaxGptWidth = 1 << 16;       // d_model, d_ff, n_head
constexpr int kMaxGptLayers = 1024;         // n_layer
constexpr int kMaxGptContext = 1 << 13;     // context: the causal mask alone is context^2 floats (256 MiB)
constexpr int64_t kMaxGptParameters = int64_t{1} << 32;  // parameters the sizes imply (16 GiB as float)

struct GptConfig {
  std::string architecture = "steptree-gpt";  // fixed tag, checked on load
  std::string tokenizer = "byte";             // Tokenizer::kind()
  int vocab_size = 259;                       // tokenizer vocabulary
  int n_layer = 4;                            // transformer blocks
  int n_head = 4;                             // attention heads; d_model % n_head == 0
  int d_model = 128;                          // residual width
  int d_ff = 512;                             // MLP hidden width
  int context = 256;                          // maximum sequence length in tokens
  std::string positions = "rope";             // "rope" or "learned"
  float rope_theta = 10000.f;                 // RoPE base
  float dropout = 0.f;                        // training only
  bool tie_embeddings = true;                 // output projection shares the token embedding
  // "calculator": the model was trained to call the calculator tool ("<<EXPR=", the engine
  // writes "RESULT>>"; datasets/calculator.h), so generation runs it; "none": no tool.
  // Written to config.json only when not "none" (older checkpoints have no "tool").
  std::string tool = "none";

  nlohmann::json ToJson() const;
  // Throws InputError(source, 0, ...) on missing/mistyped fields or inconsistent sizes.
  static GptConfig FromJson(const nlohmann::json& j, const std::string& source);
};

}  // namespace steptree

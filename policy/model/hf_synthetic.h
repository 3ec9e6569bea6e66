// Random-weight Hugging Face model directories, written as `transformers` would save them:
// for tests (tiny Llama / Qwen2 / Mistral checkpoints checked against a Python reference)
// and for `steptree bench --hf-shapes` (a model with a real model's shapes; only the shapes
// matter to speed). Include only from torch translation units.
//
// Weights: every parameter HfParameterShapes(config) names, drawn from one seeded
// generator in that order: matrices N(0, matrix_std), the embedding N(0, embedding_std),
// norm gains 1 + N(0, norm_std), biases N(0, bias_std); stored F32 or BF16 (rounded from
// the F32 draw).
//
// Tokenizer: a byte-level BPE tokenizer.json of 263 or 265 tokens (ids 0..255 the bytes
// in GPT-2's byte alphabet, 256..259 the merges "\n\n", ".\n\n", " t", "he", then the
// special tokens) in the layout of Qwen2 ("qwen": NFC normalizer, ChatML chat template, no
// BOS), Meta's Llama-3 ("llama3": BOS added by a TemplateProcessing post-processor, header
// template), or without a chat template ("plain"). A model's vocab_size may exceed it (ids
// above the tokenizer's decode to nothing), as real checkpoints pad their embedding.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "policy/model/format/hf_config.h"

namespace steptree {

struct HfRandomWeightOptions {
  uint64_t seed = 1;
  bool bf16 = false;           // store BF16 (else F32)
  double matrix_std = 0.15;    // projections (and an untied lm_head)
  double embedding_std = 1.0;  // model.embed_tokens.weight
  double norm_std = 0.1;       // RMSNorm gains are 1 + N(0, norm_std)
  double bias_std = 0.1;
};

// The random parameters of `config` as described above, by name.
std::map<std::string, torch::Tensor> HfRandomWeights(const HfModelConfig& config, const HfRandomWeightOptions& options);

// Writes DIR/config.json (`config_json` as given), DIR/generation_config.json
// (`generation_config`, skipped when null) and the weights: DIR/model.safetensors, or with
// `sharded` two shards (layer 1 and lm_head in the second) and model.safetensors.index.json.
// Creates DIR. Returns DIR.
std::string WriteHfCheckpoint(const std::string& dir, const nlohmann::json& config_json,
                              const nlohmann::json& generation_config,
                              const std::map<std::string, torch::Tensor>& tensors, bool sharded = false);

// Writes DIR/tokenizer.json and DIR/tokenizer_config.json of the tiny tokenizer above;
// `style` is "qwen", "llama3" or "plain". Special tokens from id 260: Qwen / plain
// <|endoftext|>, <|im_start|>, <|im_end|>; Llama-3 <|begin_of_text|>, <|end_of_text|>,
// <|eot_id|>, <|start_header_id|>, <|end_header_id|>. Qwen and Llama-3 get chat templates
// that render ChatML and Llama-3's layout (the prompt formats chatml and llama3 of
// policy/text/hf_prompt.h), plain none.
//
// fill_to_vocab > 0 (the bench's random models): ids from the last special token up to
// fill_to_vocab - 1 become word tokens " w<id>", every step_end_every-th (id a multiple of
// it, when > 0) written " w<id>\n\n", so that sampling from near-uniform random logits
// writes visible text and ends a step (the default delimiter "\n\n") about once in
// step_end_every tokens, as a real model's steps end; without them almost every id of a
// 152k vocabulary decodes to nothing and no step ever ends. No merges reach these tokens:
// encoding text is unchanged.
void WriteHfByteTokenizer(const std::string& dir, const std::string& style, int fill_to_vocab = 0,
                          int step_end_every = 0);

}  // namespace steptree

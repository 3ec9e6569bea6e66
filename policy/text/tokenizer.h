// Tokenizers behind one interface: the built-in byte-level one (ByteTokenizer) and Hugging
// Face tokenizer.json models (policy/text/hf_prompt.h HfPolicyTokenizer). No torch here.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace steptree {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int> Encode(const std::string& text) const = 0;
  // Text that continues a sequence: no special token the tokenizer adds around a whole text
  // (a Hugging Face post-processor's BOS). The built-in tokenizer adds none anyway.
  virtual std::vector<int> EncodeContinuation(const std::string& text) const { return Encode(text); }
  // Special tokens decode to nothing.
  virtual std::string Decode(const std::vector<int>& ids) const = 0;
  virtual int vocab_size() const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;
  virtual int pad_id() const = 0;
  // True when `id` ends a reasoning step (the step delimiter; for the byte tokenizer '\n').
  virtual bool EndsStep(int id) const = 0;
  // True when `id` ends the whole solution: EOS (a Hugging Face model may have several stop
  // ids, policy/text/hf_prompt.h).
  virtual bool EndsSolution(int id) const { return id == eos_id(); }
  // "byte" for the built-in one; stored in checkpoint configs.
  virtual std::string kind() const = 0;
};

// Byte-level: ids 0..255 are the bytes, then BOS=256, EOS=257, PAD=258. Any UTF-8 (any
// byte string) round-trips exactly. The newline byte ends a step.
class ByteTokenizer final : public Tokenizer {
 public:
  static constexpr int kBos = 256;
  static constexpr int kEos = 257;
  static constexpr int kPad = 258;
  static constexpr int kVocabSize = 259;

  std::vector<int> Encode(const std::string& text) const override;
  std::string Decode(const std::vector<int>& ids) const override;
  int vocab_size() const override { return kVocabSize; }
  int bos_id() const override { return kBos; }
  int eos_id() const override { return kEos; }
  int pad_id() const override { return kPad; }
  bool EndsStep(int id) const override { return id == '\n'; }
  std::string kind() const override { return "byte"; }
};

// Throws InputError(config_path, 0, ...) for an unknown kind.
std::unique_ptr<Tokenizer> MakeTokenizer(const std::string& kind, const std::string& config_path);

}  // namespace steptree

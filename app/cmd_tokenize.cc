// steptree tokenize: token ids of text under a Hugging Face model directory's tokenizer
// (tokenizer.json + tokenizer_config.json), as policy/text/hf_tokenizer.h encodes them.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "policy/text/hf_tokenizer.h"

namespace steptree::app {
namespace {

std::string IdsJson(const std::vector<int>& ids) { return nlohmann::json(ids).dump(); }

// The text of one --input record: a JSON string, or an object with a string "text".
std::string TextOf(const nlohmann::json& record, const RecordContext& where) {
  if (record.is_string()) return record.get<std::string>();
  if (record.is_object()) return RequireString(record, "text", where);
  throw InputError(where.file, where.line, "a JSON string or an object with \"text\"");
}

int RunTokenize(int argc, char** argv) {
  cxxopts::Options options(
      "steptree tokenize",
      "Prints the token ids of text under a Hugging Face tokenizer (BPE: byte-level as\n"
      "GPT-2, Llama-3, Qwen2/Qwen3, DeepSeek-V3; SentencePiece-style as Llama-2, Mistral,\n"
      "Gemma, Gemma-3). DIR needs tokenizer.json and tokenizer_config.json.\n"
      "  --text T     prints the ids of T as a JSON array, e.g. [9707,11,1879]\n"
      "  --input F    F is JSONL, each line a JSON string or an object with \"text\";\n"
      "               prints one line {\"ids\": [...]} per input line\n"
      "Ids are what the reference (@lenml/tokenizers, transformers.js) gives for\n"
      "encode(text): special tokens written in the text are recognised, and a BOS is\n"
      "added only where tokenizer.json's post-processor adds one.\n"
      "Exit codes: 0 done, 2 bad usage or input (FILE:LINE: expected ...), 1 internal error.");
  options.add_options()
      ("model", "Hugging Face model directory", cxxopts::value<std::string>())
      ("text", "text to tokenize", cxxopts::value<std::string>())
      ("input", "JSONL file of texts to tokenize", cxxopts::value<std::string>())
      ("h,help", "show this help");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.unmatched().empty()) throw UsageError("unexpected argument '" + args.unmatched()[0] + "'");
  if (!args.count("model")) throw UsageError("--model DIR is required");
  if (args.count("text") + args.count("input") != 1) throw UsageError("give exactly one of --text, --input");

  const std::unique_ptr<Tokenizer> tokenizer = LoadHfTokenizer(args["model"].as<std::string>());
  if (args.count("text")) {
    std::cout << IdsJson(tokenizer->Encode(args["text"].as<std::string>())) << std::endl;
    return 0;
  }
  JsonlReader reader(args["input"].as<std::string>());
  nlohmann::json record;
  while (reader.Next(&record)) {
    const RecordContext where{reader.path(), reader.line_number()};
    std::cout << "{\"ids\":" << IdsJson(tokenizer->Encode(TextOf(record, where))) << "}\n";
  }
  reader.RequireRecords();
  std::cout.flush();
  return 0;
}

CommandRegistrar tokenize_registrar({"tokenize", "token ids of text under a Hugging Face tokenizer.json", RunTokenize});

}  // namespace
}  // namespace steptree::app

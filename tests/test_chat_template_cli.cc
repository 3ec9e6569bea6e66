// `steptree chat-template` through the binary (app/cmd_chat_template.cc): a model directory
// with a ChatML template, conversations in, {"text"} lines out; a conversation the template
// refuses, bad input lines and broken templates exit 2 naming the file and line.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cli_fixtures.h"

using namespace steptree;

namespace {

const char kChatMlTemplate[] =
    "{%- for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and not enable_thinking %}{{ '<think></think>' }}{% endif %}{% endif %}"
    "{%- if messages|length > 3 %}{{ raise_exception('at most 3 messages, got ' ~ messages|length) }}{% endif %}";

std::string WriteChatModel(const test::TempDir& dir, const std::string& name, const nlohmann::json& config) {
  const std::string model = dir.path() + "/" + name;
  std::filesystem::create_directories(model);
  std::ofstream(model + "/tokenizer_config.json") << config.dump();
  return model;
}

}  // namespace

TEST_CASE("chat-template: steptree chat-template renders each conversation of a JSONL file") {
  test::TempDir dir;
  const std::string model = WriteChatModel(dir, "m", {{"chat_template", kChatMlTemplate}, {"eos_token", "<|im_end|>"}});
  const std::string input = dir.Write(
      "in.jsonl",
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi \"you\" \u00e9"}], "add_generation_prompt": true})"
      "\n\n"
      R"({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})"
      "\n"
      R"({"messages": [{"role": "user", "content": "q"}], "add_generation_prompt": true, "chat_template_kwargs": {"enable_thinking": false}})"
      "\n");
  const auto r = test::Run(test::Steptree("chat-template --model " + model + " --input " + input));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output ==
        "{\"text\":\"<|im_start|>system\\nBe brief.<|im_end|>\\n<|im_start|>user\\nHi \\\"you\\\" \xc3\xa9<|im_end|>\\n"
        "<|im_start|>assistant\\n\"}\n"
        "{\"text\":\"<|im_start|>user\\nq<|im_end|>\\n<|im_start|>assistant\\na<|im_end|>\\n\"}\n"
        "{\"text\":\"<|im_start|>user\\nq<|im_end|>\\n<|im_start|>assistant\\n<think></think>\"}\n");

  const std::string out = dir.path() + "/out/rendered.jsonl";
  const auto to_file = test::Run(test::Steptree("chat-template --model " + model + " --input " + input + " -o " + out));
  REQUIRE_MESSAGE(to_file.exit_code == 0, to_file.output);
  CHECK(test::ReadFile(out) == r.output);
}

TEST_CASE("chat-template: steptree chat-template exits 2 naming the line a template refuses, bad lines and bad templates") {
  test::TempDir dir;
  const std::string model = WriteChatModel(dir, "m", {{"chat_template", kChatMlTemplate}});
  const std::string refused = dir.Write(
      "refused.jsonl",
      "{\"messages\": [{\"role\": \"user\", \"content\": \"ok\"}]}\n"
      "{\"messages\": [{\"role\": \"user\", \"content\": \"1\"}, {\"role\": \"assistant\", \"content\": \"2\"}, "
      "{\"role\": \"user\", \"content\": \"3\"}, {\"role\": \"assistant\", \"content\": \"4\"}]}\n");
  const std::string out = dir.path() + "/kept.jsonl";
  std::ofstream(out) << "old\n";
  auto r = test::Run(test::Steptree("chat-template --model " + model + " --input " + refused + " -o " + out));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(refused + ":2: expected a conversation the chat template accepts; it raised: at most 3 messages, got 4") !=
        std::string::npos);
  CHECK(test::ReadFile(out) == "old\n");  // the output appears whole or not at all

  for (const char* bad : {"42", "{\"messages\": {}}", "{\"messages\": [{\"content\": \"no role\"}]}",
                          "{\"messages\": [], \"add_generation_prompt\": 1}", "{\"messages\": [], \"extra\": 1}", "{not json"}) {
    const std::string input = dir.Write("bad.jsonl", std::string("{\"messages\": []}\n") + bad + "\n");
    r = test::Run(test::Steptree("chat-template --model " + model + " --input " + input));
    CHECK_MESSAGE(r.exit_code == 2, bad);
    CHECK_MESSAGE(r.output.find(input + ":2: expected") != std::string::npos, r.output);
  }

  const std::string ok = dir.Write("ok.jsonl", "{\"messages\": []}\n");
  const std::string broken = WriteChatModel(dir, "broken", {{"chat_template", "{% for m in messages %}\n{{ m.content }"}});
  r = test::Run(test::Steptree("chat-template --model " + broken + " --input " + ok));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(broken + "/tokenizer_config.json: expected a Jinja template that parses (2:") != std::string::npos);
  const std::string none = WriteChatModel(dir, "none", {{"eos_token", "</s>"}});
  r = test::Run(test::Steptree("chat-template --model " + none + " --input " + ok));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("expected a chat template") != std::string::npos);
  CHECK(test::Run(test::Steptree("chat-template --model " + model)).exit_code == 2);  // no --input
  CHECK(test::Run(test::Steptree("chat-template --model " + model + " --input " + dir.path() + "/missing.jsonl")).exit_code == 2);
}

// steptree chat-template: renders conversations with a Hugging Face model directory's chat
// template, as transformers' apply_chat_template(tokenize=False) renders them
// (policy/text/jinja_chat_template.h; the reference renderer is @huggingface/jinja).
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "core/atomic_output.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "core/jsonl.h"
#include "policy/text/jinja_chat_template.h"

namespace steptree::app {
namespace {

// One input line: what RenderChatTemplate takes.
struct ChatTemplateRequest {
  nlohmann::ordered_json messages;
  bool add_generation_prompt = false;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

const char kChatLineShape[] =
    "a JSON object {\"messages\": [{\"role\": ..., \"content\": ...}, ...], \"add_generation_prompt\": bool} "
    "(optional: \"tools\", \"documents\", \"chat_template_kwargs\": {...})";

ChatTemplateRequest ChatTemplateRequestOf(const std::string& line, const std::string& file, long line_number) {
  if (line.size() > kMaxJsonlLineBytes) throw InputError(file, line_number, "a line of at most 16 MiB");
  if (!IsValidUtf8(line)) throw InputError(file, line_number, "UTF-8 text, found invalid bytes");
  CheckJsonNesting(line, file, line_number);
  const nlohmann::ordered_json record = nlohmann::ordered_json::parse(line, nullptr, false);
  if (record.is_discarded() || !record.is_object()) throw InputError(file, line_number, kChatLineShape);
  ChatTemplateRequest request;
  for (auto it = record.begin(); it != record.end(); ++it) {
    const std::string& key = it.key();
    if (key == "messages") {
      request.messages = it.value();
    } else if (key == "add_generation_prompt") {
      if (!it.value().is_boolean()) throw InputError(file, line_number, "\"add_generation_prompt\" to be true or false");
      request.add_generation_prompt = it.value().get<bool>();
    } else if (key == "tools" || key == "documents") {
      request.extra[key] = it.value();
    } else if (key == "chat_template_kwargs") {
      if (!it.value().is_object()) throw InputError(file, line_number, "\"chat_template_kwargs\" to be an object");
      for (auto kw = it.value().begin(); kw != it.value().end(); ++kw) request.extra[kw.key()] = kw.value();
    } else {
      throw InputError(file, line_number,
                       "keys messages, add_generation_prompt, tools, documents, chat_template_kwargs, got \"" + key + "\"");
    }
  }
  if (!request.messages.is_array()) throw InputError(file, line_number, kChatLineShape);
  for (const nlohmann::ordered_json& message : request.messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      throw InputError(file, line_number, "each message to be an object with a string \"role\"");
    }
  }
  return request;
}

int RunChatTemplate(int argc, char** argv) {
  cxxopts::Options options(
      "steptree chat-template",
      "Renders conversations with a Hugging Face model's chat template, as transformers'\n"
      "apply_chat_template(tokenize=False) does (the output of @huggingface/jinja, the\n"
      "renderer of transformers.js). The template is DIR/tokenizer_config.json's\n"
      "\"chat_template\" (a string, or the entry named \"default\" of a list), else\n"
      "DIR/chat_template.jinja or chat_template.json; the template sees the special tokens\n"
      "of tokenizer_config.json (bos_token, eos_token, ...), messages, tools, documents,\n"
      "add_generation_prompt and the line's chat_template_kwargs.\n"
      "  --input F   JSONL, one conversation a line: {\"messages\": [{\"role\", \"content\"},\n"
      "              ...], \"add_generation_prompt\": bool} (optional \"tools\", \"documents\",\n"
      "              \"chat_template_kwargs\": {\"enable_thinking\": false, ...})\n"
      "Writes one line {\"text\": \"...\"} per conversation to -o (default: stdout); the\n"
      "file appears only once every line rendered.\n"
      "Exit codes: 0 done; 2 bad usage or input (FILE:LINE: expected ...), a template that\n"
      "does not parse (FILE: expected ..., with its line:column), or a conversation the\n"
      "template refuses (F:LINE, with the template's raise_exception message); 1 internal error.");
  options.add_options()
      ("model", "Hugging Face model directory", cxxopts::value<std::string>())
      ("input", "JSONL file of conversations", cxxopts::value<std::string>())
      ("o,output", "output JSONL, or - for stdout (default)", cxxopts::value<std::string>()->default_value("-"))
      ("h,help", "show this help");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.unmatched().empty()) throw UsageError("unexpected argument '" + args.unmatched()[0] + "'");
  if (!args.count("model")) throw UsageError("--model DIR is required");
  if (!args.count("input")) throw UsageError("--input F is required");
  const std::string model = args["model"].as<std::string>();
  const std::string input = args["input"].as<std::string>();

  const std::optional<ChatTemplate> chat_template = LoadChatTemplate(model);
  if (!chat_template) {
    throw InputError(model + "/tokenizer_config.json", 0,
                     "a chat template (\"chat_template\", a {\"name\": \"default\"} entry, or chat_template.jinja)");
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) throw InputError(input, 0, "a readable file");
  AtomicOutputFile out(args["output"].as<std::string>(), "-o");
  std::string line;
  long line_number = 0, conversations = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const ChatTemplateRequest request = ChatTemplateRequestOf(line, input, line_number);
    std::string text;
    try {
      text = RenderChatTemplate(*chat_template, request.messages, request.add_generation_prompt, request.extra);
    } catch (const jinja::RaisedError& e) {
      throw InputError(input, line_number, std::string("a conversation the chat template accepts; it raised: ") + e.what());
    } catch (const jinja::RenderError& e) {
      throw InputError(input, line_number, std::string("a conversation the chat template renders (") + e.what() + ")");
    }
    out.WriteLine(nlohmann::json{{"text", text}}.dump());
    ++conversations;
  }
  if (conversations == 0) throw InputError(input, 0, "at least one conversation");
  out.Commit();
  return 0;
}

CommandRegistrar chat_template_registrar(
    {"chat-template", "render conversations with a Hugging Face model's chat template", RunChatTemplate});

}  // namespace
}  // namespace steptree::app

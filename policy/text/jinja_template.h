// A Jinja template, parsed once and rendered any number of times, as Hugging Face renders
// chat templates. The reference is @huggingface/jinja 0.5.13 (the renderer of transformers.js;
// tests/hf_reference/render_templates.js renders with it): its output bytes, its undefined
// handling, its whitespace control (trim_blocks and lstrip_blocks on, as transformers sets
// them) and its filters. The parts: policy/text/jinja_lexer.h, jinja_parser.h,
// jinja_value.h, jinja_interpreter.h. No torch here.
//
// A template is untrusted input (it comes with a model): parsing refuses nesting deeper
// than kMaxTreeHeight, rendering stops at RenderLimits; neither crashes or hangs.
//
// Thread safety: Render is const and may run on several threads at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/text/jinja_ast.h"
#include "policy/text/jinja_value.h"

namespace steptree::jinja {

class Template {
 public:
  // Parses `text` (bytes that are not UTF-8 read as U+FFFD, as Node.js reads a file).
  // `source` names the template in errors (a file). Throws InputError(source, 0, "a Jinja
  // template that parses (LINE:COLUMN: expected ..., got ...)") when it does not parse.
  Template(std::string_view text, std::string source);

  // The text rendered with `variables` (a JSON object, each key a variable; whole numbers
  // are integers, as in JavaScript). Throws RaisedError when the template calls
  // raise_exception (what() is the template's message), RenderError when it fails
  // otherwise or passes a limit (what(): "SOURCE LINE:COLUMN: expected ...") or when a
  // variable's name is a built-in one (true, range, namespace, ...).
  std::string Render(const nlohmann::ordered_json& variables, const RenderLimits& limits = RenderLimits()) const;

  const std::string& source() const { return source_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string source_;
  std::vector<NodePtr> program_;
};

}  // namespace steptree::jinja

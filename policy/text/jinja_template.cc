// Parsing and rendering a whole template (policy/text/jinja_template.h).
#include "policy/text/jinja_template.h"

#include "core/input_error.h"
#include "policy/text/jinja_interpreter.h"
#include "policy/text/jinja_js.h"
#include "policy/text/jinja_lexer.h"
#include "policy/text/jinja_parser.h"

namespace steptree::jinja {

Template::Template(std::string_view text, std::string source) : text_(SanitizeUtf8(text)), source_(std::move(source)) {
  try {
    program_ = Parse(Tokenize(text_), text_.size());
  } catch (const SyntaxError& error) {
    const SourceLines lines(text_);
    throw InputError(source_, 0, "a Jinja template that parses (" + lines.Position(error.offset()) + ": " + error.what() + ")");
  }
}

std::string Template::Render(const nlohmann::ordered_json& variables, const RenderLimits& limits) const {
  Heap heap(limits);
  Interpreter interpreter(&heap);
  try {
    Environment* global = interpreter.GlobalScope();
    if (!variables.is_object() && !variables.is_null()) throw RenderError("the variables as a JSON object");
    if (variables.is_object()) {
      for (auto it = variables.begin(); it != variables.end(); ++it) interpreter.Declare(global, it.key(), it.value());
    }
    return ToWellFormedUtf8(interpreter.Render(program_, global));
  } catch (const RenderError& error) {
    const std::string where = error.offset ? " " + SourceLines(text_).Position(*error.offset) : "";
    RenderError located(source_ + where + ": expected " + error.what());
    located.offset = error.offset;
    throw located;
  }
}

}  // namespace steptree::jinja

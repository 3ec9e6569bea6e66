// The tokens of a Jinja template, as the reference chat-template renderer reads them
// (@huggingface/jinja 0.5.13, lexer.ts; its behaviour re-implemented, not its code). No torch.
//
// Before tokenizing, the text is preprocessed as Hugging Face renders chat templates
// (transformers and the reference both use trim_blocks = lstrip_blocks = true):
//   1. one trailing "\n" is dropped;
//   2. lstrip_blocks: spaces and tabs between a line start (after \n, \r, U+2028, U+2029)
//      and "{%", "{#" or "{-" are dropped;
//   3. trim_blocks: the "\n" right after "%}", "#}" or "-}" is dropped;
//   4. transformers' {% generation %} / {% endgeneration %} tags are removed (their "-"
//      trims the white space beside them).
// Then: text outside tags is one Text token; "{%-", "-%}", "{{-", "-}}", "{#-", "-#}" trim
// the JavaScript white space (jinja_js.h) of the neighbouring text; white space inside tags
// separates tokens; "-" or "+" after an operator or an opening bracket starts a signed
// number ("-1") or is a unary operator; "}}" inside a {...} literal closes the literal.
//
// Every token records the byte offset in the original template text where it starts, so
// errors can name a line and column (SourceLines).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace steptree::jinja {

enum class TokenType {
  kText,
  kNumber,      // "12", "-1.5"
  kString,      // the value, escapes resolved
  kIdentifier,  // names and keywords alike (if, for, in, not, true, ...)
  kEquals,      // =
  kOpenParen,
  kCloseParen,
  kOpenStatement,   // {%
  kCloseStatement,  // %}
  kOpenExpression,  // {{
  kCloseExpression, // }}
  kOpenSquare,
  kCloseSquare,
  kOpenCurly,
  kCloseCurly,
  kComma,
  kDot,
  kColon,
  kPipe,
  kAdditive,        // + - ~
  kMultiplicative,  // * / // %
  kExponent,        // **
  kComparison,      // < > <= >= == !=
  kUnary,           // a lone - or + before an operand
  kComment,
};

struct Token {
  TokenType type;
  std::string value;
  size_t offset;  // in the original template text
};

// A template that cannot be tokenized or parsed; offset into the original template text.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(size_t offset, const std::string& message) : std::runtime_error(message), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

// 1-based line and column (in code points) of byte offsets in a text.
class SourceLines {
 public:
  explicit SourceLines(std::string_view text);
  int Line(size_t offset) const;
  int Column(size_t offset) const;
  // "LINE:COLUMN".
  std::string Position(size_t offset) const;

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

// The tokens of `text` (UTF-8). Throws SyntaxError.
std::vector<Token> Tokenize(std::string_view text);

// A short name of a token type for messages ("'%}'", "a name", "text").
std::string DescribeToken(const Token& token);

}  // namespace steptree::jinja

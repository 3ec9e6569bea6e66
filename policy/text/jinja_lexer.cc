// Preprocessing and tokenizing a Jinja template (policy/text/jinja_lexer.h).
#include "policy/text/jinja_lexer.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

// Text after preprocessing, with the original offset of each byte (origin[size] is the
// original text's size).
struct MappedText {
  std::string text;
  std::vector<size_t> origin;

  void Append(std::string_view from, size_t first, size_t last, const std::vector<size_t>& from_origin) {
    text.append(from.substr(first, last - first));
    origin.insert(origin.end(), from_origin.begin() + first, from_origin.begin() + last);
  }
};

// Byte length of the JavaScript white space code point at text[pos], 0 when there is none.
size_t WhitespaceAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  size_t next = pos;
  return IsJsWhitespace(DecodeWtf8(text, &next)) ? next - pos : 0;
}

// Whether the code point ending at text[end] (exclusive) is white space; its start in *start.
bool WhitespaceBefore(std::string_view text, size_t end, size_t* start) {
  size_t at = end;
  while (at > 0 && (static_cast<unsigned char>(text[at - 1]) & 0xC0) == 0x80 && end - at < 3) --at;
  if (at == 0) return false;
  --at;
  size_t next = at;
  if (!IsJsWhitespace(DecodeWtf8(text, &next)) || next != end) return false;
  *start = at;
  return true;
}

bool IsLineTerminatorEnd(std::string_view text, size_t pos) {  // text[pos - 1 ..] ends a line
  const char last = text[pos - 1];
  if (last == '\n' || last == '\r') return true;
  return pos >= 3 && text.substr(pos - 3, 2) == "\xE2\x80" && (last == '\xA8' || last == '\xA9');
}

// Step 2 (lstrip_blocks): /^[ \t]*({[#%-])/gm -> "$1".
MappedText StripBlockIndents(const MappedText& in) {
  MappedText out;
  const std::string_view s = in.text;
  size_t pos = 0;
  while (pos < s.size()) {
    const bool line_start = pos == 0 || IsLineTerminatorEnd(s, pos);
    if (line_start) {
      size_t end = pos;
      while (end < s.size() && (s[end] == ' ' || s[end] == '\t')) ++end;
      const bool block = end + 1 < s.size() && s[end] == '{' && (s[end + 1] == '#' || s[end + 1] == '%' || s[end + 1] == '-');
      if (block) pos = end;  // drop the indent
      if (end > pos) {
        out.Append(s, pos, end, in.origin);
        pos = end;
        continue;
      }
    }
    out.Append(s, pos, pos + 1, in.origin);
    ++pos;
  }
  out.origin.push_back(in.origin.back());
  return out;
}

// Step 3 (trim_blocks): /([#%-]})\n/g -> "$1".
MappedText TrimBlockNewlines(const MappedText& in) {
  MappedText out;
  const std::string_view s = in.text;
  for (size_t pos = 0; pos < s.size();) {
    const bool closes = pos + 2 < s.size() && (s[pos] == '#' || s[pos] == '%' || s[pos] == '-') && s[pos + 1] == '}' &&
                        s[pos + 2] == '\n';
    if (closes) {
      out.Append(s, pos, pos + 2, in.origin);
      pos += 3;
    } else {
      out.Append(s, pos, pos + 1, in.origin);
      ++pos;
    }
  }
  out.origin.push_back(in.origin.back());
  return out;
}

size_t SkipWhitespace(std::string_view s, size_t pos) {
  while (size_t length = WhitespaceAt(s, pos)) pos += length;
  return pos;
}

// Matches /{%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/ at s[pos]: the end of the match, the
// end of the tag (before the trailing white space), and the two "-" flags.
bool MatchGenerationTag(std::string_view s, size_t pos, size_t* tag_end, size_t* match_end, bool* lstrip, bool* rstrip) {
  if (s.substr(pos, 2) != "{%") return false;
  size_t at = pos + 2;
  *lstrip = at < s.size() && s[at] == '-';
  if (*lstrip) ++at;
  at = SkipWhitespace(s, at);
  if (s.substr(at, 3) == "end") at += 3;
  if (s.substr(at, 10) != "generation") return false;
  at = SkipWhitespace(s, at + 10);
  *rstrip = at < s.size() && s[at] == '-';
  if (*rstrip) ++at;
  if (s.substr(at, 2) != "%}") return false;
  *tag_end = at + 2;
  *match_end = SkipWhitespace(s, *tag_end);
  return true;
}

// Step 4: transformers' generation tags removed.
MappedText RemoveGenerationTags(const MappedText& in) {
  MappedText out;
  const std::string_view s = in.text;
  size_t last = 0;
  for (size_t pos = s.find("{%"); pos != std::string_view::npos; pos = s.find("{%", pos)) {
    size_t tag_end, match_end;
    bool lstrip, rstrip;
    if (!MatchGenerationTag(s, pos, &tag_end, &match_end, &lstrip, &rstrip)) {
      ++pos;
      continue;
    }
    size_t end = pos, start;
    while (lstrip && end > last && WhitespaceBefore(s, end, &start)) end = start;
    out.Append(s, last, end, in.origin);
    if (!rstrip) out.Append(s, tag_end, match_end, in.origin);
    last = pos = match_end;
  }
  out.Append(s, last, s.size(), in.origin);
  out.origin.push_back(in.origin.back());
  return out;
}

MappedText Preprocess(std::string_view text) {
  MappedText mapped;
  mapped.text = std::string(text);
  mapped.origin.resize(text.size() + 1);
  for (size_t i = 0; i <= text.size(); ++i) mapped.origin[i] = i;
  if (!mapped.text.empty() && mapped.text.back() == '\n') {
    mapped.text.pop_back();
    mapped.origin.erase(mapped.origin.end() - 2);
  }
  return RemoveGenerationTags(TrimBlockNewlines(StripBlockIndents(mapped)));
}

// The fixed-spelling tokens, in the order the reference tries them.
struct FixedToken {
  const char* spelling;
  TokenType type;
};
const FixedToken kFixedTokens[] = {
    {"{%", TokenType::kOpenStatement},  {"%}", TokenType::kCloseStatement}, {"{{", TokenType::kOpenExpression},
    {"}}", TokenType::kCloseExpression}, {"(", TokenType::kOpenParen},       {")", TokenType::kCloseParen},
    {"{", TokenType::kOpenCurly},        {"}", TokenType::kCloseCurly},      {"[", TokenType::kOpenSquare},
    {"]", TokenType::kCloseSquare},      {",", TokenType::kComma},           {".", TokenType::kDot},
    {":", TokenType::kColon},            {"|", TokenType::kPipe},            {"<=", TokenType::kComparison},
    {">=", TokenType::kComparison},      {"==", TokenType::kComparison},     {"!=", TokenType::kComparison},
    {"<", TokenType::kComparison},       {">", TokenType::kComparison},      {"+", TokenType::kAdditive},
    {"-", TokenType::kAdditive},         {"~", TokenType::kAdditive},        {"**", TokenType::kExponent},
    {"*", TokenType::kMultiplicative},   {"//", TokenType::kMultiplicative}, {"/", TokenType::kMultiplicative},
    {"%", TokenType::kMultiplicative},   {"=", TokenType::kEquals},
};

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsDigitByte(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(const MappedText& source) : src_(source.text), origin_(source.origin) {}

  std::vector<Token> Run() {
    while (pos_ < src_.size()) Step();
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void Fail(const std::string& expected) const { throw SyntaxError(origin_[pos_], "expected " + expected); }

  char At(size_t pos) const { return pos < src_.size() ? src_[pos] : '\0'; }

  void Push(TokenType type, std::string value, size_t start) {
    tokens_.push_back(Token{type, std::move(value), origin_[std::min(start, src_.size())]});
  }

  bool LastIs(TokenType type) const { return !tokens_.empty() && tokens_.back().type == type; }

  // consumeWhile of the reference: the input may not end while the predicate holds.
  template <typename Predicate>
  std::string ConsumeWhile(Predicate predicate) {
    const size_t start = pos_;
    while (pos_ < src_.size() && predicate(pos_)) {
      pos_ += predicate(pos_);
      if (pos_ >= src_.size()) Fail("more of the template, got the end of it");
    }
    return std::string(src_.substr(start, pos_ - start));
  }
  std::string ConsumeDigits() {
    return ConsumeWhile([this](size_t at) -> size_t { return IsDigitByte(src_[at]) ? 1 : 0; });
  }

  void StripTrailingWhitespace() {
    if (!LastIs(TokenType::kText)) return;
    tokens_.back().value = std::string(JsTrimEnd(tokens_.back().value));
    if (tokens_.back().value.empty()) tokens_.pop_back();
  }

  bool AtTextStart() const {
    return tokens_.empty() || LastIs(TokenType::kCloseStatement) || LastIs(TokenType::kCloseExpression) ||
           LastIs(TokenType::kComment);
  }

  bool LexText() {
    size_t end = pos_;
    while (true) {
      end = src_.find('{', end);
      if (end == std::string_view::npos) {
        end = src_.size();
        break;
      }
      const char next = At(end + 1);
      if (next == '%' || next == '{' || next == '#') break;
      ++end;
    }
    if (end == pos_) return false;
    Push(TokenType::kText, std::string(src_.substr(pos_, end - pos_)), pos_);
    pos_ = end;
    return true;
  }

  void LexComment() {
    const size_t start = pos_;
    pos_ += 2;
    const bool strip_before = At(pos_) == '-';
    if (strip_before) ++pos_;
    const size_t end = src_.find("#}", pos_);
    if (end == std::string_view::npos) Fail("#} to end the comment");
    std::string comment(src_.substr(pos_, end - pos_));
    const bool strip_after = !comment.empty() && comment.back() == '-';
    if (strip_after) comment.pop_back();
    if (strip_before) StripTrailingWhitespace();
    Push(TokenType::kComment, std::move(comment), start);
    pos_ = end + 2;
    if (strip_after) pos_ = SkipWhitespace(src_, pos_);
  }

  // "{%-" or "{{-": trims the text before.
  bool LexTrimmingOpen() {
    if (At(pos_ + 2) != '-') return false;
    const char next = At(pos_ + 1);
    if (next != '%' && next != '{') return false;
    StripTrailingWhitespace();
    Push(next == '%' ? TokenType::kOpenStatement : TokenType::kOpenExpression, next == '%' ? "{%" : "{{", pos_);
    if (next == '{') curly_depth_ = 0;
    pos_ += 3;
    return true;
  }

  // "-%}" or "-}}": trims the text after.
  bool LexTrimmingClose() {
    if (At(pos_) != '-' || At(pos_ + 2) != '}') return false;
    const char next = At(pos_ + 1);
    if (next != '%' && next != '}') return false;
    Push(next == '%' ? TokenType::kCloseStatement : TokenType::kCloseExpression, next == '%' ? "%}" : "}}", pos_);
    pos_ = SkipWhitespace(src_, pos_ + 3);
    return true;
  }

  // A "-" or "+" that is not a binary operator: a signed number or a unary operator.
  bool LexSign() {
    const char sign = At(pos_);
    if (sign != '-' && sign != '+') return false;
    if (tokens_.empty() || LastIs(TokenType::kText)) Fail("no '" + std::string(1, sign) + "' here");
    switch (tokens_.back().type) {
      case TokenType::kIdentifier:
      case TokenType::kNumber:
      case TokenType::kString:
      case TokenType::kCloseParen:
      case TokenType::kCloseSquare:
        return false;  // a binary operator
      default:
        break;
    }
    const size_t start = pos_++;
    std::string number = ConsumeDigits();
    if (!number.empty() && At(pos_) == '.' && IsDigitByte(At(pos_ + 1))) {
      ++pos_;
      number += "." + ConsumeDigits();
    }
    Push(number.empty() ? TokenType::kUnary : TokenType::kNumber, std::string(1, sign) + number, start);
    return true;
  }

  bool LexFixed() {
    for (const FixedToken& fixed : kFixedTokens) {
      const std::string_view spelling = fixed.spelling;
      if (spelling == "}}" && curly_depth_ > 0) continue;
      if (src_.substr(pos_, spelling.size()) != spelling) continue;
      Push(fixed.type, std::string(spelling), pos_);
      if (fixed.type == TokenType::kOpenExpression) curly_depth_ = 0;
      if (fixed.type == TokenType::kOpenCurly) ++curly_depth_;
      if (fixed.type == TokenType::kCloseCurly) --curly_depth_;
      pos_ += spelling.size();
      return true;
    }
    return false;
  }

  void AppendEscape(std::string* value) {
    if (pos_ >= src_.size()) Fail("an escaped character, got the end of the template");
    const char escaped = src_[pos_++];
    if (escaped == 'x' || escaped == 'u') {
      const size_t length = escaped == 'x' ? 2 : 4;
      unsigned unit = 0;
      for (size_t i = 0; i < length; ++i) {
        const int digit = HexValue(At(pos_ + i));
        if (digit < 0 || pos_ + i >= src_.size()) Fail("a hexadecimal escape \\" + std::string(1, escaped) + "...");
        unit = unit * 16 + digit;
      }
      AppendJs(value, [unit] {
        std::string one;
        AppendWtf8(unit, &one);
        return one;
      }());
      pos_ += length;
      return;
    }
    static const std::pair<char, char> kEscapes[] = {{'n', '\n'}, {'t', '\t'}, {'r', '\r'},  {'b', '\b'}, {'f', '\f'},
                                                     {'v', '\v'}, {'\'', '\''}, {'"', '"'}, {'\\', '\\'}};
    for (const auto& [name, character] : kEscapes) {
      if (escaped == name) {
        value->push_back(character);
        return;
      }
    }
    --pos_;
    Fail("a known escape (\\n \\t \\r \\b \\f \\v \\' \\\" \\\\ \\xHH \\uHHHH)");
  }

  void LexString() {
    const char quote = src_[pos_];
    const size_t start = pos_++;
    std::string value;
    size_t run = pos_;  // start of the pending unescaped characters
    while (true) {
      if (pos_ >= src_.size()) {
        pos_ = start;
        Fail("the string to end with " + std::string(1, quote));
      }
      const char c = src_[pos_];
      if (c == quote) break;
      ++pos_;
      if (c != '\\') continue;
      AppendJs(&value, src_.substr(run, pos_ - 1 - run));
      AppendEscape(&value);
      run = pos_;
    }
    AppendJs(&value, src_.substr(run, pos_ - run));
    Push(TokenType::kString, std::move(value), start);
    ++pos_;
  }

  void LexNumberOrWord() {
    const size_t start = pos_;
    const char c = src_[pos_];
    if (IsDigitByte(c)) {
      std::string number = ConsumeDigits();
      if (!LastIs(TokenType::kDot) && At(pos_) == '.' && IsDigitByte(At(pos_ + 1))) {
        ++pos_;
        number += "." + ConsumeDigits();
      }
      Push(TokenType::kNumber, std::move(number), start);
      return;
    }
    if (IsWordByte(c)) {
      std::string word = ConsumeWhile([this](size_t at) -> size_t { return IsWordByte(src_[at]) ? 1 : 0; });
      Push(TokenType::kIdentifier, std::move(word), start);
      return;
    }
    Fail("a name, number, string or operator");
  }

  void Step() {
    if (AtTextStart() && LexText()) return;
    if (src_[pos_] == '{') {
      if (At(pos_ + 1) == '#') return LexComment();
      if (LexTrimmingOpen()) return;
    }
    ConsumeWhile([this](size_t at) { return WhitespaceAt(src_, at); });
    if (LexTrimmingClose() || LexSign() || LexFixed()) return;
    if (src_[pos_] == '\'' || src_[pos_] == '"') return LexString();
    LexNumberOrWord();
  }

  std::string_view src_;
  const std::vector<size_t>& origin_;
  size_t pos_ = 0;
  int curly_depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

SourceLines::SourceLines(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

int SourceLines::Line(size_t offset) const {
  return static_cast<int>(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - line_starts_.begin());
}

int SourceLines::Column(size_t offset) const {
  const size_t start = line_starts_[Line(offset) - 1];
  int column = 1;
  for (size_t pos = start; pos < offset && pos < text_.size();) {
    DecodeWtf8(text_, &pos);
    ++column;
  }
  return column;
}

std::string SourceLines::Position(size_t offset) const {
  return std::to_string(Line(offset)) + ":" + std::to_string(Column(offset));
}

std::vector<Token> Tokenize(std::string_view text) {
  const MappedText source = Preprocess(text);
  return Lexer(source).Run();
}

std::string DescribeToken(const Token& token) {
  switch (token.type) {
    case TokenType::kText: return "text";
    case TokenType::kComment: return "a comment";
    case TokenType::kString: return "a string";
    case TokenType::kNumber: return "the number " + token.value;
    case TokenType::kIdentifier: return "'" + token.value + "'";
    default: return "'" + token.value + "'";
  }
}

}  // namespace steptree::jinja

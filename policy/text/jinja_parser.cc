// The template grammar (policy/text/jinja_parser.h).
#include "policy/text/jinja_parser.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>

namespace steptree::jinja {
namespace {

enum class ArgumentMode { kCall, kParameters };

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, size_t end_offset) : tokens_(tokens), end_offset_(end_offset) {}

  std::vector<NodePtr> Program() {
    std::vector<NodePtr> body;
    while (current_ < tokens_.size()) body.push_back(ParseAny());
    return body;
  }

 private:
  // Counts the nesting of the recursive rules; past kMaxTreeHeight the template is refused.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* parser) : parser_(parser) {
      if (++parser_->depth_ > kMaxTreeHeight) parser_->Fail("a template nested at most " + std::to_string(kMaxTreeHeight) + " levels deep");
    }
    ~DepthGuard() { --parser_->depth_; }

   private:
    Parser* parser_;
  };

  const Token* Peek(size_t ahead = 0) const {
    return current_ + ahead < tokens_.size() ? &tokens_[current_ + ahead] : nullptr;
  }
  size_t HereOffset() const { return current_ < tokens_.size() ? tokens_[current_].offset : end_offset_; }
  [[noreturn]] void Fail(const std::string& expected) const {
    const Token* token = Peek();
    throw SyntaxError(HereOffset(), "expected " + expected + ", got " + (token ? DescribeToken(*token) : "the end of the template"));
  }

  bool Is(TokenType type) const { return Peek() && Peek()->type == type; }
  bool IsIdentifier(const char* name, size_t ahead = 0) const {
    const Token* token = Peek(ahead);
    return token && token->type == TokenType::kIdentifier && token->value == name;
  }
  bool IsStatement(std::initializer_list<const char*> names) const {
    if (!Is(TokenType::kOpenStatement)) return false;
    return std::any_of(names.begin(), names.end(), [this](const char* name) { return IsIdentifier(name, 1); });
  }
  const Token& Expect(TokenType type, const char* expected) {
    if (!Is(type)) Fail(expected);
    return tokens_[current_++];
  }
  void ExpectIdentifier(const char* name) {
    if (!IsIdentifier(name)) Fail(std::string("'") + name + "'");
    ++current_;
  }
  void ExpectEndTag(const char* name) {
    Expect(TokenType::kOpenStatement, (std::string("{% ") + name + " %}").c_str());
    ExpectIdentifier(name);
    Expect(TokenType::kCloseStatement, "'%}'");
  }
  // Statements up to one of `ends` (a {% name %} tag, left unconsumed).
  std::vector<NodePtr> ParseBlock(std::initializer_list<const char*> ends, const char* expected) {
    static const char* const kBlockWords[] = {"elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter"};
    std::vector<NodePtr> body;
    while (!IsStatement(ends)) {
      if (!Peek()) Fail(expected);
      for (const char* word : kBlockWords) {
        if (IsStatement({word})) {
          throw SyntaxError(Peek()->offset, std::string("expected ") + expected + ", got {% " + word + " %}");
        }
      }
      body.push_back(ParseAny());
    }
    return body;
  }
  NodePtr Finish(NodePtr node) const {
    if (!SetHeight(node.get())) {
      throw SyntaxError(node->offset, "expected a template nested at most " + std::to_string(kMaxTreeHeight) + " levels deep");
    }
    return node;
  }
  NodePtr Make(NodeKind kind, size_t offset, NodePtr a = nullptr, NodePtr b = nullptr, NodePtr c = nullptr) const {
    NodePtr node = MakeNode(kind, offset);
    node->a = std::move(a);
    node->b = std::move(b);
    node->c = std::move(c);
    return node;
  }

  NodePtr ParseAny() {
    DepthGuard guard(this);
    const Token& token = *Peek();
    switch (token.type) {
      case TokenType::kComment:
        ++current_;
        return MakeNode(NodeKind::kComment, token.offset);
      case TokenType::kText: {
        ++current_;
        NodePtr text = MakeNode(NodeKind::kString, token.offset);
        text->text = token.value;
        text->literal = std::make_shared<const std::string>(text->text);
        return text;
      }
      case TokenType::kOpenStatement:
        return ParseStatement();
      case TokenType::kOpenExpression: {
        ++current_;
        NodePtr expression = ParseExpression();
        Expect(TokenType::kCloseExpression, "'}}'");
        return expression;
      }
      default:
        Fail("text, '{{', '{%' or a comment");
    }
  }

  NodePtr ParseStatement() {
    const size_t start = Expect(TokenType::kOpenStatement, "'{%'").offset;
    if (!Is(TokenType::kIdentifier)) Fail("a statement name");
    const std::string name = Peek()->value;
    ++current_;
    NodePtr result;
    if (name == "set") {
      result = ParseSet(start);
    } else if (name == "if") {
      result = ParseIf(start);
      ExpectEndTag("endif");
    } else if (name == "macro") {
      result = ParseMacro(start);
      ExpectEndTag("endmacro");
    } else if (name == "for") {
      result = ParseFor(start);
      ExpectEndTag("endfor");
    } else if (name == "call") {
      result = ParseCallStatement(start);
    } else if (name == "break" || name == "continue") {
      Expect(TokenType::kCloseStatement, "'%}'");
      result = MakeNode(name == "break" ? NodeKind::kBreak : NodeKind::kContinue, start);
    } else if (name == "filter") {
      result = ParseFilterStatement(start);
    } else {
      --current_;
      Fail("a statement (set, if, for, macro, call, filter, break, continue)");
    }
    return Finish(std::move(result));
  }

  NodePtr ParseSet(size_t start) {
    NodePtr set = Make(NodeKind::kSet, start, ParseExpressionSequence(false));
    if (Is(TokenType::kEquals)) {
      ++current_;
      set->b = ParseExpressionSequence(false);
    } else {
      Expect(TokenType::kCloseStatement, "'=' or '%}'");
      set->body = ParseBlock({"endset"}, "{% endset %}");
      Expect(TokenType::kOpenStatement, "'{%'");
      ExpectIdentifier("endset");
    }
    Expect(TokenType::kCloseStatement, "'%}'");
    return set;
  }

  NodePtr ParseIf(size_t start) {
    DepthGuard guard(this);
    NodePtr node = Make(NodeKind::kIf, start, ParseExpression());
    Expect(TokenType::kCloseStatement, "'%}'");
    node->body = ParseBlock({"elif", "else", "endif"}, "{% endif %}");
    if (IsStatement({"elif"})) {
      const size_t elif = Peek()->offset;
      current_ += 2;
      node->alternate.push_back(Finish(ParseIf(elif)));
    } else if (IsStatement({"else"})) {
      current_ += 2;
      Expect(TokenType::kCloseStatement, "'%}'");
      node->alternate = ParseBlock({"endif"}, "{% endif %}");
    }
    return node;
  }

  NodePtr ParseMacro(size_t start) {
    NodePtr name = ParsePrimary();
    if (name->kind != NodeKind::kIdentifier) throw SyntaxError(name->offset, "expected a macro name");
    NodePtr macro = MakeNode(NodeKind::kMacro, start);
    macro->text = name->text;
    macro->items = ParseArguments(ArgumentMode::kParameters);
    Expect(TokenType::kCloseStatement, "'%}'");
    macro->body = ParseBlock({"endmacro"}, "{% endmacro %}");
    macro->special_names = FindSpecialNames(macro->items, macro->body);
    return macro;
  }

  NodePtr ParseFor(size_t start) {
    NodePtr variable = ParseExpressionSequence(true);
    if (variable->kind != NodeKind::kIdentifier && variable->kind != NodeKind::kTuple) {
      throw SyntaxError(variable->offset, "expected a name or names for the loop variable");
    }
    if (!IsIdentifier("in")) Fail("'in'");
    ++current_;
    NodePtr node = Make(NodeKind::kFor, start, std::move(variable), ParseExpression());
    Expect(TokenType::kCloseStatement, "'%}'");
    node->body = ParseBlock({"endfor", "else"}, "{% endfor %}");
    if (IsStatement({"else"})) {
      current_ += 2;
      Expect(TokenType::kCloseStatement, "'%}'");
      node->alternate = ParseBlock({"endfor"}, "{% endfor %}");
    }
    node->body_uses_loop = MentionsName(node->body, "loop") || MentionsName(node->alternate, "loop");
    return node;
  }

  NodePtr ParseCallStatement(size_t start) {
    NodePtr statement = MakeNode(NodeKind::kCallStatement, start);
    if (Is(TokenType::kOpenParen)) statement->items = ParseArguments(ArgumentMode::kParameters);
    NodePtr callee = ParsePrimary();
    if (callee->kind != NodeKind::kIdentifier) throw SyntaxError(callee->offset, "expected a macro name after 'call'");
    const size_t call_offset = callee->offset;
    NodePtr call = Make(NodeKind::kCall, call_offset, std::move(callee));
    call->items = ParseArguments(ArgumentMode::kCall);
    statement->a = Finish(std::move(call));
    Expect(TokenType::kCloseStatement, "'%}'");
    statement->body = ParseBlock({"endcall"}, "{% endcall %}");
    ExpectEndTag("endcall");
    statement->special_names = FindSpecialNames(statement->items, statement->body);
    return statement;
  }

  NodePtr ParseFilterStatement(size_t start) {
    NodePtr filter = ParsePrimary();
    if (filter->kind == NodeKind::kIdentifier && Is(TokenType::kOpenParen)) filter = ParseCallExpression(std::move(filter));
    NodePtr statement = Make(NodeKind::kFilterStatement, start, nullptr, std::move(filter));
    Expect(TokenType::kCloseStatement, "'%}'");
    statement->body = ParseBlock({"endfilter"}, "{% endfilter %}");
    ExpectEndTag("endfilter");
    return statement;
  }

  // `a` or `a, b, ...` (a tuple).
  NodePtr ParseExpressionSequence(bool primary) {
    const size_t start = HereOffset();
    auto parse_one = [this, primary] { return primary ? ParsePrimary() : ParseExpression(); };
    NodePtr first = parse_one();
    if (!Is(TokenType::kComma)) return first;
    NodePtr tuple = MakeNode(NodeKind::kTuple, start);
    tuple->items.push_back(std::move(first));
    do {
      ++current_;
      tuple->items.push_back(parse_one());
    } while (Is(TokenType::kComma));
    return Finish(std::move(tuple));
  }

  NodePtr ParseExpression() {
    DepthGuard guard(this);
    NodePtr value = ParseOr();
    if (!IsIdentifier("if")) return value;
    const size_t start = Peek()->offset;
    ++current_;
    NodePtr test = ParseOr();
    if (IsIdentifier("else")) {
      ++current_;
      NodePtr otherwise = ParseExpression();
      return Finish(Make(NodeKind::kTernary, start, std::move(test), std::move(value), std::move(otherwise)));
    }
    return Finish(Make(NodeKind::kSelect, start, std::move(value), std::move(test)));
  }

  NodePtr Binary(const Token& op, std::string name, NodePtr left, NodePtr right) const {
    NodePtr node = Make(NodeKind::kBinary, op.offset, std::move(left), std::move(right));
    node->text = std::move(name);
    return Finish(std::move(node));
  }

  NodePtr ParseOr() {
    NodePtr left = ParseAnd();
    while (IsIdentifier("or")) {
      const Token& op = tokens_[current_++];
      left = Binary(op, "or", std::move(left), ParseAnd());
    }
    return left;
  }

  NodePtr ParseAnd() {
    NodePtr left = ParseNot();
    while (IsIdentifier("and")) {
      const Token& op = tokens_[current_++];
      left = Binary(op, "and", std::move(left), ParseNot());
    }
    return left;
  }

  NodePtr ParseNot() {
    DepthGuard guard(this);
    NodePtr result;
    while (IsIdentifier("not")) {  // as the reference: `not a not b` keeps only `not b`
      const size_t start = tokens_[current_++].offset;
      NodePtr operand = ParseNot();
      result = Make(NodeKind::kUnary, start, std::move(operand));
      result->text = "not";
      result = Finish(std::move(result));
    }
    return result ? std::move(result) : ParseComparison();
  }

  NodePtr ParseComparison() {
    NodePtr left = ParseAdditive();
    while (true) {
      std::string name;
      const Token* op = Peek();
      if (IsIdentifier("not") && IsIdentifier("in", 1)) {
        name = "not in";
        current_ += 2;
      } else if (IsIdentifier("in") || Is(TokenType::kComparison)) {
        name = op->value;
        ++current_;
      } else {
        return left;
      }
      left = Binary(*op, name, std::move(left), ParseAdditive());
    }
  }

  NodePtr ParseAdditive() {
    NodePtr left = ParseMultiplicative();
    while (Is(TokenType::kAdditive)) {
      const Token& op = tokens_[current_++];
      left = Binary(op, op.value, std::move(left), ParseMultiplicative());
    }
    return left;
  }

  NodePtr ParseMultiplicative() {
    NodePtr left = ParsePower();
    while (Is(TokenType::kMultiplicative)) {
      const Token& op = tokens_[current_++];
      left = Binary(op, op.value, std::move(left), ParsePower());
    }
    return left;
  }

  NodePtr ParsePower() {
    NodePtr left = ParseTest();
    while (Is(TokenType::kExponent)) {
      const Token& op = tokens_[current_++];
      left = Binary(op, op.value, std::move(left), ParseTest());
    }
    return left;
  }

  NodePtr ParseTest() {
    NodePtr operand = ParseFilter();
    while (IsIdentifier("is")) {
      const size_t start = tokens_[current_++].offset;
      const bool negate = IsIdentifier("not");
      if (negate) ++current_;
      NodePtr test = ParsePrimary();
      if (test->kind != NodeKind::kIdentifier) throw SyntaxError(test->offset, "expected a test name after 'is'");
      operand = Make(NodeKind::kTest, start, std::move(operand));
      operand->text = test->text;
      operand->flag = negate;
      operand = Finish(std::move(operand));
    }
    return operand;
  }

  NodePtr ParseFilter() {
    NodePtr operand = ParseUnarySign();
    while (Is(TokenType::kPipe)) {
      const size_t start = tokens_[current_++].offset;
      NodePtr filter = ParsePrimary();
      if (filter->kind != NodeKind::kIdentifier) throw SyntaxError(filter->offset, "expected a filter name after '|'");
      if (Is(TokenType::kOpenParen)) filter = ParseCallExpression(std::move(filter));
      operand = Finish(Make(NodeKind::kFilter, start, std::move(operand), std::move(filter)));
    }
    return operand;
  }

  NodePtr ParseUnarySign() {
    DepthGuard guard(this);
    const Token* token = Peek();
    if (token && (token->type == TokenType::kUnary || token->type == TokenType::kAdditive) &&
        (token->value == "-" || token->value == "+")) {
      ++current_;
      NodePtr node = Make(NodeKind::kUnary, token->offset, ParseUnarySign());
      node->text = token->value;
      return Finish(std::move(node));
    }
    NodePtr member = ParseMember(ParsePrimary());
    return Is(TokenType::kOpenParen) ? ParseCallExpression(std::move(member)) : std::move(member);
  }

  NodePtr ParseCallExpression(NodePtr callee) {
    DepthGuard guard(this);
    const size_t offset = callee->offset;
    NodePtr call = Make(NodeKind::kCall, offset, std::move(callee));
    call->items = ParseArguments(ArgumentMode::kCall);
    NodePtr expression = ParseMember(Finish(std::move(call)));
    return Is(TokenType::kOpenParen) ? ParseCallExpression(std::move(expression)) : std::move(expression);
  }

  std::vector<NodePtr> ParseArguments(ArgumentMode mode) {
    Expect(TokenType::kOpenParen, "'('");
    std::vector<NodePtr> arguments = ParseArgumentList(mode);
    Expect(TokenType::kCloseParen, "')'");
    return arguments;
  }

  std::vector<NodePtr> ParseArgumentList(ArgumentMode mode);
  NodePtr ParseSubscript();
  NodePtr ParseMember(NodePtr object);
  NodePtr ParsePrimary();
  NodePtr ParseCollection(const Token& open);

  const std::vector<Token>& tokens_;
  size_t end_offset_;
  size_t current_ = 0;
  int depth_ = 0;
};

std::vector<NodePtr> Parser::ParseArgumentList(ArgumentMode mode) {
  std::vector<NodePtr> arguments;
  std::set<std::string> names;
  bool saw_keyword = false, saw_spread = false;
  const bool parameters = mode == ArgumentMode::kParameters;
  while (!Is(TokenType::kCloseParen)) {
    if (!Peek()) Fail("')'");
    const size_t start = HereOffset();
    const bool keyword_spread = Is(TokenType::kExponent);
    const bool spread = Is(TokenType::kMultiplicative) && Peek()->value == "*";
    if (parameters && (keyword_spread || spread)) Fail("a parameter name (no * or ** in a declaration)");
    if (keyword_spread) {
      ++current_;
      arguments.push_back(Finish(Make(NodeKind::kKeywordSpread, start, ParseExpression())));
      if (Is(TokenType::kComma)) ++current_;
      if (!Is(TokenType::kCloseParen)) Fail("')' after the ** argument (it comes last)");
      break;
    }
    NodePtr argument;
    if (spread) {
      if (saw_spread) Fail("one * argument at most");
      saw_spread = true;
      ++current_;
      argument = Finish(Make(NodeKind::kSpread, start, ParseExpression()));
    } else {
      argument = ParseExpression();
      if (Is(TokenType::kEquals)) {
        ++current_;
        if (argument->kind != NodeKind::kIdentifier) throw SyntaxError(start, "expected a name before '='");
        NodePtr keyword = Make(NodeKind::kKeywordArgument, start, ParseExpression());
        keyword->text = argument->text;
        argument = Finish(std::move(keyword));
      }
      if (parameters) {
        if (argument->kind != NodeKind::kIdentifier && argument->kind != NodeKind::kKeywordArgument) {
          throw SyntaxError(start, "expected a parameter name");
        }
        if (!names.insert(argument->text).second) throw SyntaxError(start, "expected parameter names to differ");
      }
      if (argument->kind == NodeKind::kKeywordArgument) {
        saw_keyword = true;
      } else if (saw_keyword) {
        throw SyntaxError(start, parameters ? "expected defaults only after parameters without them"
                                            : "expected positional arguments before keyword arguments");
      } else if (saw_spread) {
        throw SyntaxError(start, "expected no positional argument after a * argument");
      }
    }
    arguments.push_back(std::move(argument));
    if (Is(TokenType::kComma)) ++current_;
  }
  return arguments;
}

// Inside [...]: an index, or a slice start:stop:step with each part optional.
NodePtr Parser::ParseSubscript() {
  const size_t start = HereOffset();
  std::vector<NodePtr> parts;
  bool slice = false;
  while (!Is(TokenType::kCloseSquare)) {
    if (!Peek()) Fail("']'");
    if (Is(TokenType::kColon)) {
      parts.push_back(nullptr);
      ++current_;
      slice = true;
    } else {
      parts.push_back(ParseExpression());
      if (Is(TokenType::kColon)) {
        ++current_;
        slice = true;
      }
    }
  }
  if (parts.empty()) Fail("an index or a slice");
  if (!slice) return std::move(parts[0]);
  if (parts.size() > 3) throw SyntaxError(start, "expected a slice of at most start:stop:step");
  parts.resize(3);
  return Finish(Make(NodeKind::kSlice, start, std::move(parts[0]), std::move(parts[1]), std::move(parts[2])));
}

NodePtr Parser::ParseMember(NodePtr object) {
  while (Is(TokenType::kDot) || Is(TokenType::kOpenSquare)) {
    const Token& op = tokens_[current_++];
    const bool computed = op.type == TokenType::kOpenSquare;
    NodePtr property;
    if (computed) {
      property = ParseSubscript();
      Expect(TokenType::kCloseSquare, "']'");
    } else {
      property = ParsePrimary();
      if (property->kind != NodeKind::kIdentifier && property->kind != NodeKind::kInteger) {
        throw SyntaxError(property->offset, "expected a name or an integer after '.'");
      }
    }
    NodePtr member = Make(NodeKind::kMember, op.offset, std::move(object), std::move(property));
    member->flag = computed;
    object = Finish(std::move(member));
  }
  return object;
}

NodePtr Parser::ParsePrimary() {
  DepthGuard guard(this);
  if (!Peek()) Fail("a value");
  const Token& token = tokens_[current_++];
  switch (token.type) {
    case TokenType::kNumber: {
      const bool is_float = token.value.find('.') != std::string::npos;
      NodePtr number = MakeNode(is_float ? NodeKind::kFloat : NodeKind::kInteger, token.offset);
      number->number = std::strtod(token.value.c_str(), nullptr);
      return number;
    }
    case TokenType::kString: {
      NodePtr text = MakeNode(NodeKind::kString, token.offset);
      text->text = token.value;
      while (Is(TokenType::kString)) text->text += tokens_[current_++].value;
      text->literal = std::make_shared<const std::string>(text->text);
      return text;
    }
    case TokenType::kIdentifier: {
      NodePtr name = MakeNode(NodeKind::kIdentifier, token.offset);
      name->text = token.value;
      return name;
    }
    case TokenType::kOpenParen: {
      NodePtr inner = ParseExpressionSequence(false);
      Expect(TokenType::kCloseParen, "')'");
      return inner;
    }
    case TokenType::kOpenSquare:
    case TokenType::kOpenCurly:
      return ParseCollection(token);
    default:
      --current_;
      Fail("a value");
  }
}

// [a, b] or {k: v}; the opening bracket is consumed.
NodePtr Parser::ParseCollection(const Token& open) {
  const bool list = open.type == TokenType::kOpenSquare;
  const TokenType close = list ? TokenType::kCloseSquare : TokenType::kCloseCurly;
  NodePtr collection = MakeNode(list ? NodeKind::kArray : NodeKind::kObject, open.offset);
  while (!Is(close)) {
    if (!Peek()) Fail(list ? "']'" : "'}'");
    collection->items.push_back(ParseExpression());
    if (!list) {
      Expect(TokenType::kColon, "':' between key and value");
      collection->items.push_back(ParseExpression());
    }
    if (Is(TokenType::kComma)) ++current_;
  }
  ++current_;
  return Finish(std::move(collection));
}

}  // namespace

std::vector<NodePtr> Parse(const std::vector<Token>& tokens, size_t end_offset) {
  return Parser(tokens, end_offset).Program();
}

}  // namespace steptree::jinja

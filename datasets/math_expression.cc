// Recursive-descent parser and complex evaluator for answer expressions (see the header).
// The parser builds a small tree of Nodes; evaluation walks it. Nothing else is ever run.
#include "datasets/math_expression.h"

#include <cctype>
#include <cmath>
#include <random>
#include <vector>

namespace steptree {

using Complex = std::complex<double>;

struct MathExpression::Node {
  enum class Kind { kNumber, kVariable, kAdd, kSub, kMul, kDiv, kPow, kNeg, kRoot, kFunction,
                    kFactorial, kAbs };
  Kind kind;
  Complex value;     // kNumber
  std::string name;  // kVariable, kFunction
  std::vector<std::shared_ptr<const Node>> children;
};

namespace {

using Node = MathExpression::Node;
using NodePtr = std::shared_ptr<const Node>;
using Kind = Node::Kind;

constexpr size_t kMaxLength = 2000;
constexpr int kMaxExpressionDepth = 256;
constexpr double kPi = 3.14159265358979323846;
constexpr double kE = 2.71828182845904523536;

struct ParseFailure {};

NodePtr Make(Kind kind, std::vector<NodePtr> children = {}, Complex value = 0,
             std::string name = {}) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->children = std::move(children);
  node->value = value;
  node->name = std::move(name);
  return node;
}

bool IsFunctionName(const std::string& name) {
  static const std::set<std::string> kFunctions = {
      "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
      "sinh", "cosh", "tanh", "ln", "log", "exp"};
  return kFunctions.count(name) > 0;
}

bool IsGreekLetter(const std::string& name) {
  static const std::set<std::string> kGreek = {
      "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
      "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau",
      "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
      "Xi", "Sigma", "Phi", "Psi", "Omega"};
  return kGreek.count(name) > 0;
}

class Parser {
 public:
  Parser(const std::string& text, StepBudget* budget) : s_(text), budget_(budget) {}

  NodePtr ParseAll() {
    NodePtr node = ParseSum();
    SkipSpaces();
    if (pos_ != s_.size()) throw ParseFailure();
    return node;
  }

  std::set<std::string> TakeVariables() { return std::move(variables_); }

 private:
  // Depth guard for the mutually recursive productions.
  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth_(depth) {
      if (++*depth_ > kMaxExpressionDepth) throw ParseFailure();
    }
    ~DepthGuard() { --*depth_; }
    int* depth_;
  };

  void SkipSpaces() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpaces();
    return pos_ >= s_.size();
  }
  char Peek() {
    SkipSpaces();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool Accept(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  void Expect(char c) {
    if (!Accept(c)) throw ParseFailure();
  }
  // The name of the command at the cursor ("frac" for "\frac"), without consuming it.
  std::string PeekCommand() {
    if (Peek() != '\\') return {};
    size_t end = pos_ + 1;
    while (end < s_.size() && std::isalpha(static_cast<unsigned char>(s_[end]))) ++end;
    return s_.substr(pos_ + 1, end - pos_ - 1);
  }
  bool AcceptCommand(const std::string& name) {
    if (PeekCommand() != name || name.empty()) return false;
    pos_ += name.size() + 1;
    return true;
  }

  NodePtr ParseSum() {
    DepthGuard guard(&depth_);
    NodePtr node = ParseProduct();
    for (;;) {
      if (Accept('+')) {
        node = Make(Kind::kAdd, {node, ParseProduct()});
      } else if (Accept('-')) {
        node = Make(Kind::kSub, {node, ParseProduct()});
      } else {
        return node;
      }
    }
  }

  // True when the next token can begin a factor of an implicit product.
  bool StartsFactor() {
    const char c = Peek();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || std::isalpha(static_cast<unsigned char>(c)))
      return true;
    if (c == '(' || c == '{' || c == '[') return true;
    if (c == '|') return abs_depth_ == 0;
    if (c == '\\') {
      const std::string name = PeekCommand();
      return name == "frac" || name == "sqrt" || name == "pi" || name == "infty" ||
             IsFunctionName(name) || IsGreekLetter(name);
    }
    return false;
  }

  NodePtr ParseProduct() {
    NodePtr node = ParseUnary();
    for (;;) {
      if (Accept('*') || AcceptCommand("cdot") || AcceptCommand("times")) {
        node = Make(Kind::kMul, {node, ParseUnary()});
      } else if (Accept('/') || AcceptCommand("div")) {
        node = Make(Kind::kDiv, {node, ParseUnary()});
      } else if (StartsFactor()) {
        node = Make(Kind::kMul, {node, ParsePower()});
      } else {
        return node;
      }
    }
  }

  NodePtr ParseUnary() {
    DepthGuard guard(&depth_);
    if (Accept('-')) return Make(Kind::kNeg, {ParseUnary()});
    if (Accept('+')) return ParseUnary();
    return ParsePower();
  }

  NodePtr ParsePower() {
    NodePtr base = ParsePostfix();
    if (Accept('^')) return Make(Kind::kPow, {base, ParseExponent()});
    return base;
  }

  NodePtr ParseExponent() {
    DepthGuard guard(&depth_);
    if (Accept('-')) return Make(Kind::kNeg, {ParseExponent()});
    if (Accept('+')) return ParseExponent();
    NodePtr base = ParsePostfix();
    if (Accept('^')) return Make(Kind::kPow, {base, ParseExponent()});
    return base;
  }

  NodePtr ParsePostfix() {
    NodePtr node = ParsePrimary();
    while (Accept('!')) node = Make(Kind::kFactorial, {node});
    return node;
  }

  NodePtr ParseNumber() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    std::string digits = s_.substr(start, pos_ - start);
    if (digits == ".") throw ParseFailure();
    // Scientific notation: "1e3", "2.5E-4" (an 'e' followed by digits, not Euler's e).
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t k = pos_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) {
        while (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) ++k;
        digits = s_.substr(start, k - start);
        pos_ = k;
      }
    }
    if (pos_ < s_.size() && s_[pos_] == '_') throw ParseFailure();  // a base: 52_8
    const double value = std::strtod(digits.c_str(), nullptr);
    // A literal too large for a double ("1e400") is undefined, not infinite.
    return Make(Kind::kNumber, {}, std::isfinite(value) ? value : NAN);
  }

  // "_1", "_{12}", "_n" after a variable name; empty when absent.
  std::string ParseSubscript() {
    if (pos_ >= s_.size() || s_[pos_] != '_') return {};
    ++pos_;
    std::string sub;
    if (pos_ < s_.size() && s_[pos_] == '{') {
      ++pos_;
      while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) sub += s_[pos_++];
      if (pos_ >= s_.size() || s_[pos_] != '}' || sub.empty()) throw ParseFailure();
      ++pos_;
    } else if (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) {
      sub = s_[pos_++];
    } else {
      throw ParseFailure();
    }
    return "_" + sub;
  }

  NodePtr Variable(const std::string& name) {
    variables_.insert(name);
    return Make(Kind::kVariable, {}, 0, name);
  }

  // A command argument: {sum}, or a single digit, letter or command (LaTeX's \frac12).
  NodePtr ParseArgument() {
    DepthGuard guard(&depth_);
    const char c = Peek();
    if (c == '{') {
      ++pos_;
      NodePtr node = ParseSum();
      Expect('}');
      return node;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++pos_;
      return Make(Kind::kNumber, {}, static_cast<double>(c - '0'));
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++pos_;
      if (c == 'i') return Make(Kind::kNumber, {}, Complex(0, 1));
      if (c == 'e') return Make(Kind::kNumber, {}, kE);
      return Variable(std::string(1, c));
    }
    if (c == '\\') return ParsePrimary();
    throw ParseFailure();
  }

  NodePtr ParseFunction(const std::string& name) {
    NodePtr power;
    NodePtr log_base;
    if (name == "log" && Accept('_')) log_base = ParseArgument();
    if (Accept('^')) power = ParseArgument();
    NodePtr argument;
    if (Peek() == '(') {
      argument = ParsePostfix();
    } else {
      // "\sin 2x" is sin(2x); the argument stops at an operator or at the next function.
      argument = ParsePower();
      while (StartsFactor() && !IsFunctionName(PeekCommand())) {
        argument = Make(Kind::kMul, {argument, ParsePower()});
      }
    }
    std::vector<NodePtr> children = {argument};
    if (log_base) children.push_back(log_base);
    NodePtr node = Make(Kind::kFunction, std::move(children), 0, name);
    if (power) node = Make(Kind::kPow, {node, power});
    return node;
  }

  NodePtr ParseCommand() {
    const std::string name = PeekCommand();
    if (name.empty()) throw ParseFailure();
    pos_ += name.size() + 1;
    if (name == "frac") {
      NodePtr numerator = ParseArgument();
      return Make(Kind::kDiv, {numerator, ParseArgument()});
    }
    if (name == "sqrt") {
      NodePtr index;
      if (Accept('[')) {
        index = ParseSum();
        Expect(']');
      }
      NodePtr radicand = ParseArgument();
      if (!index) index = Make(Kind::kNumber, {}, 2.0);
      return Make(Kind::kRoot, {radicand, index});
    }
    if (name == "pi") return Make(Kind::kNumber, {}, kPi);
    if (name == "infty") return Make(Kind::kNumber, {}, HUGE_VAL);
    if (IsFunctionName(name)) return ParseFunction(name);
    if (IsGreekLetter(name)) return Variable("\\" + name + ParseSubscript());
    if (name == "left" || name == "right") return ParsePrimary();
    throw ParseFailure();
  }

  NodePtr ParsePrimary() {
    DepthGuard guard(&depth_);
    if (budget_ && !budget_->Spend()) throw ParseFailure();
    const char c = Peek();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return ParseNumber();
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++pos_;
      const std::string subscript = ParseSubscript();
      if (c == 'i' && subscript.empty()) return Make(Kind::kNumber, {}, Complex(0, 1));
      if (c == 'e' && subscript.empty()) return Make(Kind::kNumber, {}, kE);
      return Variable(std::string(1, c) + subscript);
    }
    static const std::string kOpen = "([{", kClose = ")]}";
    if (const size_t k = kOpen.find(c); c != '\0' && k != std::string::npos) {
      ++pos_;
      NodePtr node = ParseSum();
      Expect(kClose[k]);
      return node;
    }
    if (c == '|' && abs_depth_ == 0) {
      ++pos_;
      ++abs_depth_;
      NodePtr node = ParseSum();
      --abs_depth_;
      Expect('|');
      return Make(Kind::kAbs, {node});
    }
    if (c == '\\') return ParseCommand();
    throw ParseFailure();
  }

  const std::string& s_;
  size_t pos_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;
  StepBudget* budget_;  // may be null: unbounded
  std::set<std::string> variables_;
};

bool IsRealInteger(Complex z, double* n) {
  if (z.imag() != 0 || !std::isfinite(z.real()) || z.real() != std::round(z.real())) return false;
  *n = z.real();
  return true;
}

Complex Power(Complex base, Complex exponent) {
  double n;
  if (IsRealInteger(exponent, &n) && std::abs(n) <= 1024) {
    Complex result = 1;
    Complex factor = base;
    for (long k = static_cast<long>(std::abs(n)); k > 0; k >>= 1) {
      if (k & 1) result *= factor;
      factor *= factor;
    }
    return n < 0 ? Complex(1) / result : result;
  }
  if (base == Complex(0)) return exponent.real() > 0 ? Complex(0) : Complex(NAN, NAN);
  if (base.imag() == 0 && base.real() > 0 && exponent.imag() == 0) {
    return std::pow(base.real(), exponent.real());
  }
  return std::pow(base, exponent);
}

Complex Root(Complex radicand, Complex index) {
  double n;
  // The real odd root of a negative real: \sqrt[3]{-8} = -2.
  if (IsRealInteger(index, &n) && radicand.imag() == 0 && radicand.real() < 0 &&
      std::fmod(std::abs(n), 2.0) == 1.0) {
    return -std::pow(-radicand.real(), 1.0 / n);
  }
  if (index == Complex(2)) return std::sqrt(radicand);
  return Power(radicand, Complex(1) / index);
}

Complex ApplyFunction(const std::string& name, Complex x) {
  if (name == "sin") return std::sin(x);
  if (name == "cos") return std::cos(x);
  if (name == "tan") return std::tan(x);
  if (name == "cot") return Complex(1) / std::tan(x);
  if (name == "sec") return Complex(1) / std::cos(x);
  if (name == "csc") return Complex(1) / std::sin(x);
  if (name == "arcsin") return std::asin(x);
  if (name == "arccos") return std::acos(x);
  if (name == "arctan") return std::atan(x);
  if (name == "sinh") return std::sinh(x);
  if (name == "cosh") return std::cosh(x);
  if (name == "tanh") return std::tanh(x);
  if (name == "ln") return std::log(x);
  if (name == "log") return std::log10(x);
  if (name == "exp") return std::exp(x);
  return Complex(NAN, NAN);
}

bool IsFinite(Complex z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

Complex EvaluateOperation(const Node& node, const std::vector<Complex>& arguments);

// The value of `node`; NaN when the budget runs out, and NaN for a finite computation that
// overflows (only the literal \infty, and operations on it, are infinite).
Complex EvaluateNode(const Node& node, const std::map<std::string, double>& variables,
                     StepBudget* budget) {
  if (budget && !budget->Spend()) return Complex(NAN, NAN);
  if (node.kind == Kind::kNumber) return node.value;
  if (node.kind == Kind::kVariable) {
    auto it = variables.find(node.name);
    return it == variables.end() ? 0.0 : it->second;
  }
  std::vector<Complex> arguments;
  arguments.reserve(node.children.size());
  bool finite_arguments = true;
  for (const NodePtr& child : node.children) {
    arguments.push_back(EvaluateNode(*child, variables, budget));
    finite_arguments = finite_arguments && IsFinite(arguments.back());
  }
  Complex value = EvaluateOperation(node, arguments);
  if (finite_arguments && !IsFinite(value)) return Complex(NAN, NAN);
  // A negative zero imaginary part ("-4" is -(4 + 0i)) would put \sqrt{-4} on the other
  // side of the branch cut: -2i instead of 2i.
  if (value.imag() == 0) value = Complex(value.real(), 0.0);
  return value;
}

Complex EvaluateOperation(const Node& node, const std::vector<Complex>& arguments) {
  auto child = [&](size_t k) { return arguments[k]; };
  switch (node.kind) {
    case Kind::kNumber:
    case Kind::kVariable:
      return Complex(NAN, NAN);  // leaves are read by EvaluateNode
    case Kind::kAdd:
      return child(0) + child(1);
    case Kind::kSub:
      return child(0) - child(1);
    case Kind::kMul:
      return child(0) * child(1);
    case Kind::kDiv: {
      const Complex denominator = child(1);
      if (denominator == Complex(0)) return Complex(NAN, NAN);
      return child(0) / denominator;
    }
    case Kind::kPow:
      return Power(child(0), child(1));
    case Kind::kNeg:
      return -child(0);
    case Kind::kRoot:
      return Root(child(0), child(1));
    case Kind::kFunction:
      if (node.children.size() == 2) return std::log(child(0)) / std::log(child(1));
      return ApplyFunction(node.name, child(0));
    case Kind::kFactorial: {
      double n;
      if (!IsRealInteger(child(0), &n) || n < 0 || n > 170) return Complex(NAN, NAN);
      return std::tgamma(n + 1);
    }
    case Kind::kAbs:
      return std::abs(child(0));
  }
  return Complex(NAN, NAN);
}

}  // namespace

std::optional<MathExpression> MathExpression::Parse(const std::string& text, StepBudget* budget) {
  if (text.size() > kMaxLength) return std::nullopt;
  if (budget && !budget->Spend(static_cast<int64_t>(text.size()))) return std::nullopt;
  Parser parser(text, budget);
  try {
    MathExpression expression;
    expression.root_ = parser.ParseAll();
    expression.variables_ = parser.TakeVariables();
    return expression;
  } catch (const ParseFailure&) {
    return std::nullopt;
  }
}

std::complex<double> MathExpression::Evaluate(const std::map<std::string, double>& variables,
                                              StepBudget* budget) const {
  return EvaluateNode(*root_, variables, budget);
}

bool ValuesClose(std::complex<double> a, std::complex<double> b) {
  if (!IsFinite(a) || !IsFinite(b)) {
    // Infinities: equal when both real parts are infinite the same way.
    return std::isinf(a.real()) && std::isinf(b.real()) &&
           std::signbit(a.real()) == std::signbit(b.real()) && std::isfinite(a.imag()) &&
           std::isfinite(b.imag());
  }
  const double difference = std::abs(a - b);
  return difference <= 1e-9 || difference <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

namespace {

// Deterministic sample points over the union of the variables of `expressions`.
std::vector<std::map<std::string, double>> SamplePoints(
    std::initializer_list<const MathExpression*> expressions) {
  std::set<std::string> names;
  for (const MathExpression* e : expressions) names.insert(e->variables().begin(), e->variables().end());
  std::mt19937_64 rng(0x57e97ee5);
  std::uniform_real_distribution<double> uniform(0.3, 3.0);
  std::vector<std::map<std::string, double>> points(8);
  for (auto& point : points) {
    for (const std::string& name : names) point[name] = uniform(rng);
  }
  return points;
}

}  // namespace

bool ExpressionsEquivalent(const MathExpression& a, const MathExpression& b, StepBudget* budget) {
  if (a.IsConstant() && b.IsConstant()) {
    return ValuesClose(a.Evaluate({}, budget), b.Evaluate({}, budget));
  }
  int defined = 0;
  for (const auto& point : SamplePoints({&a, &b})) {
    const Complex va = a.Evaluate(point, budget), vb = b.Evaluate(point, budget);
    if (!IsFinite(va) || !IsFinite(vb)) continue;
    if (!ValuesClose(va, vb)) return false;
    ++defined;
  }
  return defined >= 3;
}

bool EquationsEquivalent(const MathExpression& lhs_a, const MathExpression& rhs_a,
                         const MathExpression& lhs_b, const MathExpression& rhs_b,
                         StepBudget* budget) {
  std::optional<Complex> ratio;
  int defined = 0;
  for (const auto& point : SamplePoints({&lhs_a, &rhs_a, &lhs_b, &rhs_b})) {
    const Complex fa = lhs_a.Evaluate(point, budget) - rhs_a.Evaluate(point, budget);
    const Complex fb = lhs_b.Evaluate(point, budget) - rhs_b.Evaluate(point, budget);
    if (!IsFinite(fa) || !IsFinite(fb)) continue;
    ++defined;
    const bool zero_a = std::abs(fa) <= 1e-9, zero_b = std::abs(fb) <= 1e-9;
    if (zero_a != zero_b) return false;
    if (zero_a) continue;
    if (!ratio) {
      ratio = fa / fb;
    } else if (!ValuesClose(fa, *ratio * fb)) {
      return false;
    }
  }
  return defined >= 3;
}

}  // namespace steptree

// Shapes of normalised answers (see answer_shape.h).
#include "datasets/answer_shape.h"

#include <utility>

#include "datasets/answer.h"
#include "datasets/answer_text.h"
#include "datasets/math_expression.h"

namespace steptree::answer_shape {
namespace {

using answer_text::EndsWith;
using answer_text::IsAlpha;
using answer_text::SplitTopLevel;
using answer_text::StartsWith;
using answer_text::Trim;

// The relation operator at s[i] ("<", ">", "\leq", "\geq", "\neq"), with its length in
// *width; empty when there is none.
std::string RelationOperatorAt(const std::string& s, size_t i, size_t* width) {
  if (s[i] == '<' || s[i] == '>') {
    *width = 1;
    return std::string(1, s[i]);
  }
  for (const char* op : {"\\leq", "\\geq", "\\neq"}) {
    const std::string o = op;
    if (s.compare(i, o.size(), o) == 0 && (i + o.size() == s.size() || !IsAlpha(s[i + o.size()]))) {
      *width = o.size();
      return o;
    }
  }
  return {};
}

// Splits `s` at top-level relation operators; false when there is none or a side is empty.
bool SplitRelation(const std::string& s, std::vector<std::string>* sides,
                   std::vector<std::string>* operators) {
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      i += 2;
      continue;
    }
    if (s[i] == '(' || s[i] == '[' || s[i] == '{') ++depth;
    if (s[i] == ')' || s[i] == ']' || s[i] == '}') --depth;
    size_t width = 0;
    const std::string op = depth == 0 ? RelationOperatorAt(s, i, &width) : std::string();
    if (op.empty()) {
      i += s[i] == '\\' ? 1 + answer_text::CommandNameLength(s, i) : 1;
      continue;
    }
    sides->push_back(Trim(s.substr(start, i - start)));
    operators->push_back(op);
    i += width;
    start = i;
  }
  if (operators->empty()) return false;
  sides->push_back(Trim(s.substr(start)));
  for (const std::string& side : *sides) {
    if (side.empty()) return false;
  }
  return true;
}

// Turns a relation that reads with ">" / "\geq" into one that reads with "<" / "\leq":
// "5 \geq x > 1" -> "1 < x \leq 5". Relations that mix directions are left as they are.
void OrientRelation(Shape* shape) {
  bool greater = false, less = false;
  for (const std::string& op : shape->operators) {
    greater = greater || op == ">" || op == "\\geq";
    less = less || op == "<" || op == "\\leq";
  }
  if (!greater || less) return;
  std::vector<std::string> sides(shape->items.rbegin(), shape->items.rend());
  std::vector<std::string> operators;
  for (auto it = shape->operators.rbegin(); it != shape->operators.rend(); ++it) {
    operators.push_back(*it == ">" ? "<" : *it == "\\geq" ? "\\leq" : *it);
  }
  shape->items = std::move(sides);
  shape->operators = std::move(operators);
}

// "a \pm b" -> {"a+(b)", "a-(b)"}; "\pm b" -> {"b", "-(b)"}; nullopt without a single
// top-level \pm or \mp.
std::optional<std::vector<std::string>> PlusMinusValues(const std::string& s) {
  for (const char* sign : {"\\pm", "\\mp"}) {
    const std::vector<std::string> parts = SplitTopLevel(s, sign);
    if (parts.size() != 2 || parts[1].empty()) continue;
    if (parts[1].find("\\pm") != std::string::npos || parts[1].find("\\mp") != std::string::npos) {
      return std::nullopt;
    }
    const std::string& a = parts[0];
    const std::string b = "(" + parts[1] + ")";
    return std::vector<std::string>{a.empty() ? b : a + "+" + b, a + "-" + b};
  }
  return std::nullopt;
}

bool IsVariableSide(const std::string& s) {
  if (s.size() == 1) return IsAlpha(s[0]) && s != "e" && s != "i";
  const std::optional<MathExpression> e = MathExpression::Parse(s);
  return s[0] == '\\' && e && e->variables().size() == 1 && *e->variables().begin() == s;
}

bool IsConstantSide(const std::string& s) {
  const std::optional<MathExpression> e = MathExpression::Parse(s);
  return e && e->IsConstant();
}

Shape ShapeOfText(const std::string& s) {
  Shape shape;
  static const std::string kBegin = "\\begin{pmatrix}", kEnd = "\\end{pmatrix}";
  if (StartsWith(s, kBegin) && EndsWith(s, kEnd) && s.find(kBegin, 1) == std::string::npos) {
    shape.kind = Shape::Kind::kMatrix;
    const std::string inner = s.substr(kBegin.size(), s.size() - kBegin.size() - kEnd.size());
    std::vector<std::string> rows = SplitTopLevel(inner, "\\\\");
    if (rows.size() > 1 && rows.back().empty()) rows.pop_back();  // a trailing "\\"
    for (const std::string& row : rows) shape.rows.push_back(SplitTopLevel(row, "&"));
    return shape;
  }
  if (std::vector<std::string> parts = SplitTopLevel(s, "\\cup"); parts.size() > 1) {
    shape.kind = Shape::Kind::kUnion;
    shape.items = std::move(parts);
    return shape;
  }
  if (std::vector<std::string> items = SplitTopLevel(s, ","); items.size() > 1) {
    shape.kind = Shape::Kind::kCollection;
    shape.items = std::move(items);
    return shape;
  }
  if (StartsWith(s, "\\{") && EndsWith(s, "\\}") && s.size() >= 4) {
    shape.kind = Shape::Kind::kCollection;
    shape.items = SplitTopLevel(s.substr(2, s.size() - 4), ",");
    return shape;
  }
  if (answer_text::WrappedInBrackets(s)) {
    std::vector<std::string> items = SplitTopLevel(s.substr(1, s.size() - 2), ",");
    if (items.size() > 1) {
      shape.kind = Shape::Kind::kTuple;
      shape.open = s.front();
      shape.close = s.back();
      shape.items = std::move(items);
      return shape;
    }
  }
  if (std::vector<std::string> sides, operators; SplitRelation(s, &sides, &operators)) {
    shape.kind = Shape::Kind::kRelation;
    shape.items = std::move(sides);
    shape.operators = std::move(operators);
    OrientRelation(&shape);
    return shape;
  }
  if (std::vector<std::string> sides = SplitTopLevel(s, "="); sides.size() == 2) {
    shape.kind = Shape::Kind::kEquation;
    shape.items = std::move(sides);
    return shape;
  }
  if (std::optional<std::vector<std::string>> values = PlusMinusValues(s)) {
    shape.kind = Shape::Kind::kCollection;
    shape.items = std::move(*values);
  }
  return shape;
}

}  // namespace

Shape ShapeOf(const std::string& normalized) {
  Shape shape = ShapeOfText(normalized);
  std::vector<std::string> items;
  for (const std::string& item : shape.items) {
    const std::string n = NormalizeAnswer(item);
    // In a collection, "1 \pm \sqrt{5}" counts as its two values.
    std::optional<std::vector<std::string>> values;
    if (shape.kind == Shape::Kind::kCollection && n.find("\\pm") != std::string::npos &&
        SplitTopLevel(n, ",").size() == 1) {
      values = PlusMinusValues(n);
    }
    if (values) {
      for (const std::string& v : *values) items.push_back(NormalizeAnswer(v));
    } else {
      items.push_back(n);
    }
  }
  shape.items = std::move(items);
  for (auto& row : shape.rows) {
    for (std::string& cell : row) cell = NormalizeAnswer(cell);
  }
  return shape;
}

std::optional<std::string> RelationAsInterval(const Shape& relation) {
  if (relation.kind != Shape::Kind::kRelation) return std::nullopt;
  for (const std::string& op : relation.operators) {
    if (op != "<" && op != "\\leq") return std::nullopt;
  }
  const std::vector<std::string>& sides = relation.items;
  auto open = [](const std::string& op) { return std::string(op == "<" ? "(" : "["); };
  auto close = [](const std::string& op) { return std::string(op == "<" ? ")" : "]"); };
  if (sides.size() == 2) {
    if (IsVariableSide(sides[0]) && IsConstantSide(sides[1])) {
      return "(-\\infty, " + sides[1] + close(relation.operators[0]);
    }
    if (IsConstantSide(sides[0]) && IsVariableSide(sides[1])) {
      return open(relation.operators[0]) + sides[0] + ", \\infty)";
    }
    return std::nullopt;
  }
  if (sides.size() == 3 && IsConstantSide(sides[0]) && IsVariableSide(sides[1]) &&
      IsConstantSide(sides[2])) {
    return open(relation.operators[0]) + sides[0] + ", " + sides[2] + close(relation.operators[1]);
  }
  return std::nullopt;
}

}  // namespace steptree::answer_shape

// Answer equivalence: compares two normalised answers by shape, then value.
//
// Shapes, tried in this order on the normalised text:
//   matrix      \begin{pmatrix} a & b \\ c & d \end{pmatrix}   cell by cell, same shape; a
//               single row or column also matches a parenthesised tuple "(a, b)"
//   union       A \cup B                                        the parts as a set
//   collection  "1, 2" (bare list) or \{1, 2\} (set)            as a multiset: the answers
//               to "enter all solutions" questions, whose order carries no meaning
//   tuple       (a, b)  [a, b)  ...                             element by element, with the
//               opening and closing brackets significant: "[1,2)" != "[1,2]"
//   equation    lhs = rhs                                       (lhs - rhs) proportional
//   scalar      text equal; words (a run of 4+ letters) case-insensitively; otherwise
//               MathExpression values: numbers to a relative 1e-6, expressions at random
//               points
// Elements are normalised again before they are compared, so "x=1" inside a list is 1.
// A percent sign on one side only also allows that value divided by 100 ("15%" == 0.15).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "datasets/answer.h"
#include "datasets/answer_text.h"
#include "datasets/math_expression.h"

namespace steptree {
namespace {

using answer_text::EndsWith;
using answer_text::SplitTopLevel;
using answer_text::StartsWith;

constexpr int kMaxDepth = 8;

struct Shape {
  enum class Kind { kScalar, kMatrix, kUnion, kCollection, kTuple, kEquation };
  Kind kind = Kind::kScalar;
  char open = 0, close = 0;                      // kTuple
  std::vector<std::string> items;                // kUnion, kCollection, kTuple, kEquation
  std::vector<std::vector<std::string>> rows;    // kMatrix
};

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
  if (std::vector<std::string> sides = SplitTopLevel(s, "="); sides.size() == 2) {
    shape.kind = Shape::Kind::kEquation;
    shape.items = std::move(sides);
  }
  return shape;
}

// The shape of a normalised answer, its items and cells normalised in turn.
Shape ShapeOf(const std::string& s) {
  Shape shape = ShapeOfText(s);
  for (std::string& item : shape.items) item = NormalizeAnswer(item);
  for (auto& row : shape.rows) {
    for (std::string& cell : row) cell = NormalizeAnswer(cell);
  }
  return shape;
}

bool Equivalent(const std::string& a, const std::string& b, int depth);

bool SequencesEqual(const std::vector<std::string>& a, const std::vector<std::string>& b,
                    int depth) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (!Equivalent(a[k], b[k], depth + 1)) return false;
  }
  return true;
}

// Multiset equality: each item of `a` pairs with a distinct equal item of `b`. Beyond
// kMaxPairedItems items only identical normalised texts pair up.
bool MultisetsEqual(std::vector<std::string> a, std::vector<std::string> b, int depth) {
  constexpr size_t kMaxPairedItems = 16;
  if (a.size() != b.size()) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a == b) return true;
  if (a.size() > kMaxPairedItems) return false;
  std::vector<bool> used(b.size(), false);
  for (const std::string& item : a) {
    bool found = false;
    for (size_t k = 0; k < b.size() && !found; ++k) {
      if (!used[k] && Equivalent(item, b[k], depth + 1)) used[k] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

// The cells of a one-row or one-column matrix, in order; empty otherwise.
std::vector<std::string> VectorCells(const Shape& matrix) {
  std::vector<std::string> cells;
  if (matrix.rows.size() == 1) return matrix.rows[0];
  for (const auto& row : matrix.rows) {
    if (row.size() != 1) return {};
    cells.push_back(row[0]);
  }
  return cells;
}

// True when the text holds a word: a run of four or more letters outside a command name.
bool HasWord(const std::string& s) {
  int run = 0;
  bool in_command = false;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      if (!in_command && ++run >= 4) return true;
    } else {
      run = 0;
      in_command = c == '\\';
    }
  }
  return false;
}

bool ScalarsEqual(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (HasWord(a) || HasWord(b)) return answer_text::ToLower(a) == answer_text::ToLower(b);
  const std::optional<MathExpression> ea = MathExpression::Parse(a);
  const std::optional<MathExpression> eb = MathExpression::Parse(b);
  return ea && eb && ExpressionsEquivalent(*ea, *eb);
}

bool EquationsEqual(const Shape& a, const Shape& b) {
  std::vector<std::optional<MathExpression>> sides;
  for (const Shape* shape : {&a, &b}) {
    for (const std::string& side : shape->items) {
      sides.push_back(MathExpression::Parse(side));
      if (!sides.back()) return false;
    }
  }
  return EquationsEquivalent(*sides[0], *sides[1], *sides[2], *sides[3]);
}

bool Equivalent(const std::string& a, const std::string& b, int depth) {
  if (a == b) return !a.empty();
  if (a.empty() || b.empty() || depth > kMaxDepth) return false;
  using Kind = Shape::Kind;
  const Shape sa = ShapeOf(a), sb = ShapeOf(b);
  // A one-element set against a bare value: "\{5\}" == "5".
  if (sa.kind == Kind::kCollection && sa.items.size() == 1 && sb.kind == Kind::kScalar)
    return Equivalent(sa.items[0], b, depth + 1);
  if (sb.kind == Kind::kCollection && sb.items.size() == 1 && sa.kind == Kind::kScalar)
    return Equivalent(a, sb.items[0], depth + 1);
  // A row or column vector against a tuple: "\begin{pmatrix} 1 \\ 2 \end{pmatrix}" == "(1, 2)".
  if (sa.kind == Kind::kMatrix && sb.kind == Kind::kTuple && sb.open == '(' && sb.close == ')')
    return SequencesEqual(VectorCells(sa), sb.items, depth);
  if (sb.kind == Kind::kMatrix && sa.kind == Kind::kTuple && sa.open == '(' && sa.close == ')')
    return SequencesEqual(sa.items, VectorCells(sb), depth);
  if (sa.kind != sb.kind) return false;
  switch (sa.kind) {
    case Kind::kMatrix:
      if (sa.rows.size() != sb.rows.size()) return false;
      for (size_t r = 0; r < sa.rows.size(); ++r) {
        if (!SequencesEqual(sa.rows[r], sb.rows[r], depth)) return false;
      }
      return true;
    case Kind::kUnion:
    case Kind::kCollection:
      return MultisetsEqual(sa.items, sb.items, depth);
    case Kind::kTuple:
      return sa.open == sb.open && sa.close == sb.close && SequencesEqual(sa.items, sb.items, depth);
    case Kind::kEquation:
      return EquationsEqual(sa, sb);
    case Kind::kScalar:
      return ScalarsEqual(a, b);
  }
  return false;
}

bool HasPercent(const std::string& s) {
  return s.find('%') != std::string::npos ||
         answer_text::ToLower(s).find("percent") != std::string::npos;
}

bool IsConstantValue(const std::string& s) {
  const std::optional<MathExpression> e = MathExpression::Parse(s);
  return e && e->IsConstant();
}

}  // namespace

bool AnswersEqual(const std::string& predicted, const std::string& gold) {
  constexpr size_t kMaxStructuredLength = 4096;
  const std::string p = NormalizeAnswer(predicted), g = NormalizeAnswer(gold);
  if (p.empty() || g.empty()) return false;
  if (p.size() > kMaxStructuredLength || g.size() > kMaxStructuredLength) return p == g;
  if (Equivalent(p, g, 0)) return true;
  // "15%" against "0.15": the side with a percent sign may also mean its value / 100.
  const bool percent_p = HasPercent(predicted), percent_g = HasPercent(gold);
  if (percent_p != percent_g) {
    const std::string& scaled = percent_p ? p : g;
    const std::string& other = percent_p ? g : p;
    if (IsConstantValue(scaled)) return Equivalent("\\frac{" + scaled + "}{100}", other, 0);
  }
  return false;
}

}  // namespace steptree

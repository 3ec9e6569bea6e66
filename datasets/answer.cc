// Answer equivalence by kind: compares two normalised answers by shape (answer_shape.h),
// then value. Never equal across kinds, except where written below.
//
//   matrix      cell by cell, same shape; a single row or column also equals a "(a, b)" tuple
//   union       the parts as a multiset
//   collection  "1, 2", \{1, 2\}, "1 \pm \sqrt{2}": a multiset, order carries no meaning
//               (the answers to "enter all solutions"); a one-item set equals its item
//   tuple       (a, b)  [a, b)  element by element; both brackets must match, so an open
//               end differs from a closed one: "[1,2)" != "[1,2]"
//   relation    same operators, sides equal in order ("x \geq 5" == "5 \leq x" because the
//               shape reads both left to right); "a \neq b" also equals "b \neq a"; a
//               one-variable relation also equals the interval it describes ("x > 5" ==
//               "(5, \infty)"), the one documented crossing of kinds besides the two above
//   equation    lhs = rhs: (lhs - rhs) proportional at random points
//   scalar      equal texts; words (a run of 4+ letters) case-insensitively; otherwise
//               MathExpression values: numbers to a relative 1e-6 or an absolute 1e-9
//               (ValuesClose), expressions at 8 random points (fixed seed)
//
// Conventions where readings clash (each one tested in tests/test_grader*.cc):
//   percent        a percent sign on one side only also allows that value divided by 100:
//                  "28%" equals both 28 and 0.28
//   decimal comma  a comma followed by exactly three digits is a thousands separator
//                  ("1,234" = 1234, never 1.234); a bare "3,5" is a list of two values
//                  (the solutions 3 and 5), never 3.5; where a list is unlikely (the
//                  European "1.234,5", four or more decimals "3,1416", a currency or unit
//                  written with it "2,5 cm", "\u20ac3,50") the answer also reads as a decimal
//                  number when compared with a single number ("2,5 cm" == 2.5)
// Every comparison spends one StepBudget (kGraderStepBudget steps, answer_budget.h):
// normalised bytes, parsed and evaluated nodes, compared items. A spent budget is "not
// equal", so a pathological input ends fast ("10^{10^{10}}" overflows and equals nothing).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/answer.h"
#include "datasets/answer_budget.h"
#include "datasets/answer_numbers.h"
#include "datasets/answer_shape.h"
#include "datasets/answer_text.h"
#include "datasets/math_expression.h"

namespace steptree {
namespace {

using answer_shape::Shape;
using answer_shape::ShapeOf;

constexpr int kMaxEquivalenceDepth = 8;

bool Equivalent(const std::string& a, const std::string& b, int depth, StepBudget* budget);

bool SequencesEqual(const std::vector<std::string>& a, const std::vector<std::string>& b,
                    int depth, StepBudget* budget) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (!Equivalent(a[k], b[k], depth + 1, budget)) return false;
  }
  return true;
}

// Multiset equality: each item of `a` pairs with a distinct equal item of `b`. Beyond
// kMaxPairedItems items only identical normalised texts pair up.
bool MultisetsEqual(std::vector<std::string> a, std::vector<std::string> b, int depth,
                    StepBudget* budget) {
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
      if (!used[k] && Equivalent(item, b[k], depth + 1, budget)) used[k] = found = true;
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

bool IsLettersOnly(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return answer_text::IsAlpha(c); });
}

bool ScalarsEqual(const std::string& a, const std::string& b, StepBudget* budget) {
  if (a == b) return true;
  // Short words in different case ("yes" / "Yes"); a product of letters would not differ
  // only in case.
  if (a.size() >= 3 && IsLettersOnly(a) && IsLettersOnly(b) &&
      answer_text::ToLower(a) == answer_text::ToLower(b)) {
    return true;
  }
  if (HasWord(a) || HasWord(b)) return answer_text::ToLower(a) == answer_text::ToLower(b);
  const std::optional<MathExpression> ea = MathExpression::Parse(a, budget);
  const std::optional<MathExpression> eb = MathExpression::Parse(b, budget);
  return ea && eb && ExpressionsEquivalent(*ea, *eb, budget) && !budget->Spent();
}

bool EquationsEqual(const Shape& a, const Shape& b, StepBudget* budget) {
  std::vector<std::optional<MathExpression>> sides;
  for (const Shape* shape : {&a, &b}) {
    for (const std::string& side : shape->items) {
      sides.push_back(MathExpression::Parse(side, budget));
      if (!sides.back()) return false;
    }
  }
  return EquationsEquivalent(*sides[0], *sides[1], *sides[2], *sides[3], budget) &&
         !budget->Spent();
}

bool RelationsEqual(const Shape& a, const Shape& b, int depth, StepBudget* budget) {
  if (a.operators != b.operators) return false;
  if (SequencesEqual(a.items, b.items, depth, budget)) return true;
  // "a \neq b" == "b \neq a"
  if (a.operators.size() == 1 && a.operators[0] == "\\neq") {
    return SequencesEqual(a.items, {b.items[1], b.items[0]}, depth, budget);
  }
  return false;
}

// A one-variable relation against an interval: "x > 5" == "(5, \infty)".
bool RelationEqualsInterval(const Shape& relation, const std::string& interval, int depth,
                            StepBudget* budget) {
  const std::optional<std::string> as_interval = answer_shape::RelationAsInterval(relation);
  return as_interval && Equivalent(NormalizeAnswer(*as_interval), interval, depth + 1, budget);
}

bool Equivalent(const std::string& a, const std::string& b, int depth, StepBudget* budget) {
  if (a == b) return !a.empty();
  if (a.empty() || b.empty() || depth > kMaxEquivalenceDepth) return false;
  if (!budget->Spend(static_cast<int64_t>(a.size() + b.size()))) return false;
  using Kind = Shape::Kind;
  const Shape sa = ShapeOf(a), sb = ShapeOf(b);
  // A one-element set against a bare value: "\{5\}" == "5".
  if (sa.kind == Kind::kCollection && sa.items.size() == 1 && sb.kind == Kind::kScalar)
    return Equivalent(sa.items[0], b, depth + 1, budget);
  if (sb.kind == Kind::kCollection && sb.items.size() == 1 && sa.kind == Kind::kScalar)
    return Equivalent(a, sb.items[0], depth + 1, budget);
  // A row or column vector against a tuple: "\begin{pmatrix} 1 \\ 2 \end{pmatrix}" == "(1, 2)".
  if (sa.kind == Kind::kMatrix && sb.kind == Kind::kTuple && sb.open == '(' && sb.close == ')')
    return SequencesEqual(VectorCells(sa), sb.items, depth, budget);
  if (sb.kind == Kind::kMatrix && sa.kind == Kind::kTuple && sa.open == '(' && sa.close == ')')
    return SequencesEqual(sa.items, VectorCells(sb), depth, budget);
  if (sa.kind == Kind::kRelation && sb.kind == Kind::kTuple)
    return RelationEqualsInterval(sa, b, depth, budget);
  if (sb.kind == Kind::kRelation && sa.kind == Kind::kTuple)
    return RelationEqualsInterval(sb, a, depth, budget);
  if (sa.kind != sb.kind) return false;
  switch (sa.kind) {
    case Kind::kMatrix:
      if (sa.rows.size() != sb.rows.size()) return false;
      for (size_t r = 0; r < sa.rows.size(); ++r) {
        if (!SequencesEqual(sa.rows[r], sb.rows[r], depth, budget)) return false;
      }
      return true;
    case Kind::kUnion:
    case Kind::kCollection:
      return MultisetsEqual(sa.items, sb.items, depth, budget);
    case Kind::kTuple:
      return sa.open == sb.open && sa.close == sb.close &&
             SequencesEqual(sa.items, sb.items, depth, budget);
    case Kind::kRelation:
      return RelationsEqual(sa, sb, depth, budget);
    case Kind::kEquation:
      return EquationsEqual(sa, sb, budget);
    case Kind::kScalar:
      return ScalarsEqual(a, b, budget);
  }
  return false;
}

bool HasPercent(const std::string& s) {
  return s.find('%') != std::string::npos ||
         answer_text::ToLower(s).find("percent") != std::string::npos;
}

bool IsConstantValue(const std::string& s, StepBudget* budget) {
  const std::optional<MathExpression> e = MathExpression::Parse(s, budget);
  return e && e->IsConstant();
}

bool IsSingleValue(const std::string& normalized) {
  return ShapeOf(normalized).kind == Shape::Kind::kScalar;
}

}  // namespace

bool AnswersEqual(const std::string& predicted, const std::string& gold) {
  constexpr size_t kMaxStructuredLength = 4096;
  const std::string p = NormalizeAnswer(predicted), g = NormalizeAnswer(gold);
  if (p.empty() || g.empty()) return false;
  if (p.size() > kMaxStructuredLength || g.size() > kMaxStructuredLength) return p == g;
  StepBudget budget(kGraderStepBudget);
  if (Equivalent(p, g, 0, &budget)) return true;
  // "15%" against "0.15": the side with a percent sign may also mean its value / 100.
  const bool percent_p = HasPercent(predicted), percent_g = HasPercent(gold);
  if (percent_p != percent_g) {
    const std::string& scaled = percent_p ? p : g;
    const std::string& other = percent_p ? g : p;
    if (IsConstantValue(scaled, &budget) &&
        Equivalent("\\frac{" + scaled + "}{100}", other, 0, &budget)) {
      return true;
    }
  }
  // "2,5 cm" against "2.5": a decimal comma where a list is unlikely (DecimalCommaReading),
  // when the other side is a single value.
  for (const auto& [raw, other] : {std::pair(&predicted, &g), std::pair(&gold, &p)}) {
    const std::optional<std::string> reading = answer_numbers::DecimalCommaReading(*raw);
    if (reading && IsSingleValue(*other) &&
        Equivalent(NormalizeAnswer(*reading), *other, 0, &budget)) {
      return true;
    }
  }
  return false;
}

}  // namespace steptree

// The kind ("shape") of a normalised answer, which decides how two answers are compared
// (answer.cc). Shapes are recognised on the normalised text, in this order:
//   matrix      \begin{pmatrix} a & b \\ c & d \end{pmatrix}   rows at "\\", cells at "&"
//   union       A \cup B                                        the parts
//   collection  "1, 2" (bare list), \{1, 2\} (set), "a \pm b"   the items; a "\pm" item
//               stands for its two values a+b and a-b
//   tuple       (a, b)  [a, b)  ...                             the items and both brackets
//   relation    a < b, x \geq 5, 1 < x \leq 3, a \neq b         sides and operators, turned
//               to read left to right with "<" or "\leq" ("5 \geq x" is "x \leq 5")
//   equation    lhs = rhs                                       the two sides
//   scalar      anything else
// Items and cells are normalised again when the shape is built (ShapeOf).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace steptree::answer_shape {

struct Shape {
  enum class Kind { kScalar, kMatrix, kUnion, kCollection, kTuple, kRelation, kEquation };
  Kind kind = Kind::kScalar;
  char open = 0, close = 0;                    // kTuple
  std::vector<std::string> items;              // kUnion, kCollection, kTuple, kEquation;
                                               // kRelation: the sides, left to right
  std::vector<std::string> operators;          // kRelation: "<", "\leq" or "\neq", between
                                               // consecutive sides
  std::vector<std::vector<std::string>> rows;  // kMatrix
};

// The shape of a normalised answer, its items and cells normalised in turn.
Shape ShapeOf(const std::string& normalized);

// The one-variable relation as the interval it describes: "x > 5" -> "(5, \infty)",
// "-1 \leq x < 2" -> "[-1, 2)", "x \leq 0" -> "(-\infty, 0]". nullopt for any other
// relation (no single variable side, "\neq", a variable on both ends).
std::optional<std::string> RelationAsInterval(const Shape& relation);

}  // namespace steptree::answer_shape

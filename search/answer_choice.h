// How MCTS picks its final answer among the terminal nodes that hold a parsable answer
// (AlphaMath Almost Zero, Chen et al. 2024, pick by Q; the others are for comparison).
//
//   q_value:  highest Q (value_sum / visits; 0 unvisited), ties: more visits, then tag order
//   value:    highest value (the reward or value head score at creation), ties as above
//   visits:   most visits, ties: higher Q, then tag order
//   majority: most frequent answer (grader equivalence), each terminal weighted by its
//             visits, ties: the class whose first terminal comes first in tag order
// With `verified_first` (terminals checked against the question's own target, kTarget on a
// countdown question: their value +1 is a proof, not an estimate) the rule picks among the
// terminals valued +1 when there is one: an unvisited verified solution (Q 0) never loses
// to an unverified answer.
#pragma once

#include <optional>
#include <string>

#include "mcts/tree.h"

namespace steptree {

enum class AnswerBy { kQValue, kValue, kVisits, kMajority };
const char* AnswerByName(AnswerBy by);
// "q_value" | "value" | "visits" | "majority"; nullopt for anything else.
std::optional<AnswerBy> AnswerByFromName(const std::string& name);

// The chosen terminal node, or -1 when no terminal holds an answer.
int ChooseAnswer(const Tree& tree, AnswerBy by, bool verified_first = false);

}  // namespace steptree

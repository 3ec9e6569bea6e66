// Tree serialisation: a tree as a JSON array of nodes in index order (parents before
// children), and the reader that rebuilds a Tree from that array for export tools.
//
// Every node is one object with keys in this fixed order:
//   "tag" (string "0.3.1"), "step" (string; the root: the question), "prior", "value",
//   "q" (value_sum / visits, 0 unvisited), "value_sum", "visits", "depth", "terminal",
//   "end" ("step" | "final" | "cut" | "context"), "logprob" (sum of the step's token
//   log-probs), "tokens" (number of step tokens; the root: question tokens), "merged"
//   (duplicate siblings merged into it), and at terminals only "answer" (string or null)
//   and "correct" (true, false, or null when no gold answer is known).
// Output is deterministic: fixed key order, doubles printed as they are (shortest
// round-trip form), nothing from the clock. "value_sum" is written so that reading back
// is lossless (q * visits would not always restore value_sum exactly).
//
// Reading back restores every serialised field; token ids are not serialised, so the read
// tree's nodes have empty token_ids (num_tokens keeps the count), `probability` is set to
// the prior (sibling ratios are all that matter) and no rollout is in flight.
#pragma once

#include <nlohmann/json.hpp>

#include "mcts/tree.h"

namespace steptree {

nlohmann::ordered_json NodeToJson(const Tree& tree, int index);
nlohmann::ordered_json TreeToJson(const Tree& tree);

// Rebuilds a tree from TreeToJson's array. Throws std::runtime_error naming the node and
// what was expected on malformed input (wrong types, missing keys, a tag whose parent does
// not come earlier, children out of order, a depth that disagrees with the tag, ...).
Tree TreeFromJson(const nlohmann::json& nodes);
Tree TreeFromJson(const nlohmann::ordered_json& nodes);

}  // namespace steptree

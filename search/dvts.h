// Diverse Verifier Tree Search DVTS(N, M) (Beeching, Tunstall, Rush 2024, "Scaling
// test-time compute with open models", Hugging Face search-and-learn): the beam budget N is
// split into N/M independent subtrees, each advanced greedily by the value head, so that one
// high-valued early step cannot pull the whole beam into the same branch (beam search's
// collapse at large N).
//
//   depth 1: the root is expanded into N candidates c_1..c_N (one Expand call); subtree s
//   (s = 0 .. N/M-1) takes the group c_{sM+1} .. c_{(s+1)M}.
//   every depth: subtree s keeps  x_s = argmax_{c in group_s, keepable} V(c)  (ties in tag
//   order); if x_s is terminal (a final answer) the subtree is finished, else x_s is expanded
//   into M candidates, the new group_s. The kept nodes of all live subtrees of one depth are
//   expanded in ONE batched Expand call (one request per kept node, M samples per subtree).
//   Keepable: as in SBS, a step that goes on or a final step with a parsable answer;
//   invalid candidates (cut, context, empty, no answer, unfinished at max_depth) have value
//   -1 and are never kept. A subtree whose group holds no keepable candidate ends without
//   an answer, so every subtree ends by max_depth (search/terminal.h).
//   Shared nodes: the tree merges identical sibling steps into one node, so several
//   subtrees may keep the same node (at depth 1: equal first steps in different groups).
//   A node kept by k subtrees is expanded once, into k*M candidates, and its owners (in
//   subtree order) take consecutive groups of M, exactly as the root is shared by all N/M
//   subtrees; so every subtree still draws M fresh candidates per depth, as independent
//   subtrees would, and no node is expanded twice.
//   Result: the finished subtrees' final answers ranked by value (best first, ties in tag
//   order); the answer is the first (search-and-learn picks by the verifier's score).
//
// Invariants: every live subtree expands exactly one node per depth (its kept node, shared
// or not) and draws exactly M candidates from it; no node is expanded twice; at most N
// candidates are sampled per depth; at most N/M finished answers (distinct nodes).
// Values at finished nodes follow the reward mode: the gold reward for data generation,
// the value head's score for inference (search/terminal.h). Seeds: sample j of node t draws
// SampleSeed(seed, problem id, tag(t), j) (search/seeds.h), as SBS does.
#pragma once

#include <cstdint>

#include "datasets/problem.h"
#include "search/param_table.h"
#include "search/tree_session.h"
#include "search/result.h"
#include "search/terminal.h"

namespace steptree {

struct DvtsParams {
  int n = 16;                // beam budget: candidates per depth over all subtrees; n / m subtrees
  int m = 4;                 // subtree width: candidates sampled per subtree per depth
  double temperature = 0.6;  // sampling temperature
  int max_depth = 10;        // steps before an unfinished solution is cut (reward -1)
  // The parameters above, each declared once (search/param_table.h): key, help, range.
  static const std::vector<ParamRow<DvtsParams>>& Table();
};

inline const std::vector<ParamRow<DvtsParams>>& DvtsParams::Table() {
  static const std::vector<ParamRow<DvtsParams>> table = {
      {"n", "beam budget: candidates per depth over all subtrees (n / m subtrees; a multiple of m)", &DvtsParams::n,
       1, kMaxSamples},
      {"m", "subtree width: candidates sampled per subtree per depth", &DvtsParams::m, 1, kMaxBranching},
      TemperatureRow(&DvtsParams::temperature), MaxDepthRow(&DvtsParams::max_depth)};
  return table;
}

// result.ranking lists the finished subtrees' final answers, best first. Throws
// std::invalid_argument unless m >= 1 and n is a positive multiple of m (ValidateConfig
// refuses such configs before a search runs).
SearchResult SearchDvts(const TreeSession& session, const Problem& problem, const DvtsParams& params, uint64_t seed,
                        TerminalReward reward = TerminalReward::kGold);

}  // namespace steptree

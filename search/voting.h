// Majority voting over final answers (maj@k; MCTS's "majority" answer choice).
//
// Answers form equivalence classes by the grader (AnswersEqual against the class's first
// answer); a class's score is the sum of its ballots' weights. The winner is the class with
// the highest score, ties broken by the class that appeared first; the vote returns that
// class's first ballot.
#pragma once

#include <string>
#include <vector>

namespace steptree {

struct Ballot {
  int node;            // the terminal node the answer comes from
  std::string answer;  // the extracted final answer
  double weight = 1;   // 1 per solution (maj@k), or the node's visits (MCTS)
};

// The winning class's first ballot's node; -1 when there are no ballots.
int MajorityVote(const std::vector<Ballot>& ballots);

}  // namespace steptree

#include "search/voting.h"

#include "datasets/answer.h"

namespace steptree {

namespace {

struct AnswerClass {
  const Ballot* first;  // the ballot that opened the class (its answer represents it)
  double score;
};

}  // namespace

int MajorityVote(const std::vector<Ballot>& ballots) {
  std::vector<AnswerClass> classes;
  for (const Ballot& ballot : ballots) {
    AnswerClass* match = nullptr;
    for (AnswerClass& c : classes) {
      if (AnswersEqual(ballot.answer, c.first->answer)) {
        match = &c;
        break;
      }
    }
    if (match) {
      match->score += ballot.weight;
    } else {
      classes.push_back({&ballot, ballot.weight});
    }
  }
  const AnswerClass* winner = nullptr;
  for (const AnswerClass& c : classes) {
    if (!winner || c.score > winner->score) winner = &c;
  }
  return winner ? winner->first->node : -1;
}

}  // namespace steptree

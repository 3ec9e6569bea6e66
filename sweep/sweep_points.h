// Measuring a sweep's points from the trees files of its runs. No torch here.
//
// Per point, over the problems with a gold answer:
//   accuracy = mean_i score_i, with a 95% percentile-bootstrap interval (sweep/confidence.h)
//   score_i  = 1 if the run's answer to problem i is correct (plain runs and MCTS
//              checkpoints), or, for a maj@k / best-of-k point read off a run of K > k
//              samples, the share of S random k-subsets of the K samples (drawn without
//              replacement, sample order kept) whose vote is correct. The vote is the
//              search's own rule (search/rollouts.h ChooseByMajority / ChooseByBestValue),
//              so a subset votes exactly as a run that sampled those k solutions would.
//              Sample j of a run is seeded by j alone (search/seeds.h), so a separate run of
//              k samples is the subset {0..k-1}: one of the subsets averaged here.
// Budgets per problem (means over all problems of the run):
//   tokens        generated tokens: a subset's are the sum of its samples' tokens; a
//                 checkpoint's are the budget recorded at that iteration;
//   model calls   forward calls: a checkpoint's as recorded; a subset's estimated as
//                 1 + its longest sample's tokens (one prefill, then one batched decode
//                 call per position until the longest sample ends);
//   seconds       the run's seconds per searched problem, scaled for reused points by
//                 their share of the run's tokens (an estimate; wall time is not recorded
//                 per sample or per iteration).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/sweep_spec.h"

namespace steptree {

struct SweepPoint {
  SweepPointSpec spec;
  std::string run;                     // the run it was read off
  long n = 0;                          // problems in the run
  long graded = 0;                     // problems with a gold answer
  std::optional<double> accuracy;      // null when no problem has a gold answer
  double ci_low = 0, ci_high = 0;      // 95% bootstrap interval of the accuracy
  double tokens_per_problem = 0;       // generated tokens
  double forward_calls_per_problem = 0;
  double nodes_per_problem = 0;
  std::optional<double> seconds_per_problem;  // null when the run timed no problem
};

// The points of `run`, read from its trees file. `seconds_per_problem` is the run's measured
// wall time per searched problem (null if unknown). Throws InputError(trees_path, line, ...)
// on a record that is not a tree record of this run's mode.
std::vector<SweepPoint> MeasureRunPoints(const SweepRun& run, const std::string& trees_path,
                                         std::optional<double> seconds_per_problem, int subsets, int bootstrap,
                                         uint64_t seed);

// {"curve", "label", "mode", "budget", "source", "run", "n", "graded", "accuracy", "ci_low",
//  "ci_high", "tokens_per_problem", "forward_calls_per_problem", "nodes_per_problem",
//  "seconds_per_problem"} and back.
nlohmann::ordered_json PointToJson(const SweepPoint& point);
SweepPoint PointFromJson(const nlohmann::json& json);

}  // namespace steptree

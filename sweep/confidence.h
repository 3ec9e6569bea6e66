// Confidence intervals of an accuracy over problems.
//
// Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): resample the n per-problem scores
// x_i in [0, 1] with replacement B times, take the mean of each resample, and report the
// 2.5th and 97.5th percentiles of those B means as the 95% interval. One method for every
// point: a plain run's scores are 0/1, a reused maj@k point's score is the share of correct
// random subsets of a problem, which no binomial formula covers. Deterministic in `seed`.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace steptree {

struct Interval {
  double low = 0;
  double high = 0;
};

// The 95% percentile-bootstrap interval of mean(scores); {0, 0} for no scores.
// Invariant: low <= mean(scores) <= high up to resampling noise, 0 <= low <= high <= 1.
Interval BootstrapInterval(const std::vector<double>& scores, int resamples, uint64_t seed);

}  // namespace steptree

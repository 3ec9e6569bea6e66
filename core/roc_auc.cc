// Mann-Whitney AUC from mid-ranks (core/roc_auc.h).
#include "core/roc_auc.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace steptree {

double AreaUnderRoc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Mid-ranks (1-based): a run of tied scores shares the mean of its ranks, which counts each
  // tied positive-negative pair as 1/2.
  double positive_rank_sum = 0;
  long n_positive = 0;
  for (size_t begin = 0; begin < n;) {
    size_t end = begin;
    while (end < n && scores[order[end]] == scores[order[begin]]) ++end;
    const double mid_rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2.0;
    for (size_t i = begin; i < end; ++i) {
      if (positive[order[i]]) {
        positive_rank_sum += mid_rank;
        ++n_positive;
      }
    }
    begin = end;
  }
  const long n_negative = static_cast<long>(n) - n_positive;
  if (n_positive == 0 || n_negative == 0) return std::nan("");
  const double u = positive_rank_sum - static_cast<double>(n_positive) * (n_positive + 1) / 2.0;
  return u / (static_cast<double>(n_positive) * static_cast<double>(n_negative));
}

}  // namespace steptree

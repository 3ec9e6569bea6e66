#include "sweep/confidence.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace steptree {

Interval BootstrapInterval(const std::vector<double>& scores, int resamples, uint64_t seed) {
  if (scores.empty() || resamples < 1) return {};
  const int64_t n = static_cast<int64_t>(scores.size());
  Rng rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& mean : means) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += scores[static_cast<size_t>(rng.Uniform(0, n - 1))];
    mean = sum / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  auto percentile = [&](double q) {
    const size_t index = static_cast<size_t>(std::floor(q * static_cast<double>(resamples - 1) + 0.5));
    return means[std::min(index, means.size() - 1)];
  };
  return {percentile(0.025), percentile(0.975)};
}

}  // namespace steptree

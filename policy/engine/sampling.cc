// Token sampling: see policy/engine/sampling.h for the transforms and the reproducibility contract.
#include "policy/engine/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace steptree {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline float Logit(const float* logits, int i) {
  const float l = logits[i];
  return std::isnan(l) ? kNegInf : l;
}

// Index of the largest logit (lowest id on ties) and log-sum-exp of all logits.
void MaxAndLogSumExp(const float* logits, int vocab, int* argmax, double* lse) {
  int best = -1;
  float m = kNegInf;
  for (int i = 0; i < vocab; ++i) {
    const float l = Logit(logits, i);
    if (l > m) {
      m = l;
      best = i;
    }
  }
  if (best < 0) throw std::logic_error("SampleToken: no finite logit");
  double sum = 0;
  for (int i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(Logit(logits, i)) - m);
  *argmax = best;
  *lse = m + std::log(sum);
}

}  // namespace

double TokenLogProb(const float* logits, int vocab, int id) {
  int argmax;
  double lse;
  MaxAndLogSumExp(logits, vocab, &argmax, &lse);
  return static_cast<double>(Logit(logits, id)) - lse;
}

SampledToken SampleToken(const float* logits, int vocab, const StepSampling& params, Rng* rng,
                         SamplingScratch* scratch) {
  int argmax;
  double lse;
  MaxAndLogSumExp(logits, vocab, &argmax, &lse);
  SampledToken out;
  if (params.temperature <= 0.f) {
    out.id = argmax;
    out.logprob = static_cast<double>(Logit(logits, argmax)) - lse;
    return out;
  }

  // Candidates, most likely first when a truncation needs the order.
  std::vector<int>& order = scratch->order;
  order.resize(vocab);
  for (int i = 0; i < vocab; ++i) order[i] = i;
  auto more_likely = [logits](int a, int b) {
    const float la = Logit(logits, a), lb = Logit(logits, b);
    return la > lb || (la == lb && a < b);
  };
  int n = vocab;
  if (params.top_k > 0 && params.top_k < vocab) {
    n = params.top_k;
    std::partial_sort(order.begin(), order.begin() + n, order.end(), more_likely);
  } else if (params.top_p < 1.f) {
    std::sort(order.begin(), order.end(), more_likely);
  }

  // Tempered weights relative to the maximum (order[0] is the argmax whenever sorted).
  const double max_logit = Logit(logits, argmax);
  const double inv_t = 1.0 / params.temperature;
  std::vector<double>& w = scratch->weights;
  w.resize(n);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    w[i] = std::exp((Logit(logits, order[i]) - max_logit) * inv_t);
    total += w[i];
  }
  if (params.top_p < 1.f) {
    // Smallest prefix whose mass reaches top_p; the first token is always kept.
    const double target = static_cast<double>(params.top_p) * total;
    double mass = 0;
    int keep = 0;
    while (keep < n) {
      mass += w[keep++];
      if (mass >= target) break;
    }
    n = keep;
    total = mass;
  }

  const double u = rng->UniformReal() * total;
  double cumulative = 0;
  int chosen = order[0];  // rounding fallback: the last candidate with positive weight
  for (int i = n - 1; i >= 0; --i) {
    if (w[i] > 0) {
      chosen = order[i];
      break;
    }
  }
  for (int i = 0; i < n; ++i) {
    cumulative += w[i];
    if (u < cumulative && w[i] > 0) {
      chosen = order[i];
      break;
    }
  }
  out.id = chosen;
  out.logprob = static_cast<double>(Logit(logits, chosen)) - lse;
  return out;
}

}  // namespace steptree

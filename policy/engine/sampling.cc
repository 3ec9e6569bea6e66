// Token sampling: see policy/engine/sampling.h for the transforms and the reproducibility contract.
#include "policy/engine/sampling.h"

#include "policy/engine/exp_kernel.h"

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
  *argmax = best;
  *lse = m + std::log(ExpShiftedSum(logits, vocab, m, 1.0, nullptr));
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

  // Tempered weights relative to the maximum, w_i = exp((l_i - max) / T)
  // (policy/engine/exp_kernel.h). Without a truncation they are the whole row in id order;
  // with one, the candidates most likely first (order[0] is then the argmax).
  const double max_logit = Logit(logits, argmax);
  const double inv_t = 1.0 / params.temperature;
  std::vector<double>& w = scratch->weights;
  std::vector<int>& order = scratch->order;
  int n = vocab;
  double total = 0;
  const bool truncated = (params.top_k > 0 && params.top_k < vocab) || params.top_p < 1.f;
  if (!truncated) {
    w.resize(vocab);
    total = ExpShiftedSum(logits, vocab, max_logit, inv_t, w.data());
  } else {
    order.resize(vocab);
    for (int i = 0; i < vocab; ++i) order[i] = i;
    auto more_likely = [logits](int a, int b) {
      const float la = Logit(logits, a), lb = Logit(logits, b);
      return la > lb || (la == lb && a < b);
    };
    if (params.top_k > 0 && params.top_k < vocab) {
      n = params.top_k;
      std::partial_sort(order.begin(), order.begin() + n, order.end(), more_likely);
    } else {
      std::sort(order.begin(), order.end(), more_likely);
    }
    std::vector<float>& gathered = scratch->gathered;
    gathered.resize(n);
    for (int i = 0; i < n; ++i) gathered[i] = logits[order[i]];
    w.resize(n);
    total = ExpShiftedSum(gathered.data(), n, max_logit, inv_t, w.data());
  }
  // Candidate i's token id.
  auto token = [&](int i) { return truncated ? order[i] : i; };
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
  int chosen = -1;
  for (int i = 0; i < n; ++i) {
    cumulative += w[i];
    if (u < cumulative && w[i] > 0) {
      chosen = token(i);
      break;
    }
  }
  if (chosen < 0) {
    // Rounding (the running sum never passed u): the last candidate with positive weight.
    chosen = token(0);
    for (int i = n - 1; i >= 0; --i) {
      if (w[i] > 0) {
        chosen = token(i);
        break;
      }
    }
  }
  out.id = chosen;
  out.logprob = static_cast<double>(Logit(logits, chosen)) - lse;
  return out;
}

}  // namespace steptree

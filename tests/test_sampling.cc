// Token sampling (policy/engine/sampling.h): the transforms (greedy, temperature, top-k,
// top-p), their log-probs and reproducibility, and the vectorised exponentials they use
// (policy/engine/exp_kernel.h), bit for bit against the scalar path.
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "core/rng.h"
#include "policy/engine/exp_kernel.h"
#include "policy/engine/sampling.h"

#include <doctest/doctest.h>

using namespace steptree;

TEST_SUITE("sampling") {

TEST_CASE("sampling's exponentials: the vector paths equal the scalar path bit for bit, within 4 ulp of exp") {
  // Logits spread over [-800, 0] relative to the shift (underflow to 0 below -708 included),
  // a NaN, and every row length from 1 to 40 at several offsets (vector body and tail).
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> spread(-60.f, 5.f);
  std::vector<float> logits(300);
  for (float& l : logits) l = spread(gen);
  logits[7] = std::numeric_limits<float>::quiet_NaN();
  logits[11] = -800.f;
  logits[12] = 5.f;
  for (double scale : {1.0, 1.0 / 0.6, 0.5}) {
    std::vector<double> fast(300), slow(300);
    for (int offset : {0, 1, 3}) {
      for (int n = 1; n <= 40; ++n) {
        const double a = ExpShiftedSum(logits.data() + offset, n, 5.0, scale, fast.data());
        const double b = ExpShiftedSumScalar(logits.data() + offset, n, 5.0, scale, slow.data());
        CHECK_MESSAGE(a == b, "n " << n << " offset " << offset);
        CHECK(std::memcmp(fast.data(), slow.data(), n * sizeof(double)) == 0);
      }
    }
    const double whole = ExpShiftedSum(logits.data(), 300, 5.0, scale, fast.data());
    CHECK(whole == ExpShiftedSumScalar(logits.data(), 300, 5.0, scale, slow.data()));
    for (int i = 0; i < 300; ++i) {
      const double x = (static_cast<double>(logits[i]) - 5.0) * scale;
      if (std::isnan(logits[i]) || x < -708) {
        CHECK(fast[i] == 0.0);
      } else {
        const double expected = std::exp(x);
        CHECK_MESSAGE(std::abs(fast[i] - expected) <= 4 * std::numeric_limits<double>::epsilon() * expected, "x " << x);
      }
    }
  }
  CHECK(KernelExp(0.0) == 1.0);
  CHECK(KernelExp(-std::numeric_limits<double>::infinity()) == 0.0);
}

TEST_CASE("sampling transforms") {
  SamplingScratch scratch;
  Rng rng(1);
  const std::vector<float> tie = {1.f, 3.f, 0.f, 3.f};
  StepSampling greedy;
  CHECK(SampleToken(tie.data(), 4, greedy, &rng, &scratch).id == 1);  // ties to the lowest id
  const double lse = std::log(std::exp(1.0) + 2 * std::exp(3.0) + 1.0);
  CHECK(SampleToken(tie.data(), 4, greedy, &rng, &scratch).logprob == doctest::Approx(3.0 - lse));
  CHECK(TokenLogProb(tie.data(), 4, 0) == doctest::Approx(1.0 - lse));

  StepSampling hot;
  hot.temperature = 5.f;
  hot.top_k = 1;
  for (int i = 0; i < 20; ++i) CHECK(SampleToken(tie.data(), 4, hot, &rng, &scratch).id == 1);
  hot.top_k = 0;
  hot.top_p = 1e-6f;
  for (int i = 0; i < 20; ++i) CHECK(SampleToken(tie.data(), 4, hot, &rng, &scratch).id == 1);

  // top-k 2 never leaves {1, 3}; log-probs stay those of the untempered model.
  hot.top_p = 1.f;
  hot.top_k = 2;
  std::map<int, int> seen;
  for (int i = 0; i < 200; ++i) {
    SampledToken s = SampleToken(tie.data(), 4, hot, &rng, &scratch);
    ++seen[s.id];
    CHECK(s.logprob == doctest::Approx(tie[s.id] - lse));
  }
  CHECK(seen.size() == 2);
  CHECK(seen.count(1) == 1);
  CHECK(seen.count(3) == 1);

  // Nucleus: probabilities 0.5, 0.3, 0.2 -> top_p 0.7 keeps {0, 1}.
  const std::vector<float> probs = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  StepSampling nucleus;
  nucleus.temperature = 1.f;
  nucleus.top_p = 0.7f;
  seen.clear();
  for (int i = 0; i < 2000; ++i) ++seen[SampleToken(probs.data(), 3, nucleus, &rng, &scratch).id];
  CHECK(seen.count(2) == 0);
  CHECK(seen[0] > 1100);  // expected 1250 = 2000 * 0.5 / 0.8
  CHECK(seen[0] < 1400);

  // Plain temperature 1 follows the distribution.
  nucleus.top_p = 1.f;
  seen.clear();
  for (int i = 0; i < 4000; ++i) ++seen[SampleToken(probs.data(), 3, nucleus, &rng, &scratch).id];
  CHECK(seen[2] > 650);  // expected 800
  CHECK(seen[2] < 950);

  // Reproducible by seed.
  Rng r1(99), r2(99);
  for (int i = 0; i < 50; ++i) {
    CHECK(SampleToken(probs.data(), 3, nucleus, &r1, &scratch).id ==
          SampleToken(probs.data(), 3, nucleus, &r2, &scratch).id);
  }
}

}  // TEST_SUITE("sampling")

// Wall-clock helpers shared by the bench measurements.
#pragma once

#include <chrono>

namespace steptree::bench {

using Clock = std::chrono::steady_clock;

// Seconds from `start` to now.
inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// amount / seconds, 0 when no time passed.
inline double Rate(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; }

}  // namespace steptree::bench

#include "app/flag_parsing.h"

#include <cstdlib>

#include "core/input_error.h"

namespace steptree::app {
namespace {

int ParseLevel(const std::string& text, const std::string& whole) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < kMinDifficulty || value > kMaxDifficulty) {
    throw UsageError("--difficulty expects a level 1..8 or a range like 1-8, got \"" + whole + "\"");
  }
  return static_cast<int>(value);
}

}  // namespace

long CheckProblemCount(long n, const std::string& flag) {
  if (n < 1 || n > kMaxProblemCount) {
    throw UsageError(flag + " must be between 1 and " + std::to_string(kMaxProblemCount) + ", got " + std::to_string(n));
  }
  return n;
}

std::pair<int, int> ParseDifficultyRange(const std::string& text) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) {
    const int level = ParseLevel(text, text);
    return {level, level};
  }
  const int lo = ParseLevel(text.substr(0, dash), text);
  const int hi = ParseLevel(text.substr(dash + 1), text);
  if (lo > hi) throw UsageError("--difficulty range must be increasing, got \"" + text + "\"");
  return {lo, hi};
}

ProblemSplit ParseSplit(const std::string& text) {
  if (text == "any") return ProblemSplit::kAny;
  if (text == "train") return ProblemSplit::kTrain;
  if (text == "heldout") return ProblemSplit::kHeldOut;
  throw UsageError("--split expects any, train or heldout, got \"" + text + "\"");
}

ProblemFamily ParseFamily(const std::string& text) {
  if (const std::optional<ProblemFamily> family = ProblemFamilyFromName(text)) return *family;
  throw UsageError("--family expects arithmetic or countdown, got \"" + text + "\"");
}

}  // namespace steptree::app

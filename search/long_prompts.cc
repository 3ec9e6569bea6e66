// Questions whose prompt does not fit the model's context (search/long_prompts.h).
#include "search/long_prompts.h"

#include "core/input_error.h"

namespace steptree {
namespace {

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Offsets where a suffix may start: after each run of spaces (a word start); in a question
// without spaces, each UTF-8 character start. Increasing.
std::vector<size_t> SuffixStarts(const std::string& question) {
  std::vector<size_t> starts;
  for (size_t i = 1; i < question.size(); ++i) {
    const bool space_before = question[i - 1] == ' ' || question[i - 1] == '\n' || question[i - 1] == '\t';
    const bool space_here = question[i] == ' ' || question[i] == '\n' || question[i] == '\t';
    if (space_before && !space_here) starts.push_back(i);
  }
  if (!starts.empty()) return starts;
  for (size_t i = 1; i < question.size(); ++i) {
    if (!IsUtf8Continuation(question[i])) starts.push_back(i);
  }
  return starts;
}

}  // namespace

std::optional<LongPromptPolicy> LongPromptPolicyFromName(const std::string& name) {
  if (name == "error") return LongPromptPolicy::kError;
  if (name == "skip") return LongPromptPolicy::kSkip;
  if (name == "truncate-left") return LongPromptPolicy::kTruncateLeft;
  return std::nullopt;
}

std::string TruncateQuestionLeft(const std::string& question, const SearchBackend& backend, int max_tokens) {
  const auto fits = [&](size_t start) {
    return static_cast<long>(backend.EncodeQuestion(question.substr(start)).size()) <= max_tokens;
  };
  const std::vector<size_t> starts = SuffixStarts(question);
  // Invariant: a later start gives a shorter suffix, and a shorter text never encodes to
  // more tokens than a longer one that ends with it (up to a token at the cut), so the
  // starts that fit form a tail of `starts`: binary search for its first element.
  size_t lo = 0, hi = starts.size();  // the answer is in [lo, hi]; hi = none fits
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (fits(starts[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  // The last start fitting by the search may still not fit (the invariant holds up to one
  // token); walk on until one does.
  for (size_t i = lo; i < starts.size(); ++i) {
    if (fits(starts[i])) return question.substr(starts[i]);
  }
  return "";
}

LongPromptReport ApplyLongPromptPolicy(std::vector<Problem>* problems, const SearchBackend& backend,
                                       LongPromptPolicy policy) {
  LongPromptReport report;
  const long context = backend.max_state_tokens();
  std::vector<Problem> kept;
  kept.reserve(problems->size());
  for (Problem& problem : *problems) {
    const long tokens = static_cast<long>(backend.EncodeQuestion(problem.question).size());
    if (tokens < context) {
      kept.push_back(std::move(problem));
      continue;
    }
    if (policy == LongPromptPolicy::kError) {
      throw UsageError("problem \"" + problem.id + "\": its prompt takes " + std::to_string(tokens) +
                       " tokens, the model's context holds " + std::to_string(context) +
                       "; use --on-long-prompt skip or truncate-left");
    }
    if (policy == LongPromptPolicy::kSkip) {
      report.skipped_ids.push_back(problem.id);
      continue;
    }
    const std::string truncated = TruncateQuestionLeft(problem.question, backend, static_cast<int>(context / 2));
    if (truncated.empty()) {  // even the last word's prompt is too long: nothing left to ask
      throw UsageError("problem \"" + problem.id + "\": no part of its question fits half the model's context (" +
                       std::to_string(context) + " tokens); use --on-long-prompt skip");
    }
    problem.question = truncated;
    report.truncated_ids.push_back(problem.id);
    kept.push_back(std::move(problem));
  }
  *problems = std::move(kept);
  return report;
}

}  // namespace steptree

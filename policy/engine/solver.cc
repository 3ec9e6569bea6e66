#include "policy/engine/solver.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "datasets/answer.h"
#include "core/rng.h"
#include "datasets/synthetic.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"

namespace steptree {

std::vector<Solution> SolveProblems(const Policy& policy, const std::vector<Problem>& problems,
                                    const SolveOptions& options, SolveStats* stats,
                                    const SolvedBatchCallback& on_batch) {
  const auto start = std::chrono::steady_clock::now();
  const int context = policy.context();
  std::vector<std::vector<int>> prompts(problems.size());
  for (size_t i = 0; i < problems.size(); ++i) {
    prompts[i] = policy.prompt().EncodePrefix(problems[i].question, {});
  }
  // Similar lengths share a batch: less padding in the prefill.
  std::vector<size_t> order(problems.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });

  std::vector<Solution> solutions(problems.size());
  StepGenerator generator(policy);
  Budget total;
  const size_t batch_size = std::max(1, options.batch_size);
  for (size_t begin = 0; begin < order.size(); begin += batch_size) {
    const size_t end = std::min(order.size(), begin + batch_size);
    std::vector<std::vector<int>> batch;
    std::vector<uint64_t> seeds;
    std::vector<size_t> rows;  // problem index of each batch row
    std::vector<size_t> finished(order.begin() + begin, order.begin() + end);
    for (size_t k = begin; k < end; ++k) {
      const size_t i = order[k];
      if (static_cast<int>(prompts[i].size()) >= context) {
        solutions[i].end = StepEnd::kContext;  // the question alone fills the context
        continue;
      }
      batch.push_back(prompts[i]);
      seeds.push_back(DeriveSeed(options.seed, HashString(problems[i].id)));
      rows.push_back(i);
    }
    if (!batch.empty()) {
      Budget batch_stats;
      const auto steps =
          generator.GenerateSolutions(batch, options.sampling, seeds, options.max_steps, &batch_stats);
      total.prefill_tokens += batch_stats.prefill_tokens;
      total.generated_tokens += batch_stats.generated_tokens;
      total.forward_calls += batch_stats.forward_calls;
      for (size_t r = 0; r < rows.size(); ++r) {
        Solution& solution = solutions[rows[r]];
        solution.prefill_tokens = static_cast<long>(batch[r].size());
        for (const StepCandidate& step : steps[r]) {
          solution.steps.push_back(step.text);
          solution.generated_tokens += static_cast<long>(step.token_ids.size());
        }
        if (!steps[r].empty()) solution.end = steps[r].back().end;
      }
    }
    for (size_t i : finished) {
      Solution& solution = solutions[i];
      std::string text;
      for (const std::string& step : solution.steps) text += step + "\n";
      solution.answer = ExtractAnswer(text);
      solution.correct = SolutionCorrect(problems[i].question, problems[i].gold, solution.steps, solution.answer);
    }
    if (on_batch) on_batch(finished, solutions, static_cast<long>(end), static_cast<long>(order.size()));
  }
  if (stats) {
    stats->generation = total;
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return solutions;
}

}  // namespace steptree

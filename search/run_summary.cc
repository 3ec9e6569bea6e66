// The summary of a search run (search/run_summary.h).
#include "search/run_summary.h"

#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

namespace steptree {
namespace {

double PerProblem(double total, long n) { return n > 0 ? total / static_cast<double>(n) : 0.0; }

}  // namespace

TreeOutcome OutcomeOfResult(const Problem& problem, const SearchResult& result) {
  TreeOutcome outcome;
  outcome.correct = result.correct;
  outcome.budget = result.budget;
  outcome.difficulty = problem.difficulty;
  for (const Node& node : result.tree.nodes()) outcome.solved |= node.terminal && node.correct.value_or(false);
  return outcome;
}

TreeOutcome OutcomeOfRecord(const nlohmann::json& record) {
  TreeOutcome outcome;
  if (record.contains("correct") && record["correct"].is_boolean()) outcome.correct = record["correct"].get<bool>();
  outcome.budget = BudgetFromJson(record.contains("budget") ? record["budget"] : nlohmann::json::object());
  if (!record.contains("tree") || !record["tree"].is_array()) throw std::invalid_argument("\"tree\" is not an array");
  for (const nlohmann::json& node : record["tree"]) {
    if (node.is_object() && node.value("terminal", false) && node.contains("correct") &&
        node["correct"].is_boolean()) {
      outcome.solved |= node["correct"].get<bool>();
    }
  }
  return outcome;
}

nlohmann::json SummariseOutcomes(const std::vector<TreeOutcome>& outcomes, const nlohmann::json& config,
                                 const RunFigures& run, const std::string& out) {
  long n = 0, graded = 0, correct = 0, solved = 0;
  Budget total;
  std::map<int, std::pair<long, long>> by_difficulty;  // difficulty -> (correct, graded)
  for (const TreeOutcome& o : outcomes) {
    ++n;
    total += o.budget;
    solved += o.solved;
    if (!o.correct.has_value()) continue;
    ++graded;
    correct += *o.correct;
    if (o.difficulty) {
      auto& [c, g] = by_difficulty[*o.difficulty];
      c += *o.correct;
      ++g;
    }
  }
  nlohmann::json summary = {
      {"mode", config.value("mode", "")},
      {"n", n},
      {"searched", run.searched},
      {"resumed", run.resumed},
      {"accuracy", graded ? nlohmann::json(static_cast<double>(correct) / static_cast<double>(graded))
                          : nlohmann::json()},
      {"correct", correct},
      {"graded", graded},
      {"solved_share", n ? static_cast<double>(solved) / static_cast<double>(n) : 0.0},
      {"by_difficulty", nlohmann::json::object()},
      {"tokens_per_problem", PerProblem(total.generated_tokens, n)},
      {"prefill_tokens_per_problem", PerProblem(total.prefill_tokens, n)},
      {"cached_tokens_per_problem", PerProblem(total.cached_tokens, n)},
      {"forward_calls_per_problem", PerProblem(total.forward_calls, n)},
      {"nodes_per_problem", PerProblem(total.nodes, n)},
      {"generated_tokens", total.generated_tokens},
      {"seconds", run.seconds},
      {"seconds_per_problem", PerProblem(run.seconds, run.searched)},
      {"tokens_per_second", run.seconds > 0 ? static_cast<double>(run.generated_tokens) / run.seconds : 0.0},
      {"threads", run.threads},
      {"config", config},
      {"out", out}};
  for (const auto& [d, cg] : by_difficulty) {
    summary["by_difficulty"][std::to_string(d)] = {
        {"accuracy", static_cast<double>(cg.first) / static_cast<double>(cg.second)}, {"n", cg.second}};
  }
  return summary;
}

std::string FormatSearchSummary(const nlohmann::json& s) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%s: %ld problems (%ld searched, %ld resumed)\n",
                s["mode"].get<std::string>().c_str(), s["n"].get<long>(), s["searched"].get<long>(),
                s["resumed"].get<long>());
  out << line;
  if (!s["accuracy"].is_null()) {
    std::snprintf(line, sizeof line, "  accuracy %.1f%% (%ld correct); a correct terminal in %.1f%% of trees\n",
                  100 * s["accuracy"].get<double>(), s["correct"].get<long>(), 100 * s["solved_share"].get<double>());
    out << line;
    for (const auto& [d, v] : s["by_difficulty"].items()) {
      std::snprintf(line, sizeof line, "    level %-2s %5.1f%%  (n %ld)\n", d.c_str(),
                    100 * v["accuracy"].get<double>(), v["n"].get<long>());
      out << line;
    }
  }
  std::snprintf(line, sizeof line,
                "  per problem: %.0f generated tokens, %.0f prefill tokens computed (%.0f served by the KV cache), "
                "%.1f model calls, %.1f nodes\n"
                "  %.1f s (%.3f s per problem searched, %.0f tokens/s, %d threads)\n",
                s["tokens_per_problem"].get<double>(), s["prefill_tokens_per_problem"].get<double>(),
                s.value("cached_tokens_per_problem", 0.0), s["forward_calls_per_problem"].get<double>(), s["nodes_per_problem"].get<double>(),
                s["seconds"].get<double>(), s["seconds_per_problem"].get<double>(),
                s["tokens_per_second"].get<double>(), s["threads"].get<int>());
  out << line;
  return out.str();
}

}  // namespace steptree

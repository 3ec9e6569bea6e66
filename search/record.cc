#include "search/record.h"

#include "mcts/tree_json.h"

namespace steptree {

namespace {

nlohmann::ordered_json OrNull(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}
nlohmann::ordered_json OrNull(const std::optional<bool>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

// "tag", "answer", "correct" of a chosen node; for -1 (nothing chosen) null, null, and
// false when the gold answer is known.
void DescribeChoice(const Tree& tree, int node, const Problem& problem, nlohmann::ordered_json* json) {
  if (node < 0) {
    (*json)["tag"] = nullptr;
    (*json)["answer"] = nullptr;
    (*json)["correct"] = problem.gold ? nlohmann::ordered_json(false) : nlohmann::ordered_json(nullptr);
    return;
  }
  (*json)["tag"] = tree.Tag(node);
  (*json)["answer"] = OrNull(tree.node(node).answer);
  (*json)["correct"] = OrNull(tree.node(node).correct);
}

}  // namespace

nlohmann::ordered_json ProblemJson(const Problem& problem) {
  if (problem.record.is_object() && !problem.record.empty()) {
    return nlohmann::ordered_json::parse(problem.record.dump());
  }
  nlohmann::ordered_json json;
  json["id"] = problem.id;
  json["question"] = problem.question;
  json["gold"] = OrNull(problem.gold);
  return json;
}

nlohmann::ordered_json SearchRecord(const Problem& problem, const SearchConfig& config, const SearchResult& result,
                                    const std::string& model_digest, const nlohmann::ordered_json& provenance) {
  const Tree& tree = result.tree;
  nlohmann::ordered_json record;
  record["format"] = kTreeRecordFormat;
  record["version"] = kTreeRecordVersion;
  record["id"] = problem.id;
  record["problem"] = ProblemJson(problem);
  record["config"] = ConfigToJson(config);
  if (!model_digest.empty()) record["model_digest"] = model_digest;
  if (!provenance.is_null()) record["provenance"] = provenance;
  record["budget"] = BudgetToJson(result.budget);
  record["answer"] = OrNull(result.answer);
  record["correct"] = OrNull(result.correct);
  if (config.mode == SearchMode::kSbs || config.mode == SearchMode::kDvts) {
    nlohmann::ordered_json ranking = nlohmann::ordered_json::array();
    for (int node : result.ranking) {
      nlohmann::ordered_json entry;
      entry["tag"] = tree.Tag(node);
      entry["answer"] = OrNull(tree.node(node).answer);
      entry["value"] = tree.node(node).value;
      entry["correct"] = OrNull(tree.node(node).correct);
      ranking.push_back(std::move(entry));
    }
    record["ranking"] = std::move(ranking);
  }
  if (config.mode == SearchMode::kMcts) {
    nlohmann::ordered_json by_iteration = nlohmann::ordered_json::array();
    for (const IterationChoice& choice : result.answer_by_iteration) {
      nlohmann::ordered_json entry;
      entry["iteration"] = choice.iteration;
      DescribeChoice(tree, choice.node, problem, &entry);
      entry["budget"] = BudgetToJson(choice.budget);
      by_iteration.push_back(std::move(entry));
    }
    record["answer_by_iteration"] = std::move(by_iteration);
  }
  if (config.mode == SearchMode::kMajority || config.mode == SearchMode::kBestOfN) {
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (const SampleOutcome& sample : result.samples) {
      nlohmann::ordered_json entry;
      entry["tag"] = sample.leaf >= 0 ? nlohmann::ordered_json(tree.Tag(sample.leaf)) : nlohmann::ordered_json(nullptr);
      entry["tokens"] = sample.generated_tokens;
      entry["value"] = sample.final_value;
      entry["answered"] = sample.answered;
      samples.push_back(std::move(entry));
    }
    record["samples"] = std::move(samples);
  }
  record["tree"] = TreeToJson(tree);
  return record;
}

}  // namespace steptree

// Export records, one builder per format (export/records.h).
#include "export/records.h"

#include <algorithm>
#include <cmath>

namespace steptree {
namespace {

using ordered_json = nlohmann::ordered_json;

std::vector<std::string> StepTexts(const Tree& tree, const std::vector<int>& nodes) {
  std::vector<std::string> steps;
  for (int node : nodes) steps.push_back(tree.node(node).step);
  return steps;
}

// The steps as the model writes them: each but the last followed by the step delimiter.
std::string JoinSteps(const std::vector<std::string>& steps, const std::string& delimiter) {
  std::string text;
  for (size_t k = 0; k < steps.size(); ++k) text += (k ? delimiter : "") + steps[k];
  return text;
}

ordered_json AssistantMessage(std::string content) {
  return ordered_json{{"role", "assistant"}, {"content", std::move(content)}};
}

std::string PathId(const SearchedTree& source, const PrunedTree& pruned, int node) {
  return source.id + "/" + pruned.source_tags.at(node);
}

void AddDifficulty(const SearchedTree& source, ordered_json* record) {
  if (source.difficulty) (*record)["difficulty"] = *source.difficulty;
}

ordered_json Gold(const SearchedTree& source) {
  return source.gold ? ordered_json(*source.gold) : ordered_json(nullptr);
}

}  // namespace

nlohmann::json FigureJson(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

ordered_json SftRecord(const SearchedTree& source, const PrunedTree& pruned, const TreePath& path, SftStyle style) {
  const Tree& tree = pruned.tree;
  const std::vector<std::string> steps = StepTexts(tree, path.nodes);
  ordered_json record;
  record["id"] = PathId(source, pruned, path.terminal);
  const std::string completion = JoinSteps(steps, source.step_delimiter);
  const bool chat_model = source.messages.is_array();
  if (style == SftStyle::kChat) {
    // TRL's conversational language modelling: the model's own conversation, then its answer.
    ordered_json messages = chat_model ? source.messages
                                       : ordered_json::array({ordered_json{{"role", "user"}, {"content", source.question}}});
    messages.push_back(AssistantMessage(completion));
    record["messages"] = std::move(messages);
  } else if (chat_model) {
    // TRL's conversational prompt-completion: both sides message lists.
    record["prompt"] = source.messages;
    record["completion"] = ordered_json::array({AssistantMessage(completion)});
  } else {
    record["prompt"] = source.prompt;
    record["completion"] = completion;
  }
  record["question"] = source.question;
  record["steps"] = steps;
  record["answer"] = source.gold.value_or(tree.node(path.terminal).answer.value_or(""));
  AddDifficulty(source, &record);
  return record;
}

ordered_json ValueRecord(const SearchedTree& source, const PrunedTree& pruned, const TreeLabels& labels,
                         const TreePath& path) {
  const Tree& tree = pruned.tree;
  ordered_json steps = ordered_json::array();
  for (int node : path.nodes) {
    // At the terminal QOrValue is the outcome, +1 or -1 (a pruned tree's terminals are graded).
    steps.push_back(ordered_json{{"step", tree.node(node).step}, {"Q", labels.QOrValue(node)}});
  }
  ordered_json record;
  record["id"] = PathId(source, pruned, path.terminal);
  record["question"] = source.question;
  record["steps"] = std::move(steps);
  record["gold"] = Gold(source);
  AddDifficulty(source, &record);
  return record;
}

ordered_json PrmRecord(const SearchedTree& source, const PrunedTree& pruned, const TreeLabels& labels,
                       const TreePath& path, StepLabelRule rule, std::optional<double> threshold) {
  const Tree& tree = pruned.tree;
  // TRL's PRMTrainer casts every label with int(): a soft label below 1 would become 0, so
  // soft numbers go to "scores" and "labels" stays true/false (hard, or cut at a threshold).
  const bool soft_scores = rule != StepLabelRule::kHard && !threshold;
  ordered_json label_list = ordered_json::array(), score_list = ordered_json::array();
  for (int node : path.nodes) {
    if (threshold) {
      label_list.push_back(labels.Label(node, rule) >= *threshold);
    } else {
      label_list.push_back(labels.Hard(node));
    }
    if (soft_scores) score_list.push_back(labels.Label(node, rule));
  }
  ordered_json record;
  record["id"] = PathId(source, pruned, path.terminal);
  record["prompt"] = source.prompt;
  record["completions"] = StepTexts(tree, path.nodes);
  record["labels"] = std::move(label_list);
  if (soft_scores) record["scores"] = std::move(score_list);
  record["question"] = source.question;
  record["gold"] = Gold(source);
  AddDifficulty(source, &record);
  return record;
}

std::vector<StepPair> SelectPairs(const Tree& tree, const TreeLabels& labels, const PairOptions& options) {
  std::vector<StepPair> pairs;
  for (int parent = 0; parent < tree.size(); ++parent) {
    std::vector<std::pair<double, int>> good, bad;  // (Q target, node)
    for (int child : tree.node(parent).children) {
      const std::optional<double> q = labels.QTarget(child);
      if (!q) continue;
      (labels.Hard(child) ? good : bad).push_back({*q, child});
    }
    // Highest Q first among the good, lowest first among the bad; ties in tag order.
    std::stable_sort(good.begin(), good.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::stable_sort(bad.begin(), bad.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const size_t n_good = std::min(good.size(), static_cast<size_t>(options.per_step));
    const size_t n_bad = std::min(bad.size(), static_cast<size_t>(options.per_step));
    for (size_t g = 0; g < n_good; ++g) {
      for (size_t b = 0; b < n_bad; ++b) {
        if (good[g].first - bad[b].first < options.margin) continue;
        pairs.push_back({parent, good[g].second, bad[b].second, good[g].first, bad[b].first});
      }
    }
  }
  return pairs;
}

std::vector<ordered_json> PairRecords(const SearchedTree& source, const PrunedTree& pruned, const TreeLabels& labels,
                                      const PairOptions& options) {
  const Tree& tree = pruned.tree;
  std::vector<ordered_json> records;
  for (const StepPair& pair : SelectPairs(tree, labels, options)) {
    std::vector<int> prefix_nodes = tree.PathFromRoot(pair.parent);
    prefix_nodes.erase(prefix_nodes.begin());
    const std::vector<std::string> prefix = StepTexts(tree, prefix_nodes);
    std::string prompt = source.prompt;
    for (const std::string& step : prefix) prompt += step + source.step_delimiter;
    ordered_json record;
    record["id"] = source.id + "/" + pruned.source_tags[pair.chosen] + "~" + pruned.source_tags[pair.rejected];
    record["prompt"] = prompt;
    record["chosen"] = tree.node(pair.chosen).step;
    record["rejected"] = tree.node(pair.rejected).step;
    record["question"] = source.question;
    record["prefix"] = prefix;
    record["chosen_q"] = pair.chosen_q;
    record["rejected_q"] = pair.rejected_q;
    AddDifficulty(source, &record);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace steptree

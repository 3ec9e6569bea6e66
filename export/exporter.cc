// Trees to training data (export/exporter.h).
#include "export/exporter.h"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/atomic_output.h"
#include "export/step_truth.h"

namespace steptree {
namespace {

using ordered_json = nlohmann::ordered_json;

bool IsPathFormat(ExportFormat format) { return format != ExportFormat::kPairs; }

void Tally(ExportTally* tally, long records, long steps) {
  tally->questions += records > 0 ? 1 : 0;
  tally->records += records;
  tally->steps += steps;
}

// Counts the labels of one exported path record (prm: "scores" where written, else
// "labels"; value: the Q of "steps").
void CountStepLabels(const ExportOptions& options, const ordered_json& record, ExportSummary* summary) {
  if (options.format == ExportFormat::kPrm) {
    for (const ordered_json& label : record.contains("scores") ? record["scores"] : record["labels"]) {
      const double x = label.is_boolean() ? (label.get<bool>() ? 1.0 : 0.0) : label.get<double>();
      (x >= 0.5 ? summary->positive_labels : summary->negative_labels) += 1;
      summary->label_sum += x;
    }
  } else if (options.format == ExportFormat::kValue) {
    for (const ordered_json& step : record["steps"]) {
      const double q = step["Q"].get<double>();
      (q > 0 ? summary->positive_labels : summary->negative_labels) += 1;
      summary->label_sum += q;
    }
  }
}

nlohmann::json TallyJson(const ExportTally& tally) {
  return {{"questions", tally.questions}, {"records", tally.records}, {"steps", tally.steps}};
}

nlohmann::json PathCap(long cap) { return cap == kNoPathLimit ? nlohmann::json("all") : nlohmann::json(cap); }

}  // namespace

const char* ExportFormatName(ExportFormat format) {
  switch (format) {
    case ExportFormat::kSft: return "sft";
    case ExportFormat::kValue: return "value";
    case ExportFormat::kPrm: return "prm";
    case ExportFormat::kPairs: return "pairs";
  }
  return "?";
}

std::optional<ExportFormat> ParseExportFormat(const std::string& name) {
  for (ExportFormat f : {ExportFormat::kSft, ExportFormat::kValue, ExportFormat::kPrm, ExportFormat::kPairs}) {
    if (name == ExportFormatName(f)) return f;
  }
  return std::nullopt;
}

std::vector<ordered_json> ExportTree(const SearchedTree& source, const ExportOptions& options,
                                     ExportSummary* summary) {
  summary->trees += 1;
  const PrunedTree pruned = PruneTree(source.tree, &summary->pruning);
  const Tree& tree = pruned.tree;
  std::vector<ordered_json> records;
  long steps = 0;
  if (tree.size() == 1) {
    summary->without_valid_terminal += 1;
  } else {
    const TreeLabels labels(tree, options.min_visits);
    if (IsPathFormat(options.format)) {
      const long max_incorrect = options.format == ExportFormat::kSft ? 0 : options.max_incorrect;
      std::vector<TreePath> paths = AllPaths(tree);
      if (options.only_right_steps && HasStepTruth(source.source)) {
        const auto lucky = [&](const TreePath& path) {
          return path.correct && HasWrongStep(tree.node(0).step, tree.PathSteps(tree.node(path.terminal).parent));
        };
        const auto end = std::remove_if(paths.begin(), paths.end(), lucky);
        summary->dropped_wrong_step_paths += static_cast<long>(paths.end() - end);
        paths.erase(end, paths.end());
      }
      for (const TreePath& path : CapPaths(tree, paths, options.max_correct, max_incorrect)) {
        switch (options.format) {
          case ExportFormat::kSft: records.push_back(SftRecord(source, pruned, path, options.sft_style)); break;
          case ExportFormat::kValue: records.push_back(ValueRecord(source, pruned, labels, path)); break;
          default: records.push_back(PrmRecord(source, pruned, labels, path, options.labels, options.threshold));
        }
        CountStepLabels(options, records.back(), summary);
        (path.correct ? summary->correct_paths : summary->incorrect_paths) += 1;
        steps += static_cast<long>(path.nodes.size());
        if (options.format == ExportFormat::kValue ||
            (options.format == ExportFormat::kPrm && options.labels == StepLabelRule::kSoftQ)) {
          for (int node : path.nodes) summary->steps_without_q_target += labels.QTarget(node) ? 0 : 1;
        }
      }
    } else {
      records = PairRecords(source, pruned, labels, options.pairs);
      for (const ordered_json& pair : records) {
        summary->q_gap_sum += pair["chosen_q"].get<double>() - pair["rejected_q"].get<double>();
      }
      steps = 2 * static_cast<long>(records.size());
    }
  }
  const long n = static_cast<long>(records.size());
  Tally(&summary->all, n, steps);
  Tally(source.difficulty ? &summary->by_difficulty[*source.difficulty] : &summary->without_difficulty, n, steps);
  return records;
}

ExportSummary ExportTrees(const std::vector<std::string>& tree_files, const ExportOptions& options,
                          const std::string& out) {
  ExportSummary summary;
  AtomicOutputFile output(out, "-o");
  std::map<std::string, int> trees_of_problem;
  for (const std::string& file : tree_files) {
    TreeFileReader reader(file);
    SearchedTree source;
    while (reader.Next(&source)) {
      const int occurrence = ++trees_of_problem[source.id];
      if (occurrence > 1) {
        source.id += "#" + std::to_string(occurrence);
        ++summary.repeated_problems;
      }
      for (const ordered_json& record : ExportTree(source, options, &summary)) {
        output.WriteLine(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
  }
  output.Commit();
  return summary;
}

nlohmann::json ExportSummaryToJson(const ExportSummary& summary, const ExportOptions& options,
                                   const std::string& out) {
  nlohmann::json by_difficulty = nlohmann::json::object();
  for (const auto& [level, tally] : summary.by_difficulty) by_difficulty[std::to_string(level)] = TallyJson(tally);
  nlohmann::json labels = nullptr;
  const long n_labels = summary.positive_labels + summary.negative_labels;
  if (options.format == ExportFormat::kPrm || options.format == ExportFormat::kValue) {
    labels = {{"positive", summary.positive_labels},
              {"negative", summary.negative_labels},
              {"positive_share", FigureJson(static_cast<double>(summary.positive_labels) / n_labels)},
              {"mean", FigureJson(summary.label_sum / n_labels)}};
  }
  nlohmann::json option_json = {{"min_visits", options.min_visits}};
  if (options.format != ExportFormat::kPairs) option_json["max_correct"] = PathCap(options.max_correct);
  if (options.format == ExportFormat::kValue || options.format == ExportFormat::kPrm) {
    option_json["max_incorrect"] = PathCap(options.max_incorrect);
  }
  if (options.format == ExportFormat::kSft) {
    option_json["sft_style"] = options.sft_style == SftStyle::kChat ? "chat" : "completion";
  }
  if (options.format == ExportFormat::kPrm) {
    option_json["labels"] = StepLabelRuleName(options.labels);
    option_json["threshold"] = options.threshold ? nlohmann::json(*options.threshold) : nlohmann::json(nullptr);
  }
  if (options.format == ExportFormat::kPairs) {
    option_json["margin"] = options.pairs.margin;
    option_json["pairs_per_step"] = options.pairs.per_step;
  }
  if (options.only_right_steps) option_json["only_right_steps"] = true;
  return {{"format", ExportFormatName(options.format)},
          {"out", out},
          {"trees", summary.trees},
          {"repeated_problems", summary.repeated_problems},
          {"questions", summary.all.questions},
          {"without_valid_terminal", summary.without_valid_terminal},
          {"records", summary.all.records},
          {"paths", summary.correct_paths + summary.incorrect_paths},
          {"correct_paths", summary.correct_paths},
          {"incorrect_paths", summary.incorrect_paths},
          {"dropped_wrong_step_paths", summary.dropped_wrong_step_paths},
          {"steps", summary.all.steps},
          {"labels", labels},
          {"mean_q_gap", options.format == ExportFormat::kPairs
                             ? FigureJson(summary.q_gap_sum / static_cast<double>(summary.all.records))
                             : nlohmann::json(nullptr)},
          {"by_difficulty", by_difficulty},
          {"without_difficulty", TallyJson(summary.without_difficulty)},
          {"pruning",
           {{"nodes_in", summary.pruning.nodes_in},
            {"nodes_kept", summary.pruning.nodes_kept},
            {"nodes_dropped", summary.pruning.nodes_dropped},
            {"nodes_merged", summary.pruning.nodes_merged},
            {"steps_without_q_target", summary.steps_without_q_target}}},
          {"options", option_json}};
}

std::string FormatExportSummary(const ExportSummary& summary, const ExportOptions& options, const std::string& out) {
  std::ostringstream text;
  text << "export " << ExportFormatName(options.format) << ": " << summary.all.records << " records from "
       << summary.all.questions << " of " << summary.trees << " trees (" << summary.without_valid_terminal
       << " without a graded final answer), " << summary.all.steps << " labelled steps -> " << out << "\n";
  if (summary.repeated_problems > 0) {
    text << "  " << summary.repeated_problems
         << " trees repeat a problem id of an earlier tree: their record ids carry #2, #3, ... (ids stay unique)\n";
  }
  if (options.format != ExportFormat::kPairs) {
    text << "  paths: " << summary.correct_paths << " correct, " << summary.incorrect_paths << " incorrect\n";
  }
  const long n_labels = summary.positive_labels + summary.negative_labels;
  if (n_labels > 0) {
    char line[160];
    std::snprintf(line, sizeof line, "  step labels: %ld positive, %ld negative (%.1f%% positive), mean %.3f\n",
                  summary.positive_labels, summary.negative_labels, 100.0 * summary.positive_labels / n_labels,
                  summary.label_sum / n_labels);
    text << line;
  }
  if (options.format == ExportFormat::kPairs && summary.all.records > 0) {
    text << "  mean Q gap (chosen - rejected): " << summary.q_gap_sum / summary.all.records << "\n";
  }
  text << "  pruning: " << summary.pruning.nodes_in << " nodes in, " << summary.pruning.nodes_kept << " kept, "
       << summary.pruning.nodes_dropped << " dropped (no valid terminal below), " << summary.pruning.nodes_merged
       << " merged into identical siblings\n";
  if (!summary.by_difficulty.empty()) {
    text << "  by difficulty (questions/records/steps):";
    for (const auto& [level, tally] : summary.by_difficulty) {
      text << " " << level << ": " << tally.questions << "/" << tally.records << "/" << tally.steps;
    }
    text << "\n";
  }
  return text.str();
}

}  // namespace steptree

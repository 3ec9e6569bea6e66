// Label quality against true step correctness (export/audit.h).
#include "export/audit.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "datasets/answer.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/roc_auc.h"
#include "datasets/synthetic.h"
#include "export/paths.h"
#include "export/prune.h"

namespace steptree {
namespace {

// Depths from this one on are pooled ("8+"), as eval-value does (value/value_eval.h).
constexpr int kDeepestDepthBucket = 8;

int DepthBucket(int depth) { return std::min(depth, kDeepestDepthBucket); }
std::string DepthName(int bucket) {
  return bucket >= kDeepestDepthBucket ? std::to_string(kDeepestDepthBucket) + "+" : std::to_string(bucket);
}

double Ratio(long a, long b) { return b == 0 ? std::nan("") : static_cast<double>(a) / static_cast<double>(b); }

void AddShare(const std::string& question, const std::vector<std::string>& steps_before_final, PathShare* share) {
  share->paths += 1;
  share->with_wrong_step += HasWrongStep(question, steps_before_final) ? 1 : 0;
}

std::vector<std::string> StepsBefore(const Tree& tree, const std::vector<int>& path_nodes) {
  std::vector<std::string> steps;
  for (size_t k = 0; k + 1 < path_nodes.size(); ++k) steps.push_back(tree.node(path_nodes[k]).step);
  return steps;
}

// The share among the correct paths of `tree` (unpruned input trees included: every
// terminal whose answer is correct ends one).
void AddCorrectPaths(const Tree& tree, const std::vector<TreePath>& paths, PathShare* share) {
  for (const TreePath& path : paths) {
    if (path.correct) AddShare(tree.node(0).step, StepsBefore(tree, path.nodes), share);
  }
}

nlohmann::json AgreementJson(const LabelAgreement& a) {
  if (!a.used) return nullptr;
  const Confusion& c = a.confusion;
  nlohmann::json json = {{"accuracy", FigureJson(c.Accuracy())}, {"precision", FigureJson(c.Precision())},
                         {"recall", FigureJson(c.Recall())},     {"n", c.n()},
                         {"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"tn", c.tn}};
  if (a.soft) {
    json["threshold"] = a.threshold;
    json["auc"] = FigureJson(AreaUnderRoc(a.scores, a.truth));
  }
  return json;
}

nlohmann::json AucByDepthJson(const std::map<int, ScoredOutcomes>& by_depth) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [bucket, scored] : by_depth) json[DepthName(bucket)] = FigureJson(AreaUnderRoc(scored.scores, scored.positive));
  return json;
}

double PooledAuc(const std::map<int, ScoredOutcomes>& by_depth) {
  ScoredOutcomes all;
  for (const auto& [bucket, scored] : by_depth) {
    all.scores.insert(all.scores.end(), scored.scores.begin(), scored.scores.end());
    all.positive.insert(all.positive.end(), scored.positive.begin(), scored.positive.end());
  }
  return AreaUnderRoc(all.scores, all.positive);
}

nlohmann::json ShareJson(const PathShare& share) {
  return {{"paths", share.paths}, {"with_wrong_step", share.with_wrong_step},
          {"share", FigureJson(Ratio(share.with_wrong_step, share.paths))}};
}

// --- export records -------------------------------------------------------------------

std::vector<std::string> StringArray(const nlohmann::json& record, const char* field, const RecordContext& where) {
  const nlohmann::json& value = RequireField(record, field, where);
  if (!value.is_array() || value.empty()) {
    throw InputError(where.file, where.line, std::string("field \"") + field + "\" to be a non-empty array of strings");
  }
  std::vector<std::string> out;
  for (const nlohmann::json& item : value) {
    if (!item.is_string()) throw InputError(where.file, where.line, std::string("field \"") + field + "\" to hold strings only");
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The record's string field, "" when absent or not a string (the question: countdown steps
// are judged in its context).
std::string StringOr(const nlohmann::json& record, const char* field) {
  const auto it = record.find(field);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<int> RecordDifficulty(const nlohmann::json& record) {
  const auto it = record.find("difficulty");
  if (it == record.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

void AuditPrmRecord(const nlohmann::json& record, const RecordContext& where, const AuditOptions& options,
                    AuditReport* report) {
  const std::vector<std::string> steps = StringArray(record, "completions", where);
  const nlohmann::json& labels = RequireField(record, "labels", where);
  if (!labels.is_array() || labels.size() != steps.size()) {
    throw InputError(where.file, where.line, "field \"labels\" to be an array with one label per completion");
  }
  const std::optional<std::string> gold = OptionalStringOrNumber(record, "gold", where);
  if (!gold) {
    throw InputError(where.file, where.line,
                     "field \"gold\" (the gold answer, which steptree export writes) to grade the last completion");
  }
  const std::optional<std::string> gold_answer = ExtractAnswer(*gold);
  const std::optional<std::string> answer = ExtractAnswer(steps.back());
  // The question: "question" (exports since provenance), else "prompt" (older files, where
  // it held the bare question).
  const std::string question = record.contains("question") ? StringOr(record, "question") : StringOr(record, "prompt");
  const bool final_correct = SolutionCorrect(question, gold_answer.value_or(*gold), steps, answer);
  const std::vector<bool> truth = PathTruth(question, steps, final_correct, options.truth);
  const std::optional<int> difficulty = RecordDifficulty(record);
  // Soft numbers: "scores" beside true/false labels (export --labels soft-*), or, in files
  // of older versions, numbers in "labels" itself.
  const auto it = record.find("scores");
  const bool has_scores = it != record.end();
  if (has_scores && (!it->is_array() || it->size() != steps.size())) {
    throw InputError(where.file, where.line, "field \"scores\" to be an array with one number per completion");
  }
  const auto soft = [&](const nlohmann::json& x, const char* field, size_t k) {
    if (!x.is_number() || x.get<double>() < 0 || x.get<double>() > 1) {
      throw InputError(where.file, where.line, std::string(field) + "[" + std::to_string(k) +
                                                   "] to be a number in [0, 1], found " + x.dump());
    }
    report->prm_soft.AddSoft(x.get<double>(), truth[k]);
  };
  for (size_t k = 0; k < steps.size(); ++k) {
    const nlohmann::json& label = labels[k];
    if (label.is_boolean()) {
      report->prm_hard.AddHard(label.get<bool>(), truth[k]);
      if (difficulty) report->hard_by_difficulty[*difficulty].Add(label.get<bool>(), truth[k]);
    } else if (label.is_number() && !has_scores) {
      soft(label, "labels", k);
    } else {
      throw InputError(where.file, where.line,
                       "labels[" + std::to_string(k) + "] to be true, false or a number in [0, 1], found " + label.dump());
    }
    if (has_scores) soft((*it)[k], "scores", k);
    report->steps += 1;
    report->truly_good_steps += truth[k] ? 1 : 0;
  }
  if (final_correct) AddShare(question, std::vector<std::string>(steps.begin(), steps.end() - 1), &report->share_trees);
}

void AuditValueRecord(const nlohmann::json& record, const RecordContext& where, const AuditOptions& options,
                      AuditReport* report) {
  const nlohmann::json& entries = RequireField(record, "steps", where);
  if (!entries.is_array() || entries.empty()) {
    throw InputError(where.file, where.line, "field \"steps\" to be a non-empty array of {\"step\", \"Q\"}");
  }
  std::vector<std::string> steps;
  std::vector<double> q;
  for (size_t k = 0; k < entries.size(); ++k) {
    const nlohmann::json& entry = entries[k];
    const std::string at = "steps[" + std::to_string(k) + "]";
    if (!entry.is_object() || !entry.contains("step") || !entry["step"].is_string() || !entry.contains("Q") ||
        !entry["Q"].is_number() || std::abs(entry["Q"].get<double>()) > 1) {
      throw InputError(where.file, where.line, at + " to be {\"step\": string, \"Q\": number in [-1, 1]}");
    }
    steps.push_back(entry["step"].get<std::string>());
    q.push_back(entry["Q"].get<double>());
  }
  if (q.back() != 1.0 && q.back() != -1.0) {
    throw InputError(where.file, where.line, "the last Q (the path's outcome) to be +1 or -1");
  }
  const bool final_correct = q.back() > 0;
  const std::string question = StringOr(record, "question");
  const std::vector<bool> truth = PathTruth(question, steps, final_correct, options.truth);
  for (size_t k = 0; k < steps.size(); ++k) {
    report->prm_soft.AddSoft((q[k] + 1.0) / 2.0, truth[k]);
    if (k + 1 < steps.size()) {
      ScoredOutcomes& depth = report->q_by_depth[DepthBucket(static_cast<int>(k) + 1)];
      depth.scores.push_back(q[k]);
      depth.positive.push_back(final_correct);
    }
    report->steps += 1;
    report->truly_good_steps += truth[k] ? 1 : 0;
  }
  if (final_correct) AddShare(question, std::vector<std::string>(steps.begin(), steps.end() - 1), &report->share_trees);
}

}  // namespace

void Confusion::Add(bool predicted_good, bool truly_good) {
  if (predicted_good) {
    (truly_good ? tp : fp) += 1;
  } else {
    (truly_good ? fn : tn) += 1;
  }
}
double Confusion::Accuracy() const { return Ratio(tp + tn, n()); }
double Confusion::Precision() const { return Ratio(tp, tp + fp); }
double Confusion::Recall() const { return Ratio(tp, tp + fn); }

void LabelAgreement::AddHard(bool label, bool truly_good) {
  used = true;
  confusion.Add(label, truly_good);
}

void LabelAgreement::AddSoft(double score, bool truly_good) {
  used = true;
  soft = true;
  confusion.Add(score >= threshold, truly_good);
  scores.push_back(score);
  truth.push_back(truly_good);
}

void AuditTree(const SearchedTree& source, const AuditOptions& options, AuditReport* report) {
  report->records += 1;
  report->prm_soft.threshold = report->prm_soft_frac.threshold = options.threshold;
  if (!HasStepTruth(source.source)) {
    report->not_synthetic += 1;
    return;
  }
  AddCorrectPaths(source.tree, AllPaths(source.tree), &report->share_trees);
  const PrunedTree pruned = PruneTree(source.tree);
  const Tree& tree = pruned.tree;
  if (tree.size() == 1) {
    report->without_valid_terminal += 1;
    return;
  }
  report->audited += 1;
  const TreeLabels labels(tree, options.min_visits);
  const std::vector<bool> truth = TreeTruth(tree, options.truth);
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree.node(i);
    report->steps += 1;
    report->truly_good_steps += truth[i] ? 1 : 0;
    report->prm_hard.AddHard(labels.Hard(i), truth[i]);
    report->prm_soft.AddSoft(labels.SoftQ(i), truth[i]);
    report->prm_soft_frac.AddSoft(labels.SoftFrac(i), truth[i]);
    if (source.difficulty) report->hard_by_difficulty[*source.difficulty].Add(labels.Hard(i), truth[i]);
    if (node.terminal) continue;
    ScoredOutcomes& value = report->value_by_depth[DepthBucket(node.depth)];
    value.scores.push_back(node.value);
    value.positive.push_back(labels.Hard(i));
    if (const std::optional<double> q = labels.QTarget(i)) {
      ScoredOutcomes& by_q = report->q_by_depth[DepthBucket(node.depth)];
      by_q.scores.push_back(*q);
      by_q.positive.push_back(labels.Hard(i));
    }
  }
  for (const StepPair& pair : SelectPairs(tree, labels, options.pairs)) {
    report->pairs.pairs += 1;
    report->pairs.chosen_good += truth[pair.chosen] ? 1 : 0;
    report->pairs.rejected_bad += truth[pair.rejected] ? 0 : 1;
    report->pairs.agree += truth[pair.chosen] && !truth[pair.rejected] ? 1 : 0;
  }
  const std::vector<TreePath> paths = AllPaths(tree);
  AddCorrectPaths(tree, paths, &report->share_pruned);
  AddCorrectPaths(tree, CapPaths(tree, paths, options.max_correct, 0), &report->share_exported);
}

void AuditTreeFile(const std::string& path, const AuditOptions& options, AuditReport* report) {
  report->input = "trees";
  TreeFileReader reader(path);
  SearchedTree source;
  while (reader.Next(&source)) AuditTree(source, options, report);
}

void AuditExport(const std::string& path, const std::string& format, const AuditOptions& options,
                 AuditReport* report) {
  report->input = format + " export";
  report->prm_soft.threshold = options.threshold;
  JsonlReader reader(path);
  nlohmann::json record;
  while (reader.Next(&record)) {
    const RecordContext where{reader.path(), reader.line_number()};
    if (!record.is_object()) throw InputError(where.file, where.line, "a " + format + " export record (a JSON object)");
    report->records += 1;
    report->audited += 1;
    if (format == "prm") {
      AuditPrmRecord(record, where, options, report);
    } else {
      AuditValueRecord(record, where, options, report);
    }
  }
  reader.RequireRecords();
}

nlohmann::json AuditReportToJson(const AuditReport& report, const AuditOptions& options) {
  const bool trees = report.input == "trees";
  nlohmann::json by_difficulty = nlohmann::json::object();
  for (const auto& [level, c] : report.hard_by_difficulty) {
    by_difficulty[std::to_string(level)] = {{"accuracy", FigureJson(c.Accuracy())}, {"n", c.n()}};
  }
  nlohmann::json shares;
  if (trees) {
    nlohmann::json exported = ShareJson(report.share_exported);
    exported["max_correct"] = options.max_correct == kNoPathLimit ? nlohmann::json("all") : nlohmann::json(options.max_correct);
    shares = {{"trees", ShareJson(report.share_trees)}, {"pruned", ShareJson(report.share_pruned)}, {"exported", exported}};
  } else {
    shares = {{"export", ShareJson(report.share_trees)}};
  }
  return {{"input", report.input},
          {"truth", TruthRuleName(options.truth)},
          {"records", report.records},
          {"audited", report.audited},
          {"not_synthetic", report.not_synthetic},
          {"without_valid_terminal", report.without_valid_terminal},
          {"steps", report.steps},
          {"truly_good_share", FigureJson(Ratio(report.truly_good_steps, report.steps))},
          {"prm_hard", AgreementJson(report.prm_hard)},
          {"prm_soft", AgreementJson(report.prm_soft)},
          {"prm_soft_frac", AgreementJson(report.prm_soft_frac)},
          {"prm_hard_by_difficulty", by_difficulty},
          {"pairs", trees ? nlohmann::json{{"n", report.pairs.pairs},
                                           {"chosen_good", report.pairs.chosen_good},
                                           {"rejected_bad", report.pairs.rejected_bad},
                                           {"agree", report.pairs.agree},
                                           {"agree_share", FigureJson(Ratio(report.pairs.agree, report.pairs.pairs))}}
                          : nlohmann::json(nullptr)},
          {"value_auc", trees ? FigureJson(PooledAuc(report.value_by_depth)) : nlohmann::json(nullptr)},
          {"value_auc_by_depth", trees ? AucByDepthJson(report.value_by_depth) : nlohmann::json(nullptr)},
          {"q_auc", FigureJson(PooledAuc(report.q_by_depth))},
          {"q_auc_by_depth", AucByDepthJson(report.q_by_depth)},
          {"correct_answer_wrong_step_share", FigureJson(Ratio(report.share_trees.with_wrong_step, report.share_trees.paths))},
          {"correct_answer_wrong_step", shares}};
}

std::string FormatAuditReport(const AuditReport& report, const AuditOptions& options) {
  std::ostringstream text;
  char line[200];
  text << "audit of " << report.input << ": " << report.audited << " of " << report.records << " records scored";
  if (report.input == "trees") {
    text << " (" << report.not_synthetic << " not synthetic, " << report.without_valid_terminal
         << " without a graded final answer)";
  }
  std::snprintf(line, sizeof line, "; %ld steps, %.1f%% truly good (truth: %s)\n", report.steps,
                100.0 * Ratio(report.truly_good_steps, report.steps), TruthRuleName(options.truth));
  text << line;
  text << "  labels          accuracy  precision  recall     auc       n\n";
  const auto row = [&](const char* name, const LabelAgreement& a) {
    if (!a.used) return;
    const Confusion& c = a.confusion;
    std::snprintf(line, sizeof line, "  %-14s  %8.3f  %9.3f  %6.3f  %6.3f  %6ld\n", name, c.Accuracy(), c.Precision(),
                  c.Recall(), a.soft ? AreaUnderRoc(a.scores, a.truth) : std::nan(""), c.n());
    text << line;
  };
  row("prm hard", report.prm_hard);
  row(report.input == "trees" ? "prm soft-q" : "prm soft", report.prm_soft);
  row("prm soft-frac", report.prm_soft_frac);
  const auto depth_row = [&](const char* name, const std::map<int, ScoredOutcomes>& by_depth) {
    if (by_depth.empty()) return;
    text << "  " << name << " AUC by depth:";
    for (const auto& [bucket, scored] : by_depth) {
      std::snprintf(line, sizeof line, " %s: %.3f", DepthName(bucket).c_str(), AreaUnderRoc(scored.scores, scored.positive));
      text << line;
    }
    text << "\n";
  };
  depth_row("value head", report.value_by_depth);
  depth_row("Q target", report.q_by_depth);
  const auto share_row = [&](const char* name, const PathShare& share) {
    std::snprintf(line, sizeof line, "  correct answer but a wrong step, %s: %ld of %ld paths (%.1f%%)\n", name,
                  share.with_wrong_step, share.paths, 100.0 * Ratio(share.with_wrong_step, share.paths));
    text << line;
  };
  if (report.input == "trees") {
    const PairAgreement& p = report.pairs;
    std::snprintf(line, sizeof line,
                  "  pairs (margin %.2f): %ld; chosen truly good %ld, rejected truly bad %ld, both %ld (%.1f%%)\n",
                  options.pairs.margin, p.pairs, p.chosen_good, p.rejected_bad, p.agree, 100.0 * Ratio(p.agree, p.pairs));
    text << line;
    share_row("in the trees", report.share_trees);
    share_row("after pruning", report.share_pruned);
    share_row("in an sft export", report.share_exported);
  } else {
    share_row("in the export", report.share_trees);
  }
  return text.str();
}

}  // namespace steptree

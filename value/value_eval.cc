// Value-head evaluation: AUC, calibration, ECE, MSE (value/value_eval.h).
#include "value/value_eval.h"

#include <map>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>


namespace steptree {
namespace {

constexpr int kCalibrationBins = 10;
// Depths from this one on are reported together ("8+": AlphaMath's MCTS depth limit).
constexpr int kDeepestDepthBucket = 8;

std::string DepthBucket(int depth) {
  return depth >= kDeepestDepthBucket ? std::to_string(kDeepestDepthBucket) + "+" : std::to_string(depth);
}

// p = (V + 1) / 2, clamped to [0, 1] (tanh keeps V inside; a hand-made V may not be).
double Probability(double value) { return std::clamp((value + 1.0) / 2.0, 0.0, 1.0); }

// NaN (an undefined figure) as JSON null.
nlohmann::json Figure(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

double AucOf(const std::vector<PrefixValue>& prefixes) {
  std::vector<double> scores;
  std::vector<bool> positive;
  for (const PrefixValue& p : prefixes) {
    scores.push_back(p.value);
    positive.push_back(p.path_correct);
  }
  return AreaUnderRoc(scores, positive);
}

}  // namespace

std::vector<PrefixValue> PathPrefixValues(const std::vector<double>& targets, const std::vector<float>& values) {
  std::vector<PrefixValue> prefixes;
  if (targets.empty()) return prefixes;
  const bool correct = targets.back() > 0;
  for (size_t k = 0; k < targets.size() && k < values.size(); ++k) {
    prefixes.push_back({static_cast<int>(k + 1), values[k], targets[k], correct});
  }
  return prefixes;
}

ValueReport ScorePrefixValues(const std::vector<PrefixValue>& prefixes, long n_paths) {
  ValueReport report;
  report.n_paths = n_paths;
  report.n_prefixes = static_cast<long>(prefixes.size());
  report.auc = AucOf(prefixes);

  double squared_error = 0;
  long positives = 0;
  std::vector<double> sum_predicted(kCalibrationBins, 0), sum_observed(kCalibrationBins, 0);
  std::vector<long> count(kCalibrationBins, 0);
  std::vector<std::vector<PrefixValue>> by_bucket(kDeepestDepthBucket + 1);
  for (const PrefixValue& p : prefixes) {
    squared_error += (p.value - p.target) * (p.value - p.target);
    positives += p.path_correct;
    const double probability = Probability(p.value);
    const int bin = std::min(kCalibrationBins - 1, static_cast<int>(probability * kCalibrationBins));
    sum_predicted[bin] += probability;
    sum_observed[bin] += p.path_correct;
    ++count[bin];
    by_bucket[std::min(p.depth, kDeepestDepthBucket)].push_back(p);
  }
  const double n = static_cast<double>(prefixes.size());
  if (!prefixes.empty()) {
    report.mse = squared_error / n;
    report.positive_share = positives / n;
    report.ece = 0;
  }
  for (int b = 0; b < kCalibrationBins; ++b) {
    CalibrationBin bin;
    bin.bin_low = static_cast<double>(b) / kCalibrationBins;
    bin.bin_high = static_cast<double>(b + 1) / kCalibrationBins;
    bin.count = count[b];
    if (count[b] > 0) {
      bin.mean_predicted = sum_predicted[b] / count[b];
      bin.observed = sum_observed[b] / count[b];
      report.ece += (count[b] / n) * std::abs(bin.mean_predicted - bin.observed);
    }
    report.calibration.push_back(bin);
  }
  for (int depth = 1; depth <= kDeepestDepthBucket; ++depth) {
    if (by_bucket[depth].empty()) continue;
    report.by_depth.push_back(
        {DepthBucket(depth), static_cast<long>(by_bucket[depth].size()), AucOf(by_bucket[depth])});
  }
  return report;
}

double WithinQuestionAuc(const std::vector<std::string>& questions, const std::vector<double>& final_values,
                         const std::vector<bool>& correct, long* mixed_questions) {
  std::map<std::string, std::pair<std::vector<double>, std::vector<bool>>> by_question;
  for (size_t i = 0; i < questions.size(); ++i) {
    auto& [values, outcomes] = by_question[questions[i]];
    values.push_back(final_values[i]);
    outcomes.push_back(correct[i]);
  }
  double sum = 0;
  long mixed = 0;
  for (const auto& [question, paths] : by_question) {
    const double auc = AreaUnderRoc(paths.first, paths.second);
    if (std::isnan(auc)) continue;
    sum += auc;
    ++mixed;
  }
  if (mixed_questions != nullptr) *mixed_questions = mixed;
  return mixed > 0 ? sum / mixed : std::nan("");
}

double DepthMatchedAuc(const std::vector<ScoredPath>& paths, long* pairs) {
  // (question, depth) -> distinct state (its steps joined) -> (V, reaches a right answer).
  std::map<std::pair<std::string, size_t>, std::map<std::string, std::pair<double, bool>>> groups;
  for (const ScoredPath& path : paths) {
    std::string state;
    const size_t depths = std::min(path.steps->size(), path.values->size());
    for (size_t k = 0; k < depths; ++k) {
      // Steps joined with a separator no step holds (steps are text without NUL).
      state += (*path.steps)[k];
      state.push_back('\0');
      auto [it, fresh] = groups[{*path.question, k + 1}].try_emplace(state, (*path.values)[k], path.correct);
      if (!fresh) it->second.second = it->second.second || path.correct;
    }
  }
  double ordered = 0;
  long total_pairs = 0;
  for (const auto& [group, states] : groups) {
    std::vector<double> values;
    std::vector<bool> right;
    long positives = 0;
    for (const auto& [state, scored] : states) {
      values.push_back(scored.first);
      right.push_back(scored.second);
      positives += scored.second;
    }
    const long negatives = static_cast<long>(states.size()) - positives;
    if (positives == 0 || negatives == 0) continue;
    ordered += AreaUnderRoc(values, right) * static_cast<double>(positives * negatives);
    total_pairs += positives * negatives;
  }
  if (pairs != nullptr) *pairs = total_pairs;
  return total_pairs > 0 ? ordered / static_cast<double>(total_pairs) : std::nan("");
}

nlohmann::json ValueReportToJson(const ValueReport& report) {
  nlohmann::json auc_by_depth = nlohmann::json::object(), prefixes_by_depth = nlohmann::json::object();
  for (const DepthFigures& d : report.by_depth) {
    auc_by_depth[d.depth] = Figure(d.auc);
    prefixes_by_depth[d.depth] = d.prefixes;
  }
  nlohmann::json calibration = nlohmann::json::array();
  for (const CalibrationBin& bin : report.calibration) {
    calibration.push_back({{"bin_low", bin.bin_low},
                           {"bin_high", bin.bin_high},
                           {"mean_predicted", Figure(bin.mean_predicted)},
                           {"observed", Figure(bin.observed)},
                           {"count", bin.count}});
  }
  return {{"n_paths", report.n_paths},
          {"n_skipped_paths", report.n_skipped_paths},
          {"n_prefixes", report.n_prefixes},
          {"positive_share", Figure(report.positive_share)},
          {"auc", Figure(report.auc)},
          {"auc_within_question", Figure(report.auc_within_question)},
          {"questions_with_both", report.questions_with_both},
          {"auc_depth_matched", Figure(report.auc_depth_matched)},
          {"depth_matched_pairs", report.depth_matched_pairs},
          {"auc_by_depth", auc_by_depth},
          {"prefixes_by_depth", prefixes_by_depth},
          {"ece", Figure(report.ece)},
          {"mse", Figure(report.mse)},
          {"calibration", calibration}};
}

std::string FormatValueReport(const ValueReport& report) {
  auto figure = [](double x) {
    char text[32];
    if (std::isnan(x)) return std::string("-");
    std::snprintf(text, sizeof text, "%.3f", x);
    return std::string(text);
  };
  char line[160];
  std::string out;
  std::snprintf(line, sizeof line, "%ld paths, %ld prefixes (%s on correct paths)", report.n_paths,
                report.n_prefixes, figure(report.positive_share).c_str());
  out += line;
  if (report.n_skipped_paths > 0) out += "; " + std::to_string(report.n_skipped_paths) + " paths over the context skipped";
  out += "\n";
  std::snprintf(line, sizeof line, "AUC %s   ECE %s   MSE %s\n", figure(report.auc).c_str(),
                figure(report.ece).c_str(), figure(report.mse).c_str());
  out += line;
  std::snprintf(line, sizeof line, "AUC within question %s (%ld questions with right and wrong paths)\n",
                figure(report.auc_within_question).c_str(), report.questions_with_both);
  out += line;
  std::snprintf(line, sizeof line, "AUC depth-matched %s (%ld same-question, same-depth pairs of states)\n\n",
                figure(report.auc_depth_matched).c_str(), report.depth_matched_pairs);
  out += line;
  out += "depth  prefixes  AUC\n";
  for (const DepthFigures& d : report.by_depth) {
    std::snprintf(line, sizeof line, "%-5s  %8ld  %s\n", d.depth.c_str(), d.prefixes, figure(d.auc).c_str());
    out += line;
  }
  out += "\ncalibration, p = (V + 1) / 2\n";
  out += "bin        predicted  observed  count\n";
  for (const CalibrationBin& bin : report.calibration) {
    std::snprintf(line, sizeof line, "%.1f-%.1f    %9s  %8s  %5ld\n", bin.bin_low, bin.bin_high,
                  figure(bin.mean_predicted).c_str(), figure(bin.observed).c_str(), bin.count);
    out += line;
  }
  return out;
}

}  // namespace steptree

// The files a sweep leaves in its run directory, all rendered from results.json so that
// `steptree report DIR` re-renders them without searching:
//   results.json  {"format": "steptree-sweep", "version": 1, "config": <resolved config>, "model",
//                  "runs": [{"name", "config", "seconds_per_problem", "searched"}],
//                  "points": [PointToJson, ...]}
//   results.csv   one row per point: mode, budget, label, curve, source, run, n, graded,
//                 accuracy, ci_low, ci_high, tokens_per_problem, forward_calls_per_problem,
//                 nodes_per_problem, seconds_per_problem
//   plot.svg      accuracy against tokens per problem (sweep/svg_plot.h)
//   report.md     a table of the points and the plot
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/sweep_points.h"

namespace steptree {

inline constexpr const char* kSweepResultsFormat = "steptree-sweep";
inline constexpr int kSweepResultsVersion = 1;

std::string RenderResultsCsv(const std::vector<SweepPoint>& points);
std::string RenderReportMarkdown(const std::vector<SweepPoint>& points, const nlohmann::ordered_json& config);

// Reads results.json of `run_dir` (InputError naming it when missing or malformed) and
// writes results.csv, plot.svg and report.md beside it. Returns the points.
std::vector<SweepPoint> RenderSweepReport(const std::string& run_dir);


}  // namespace steptree

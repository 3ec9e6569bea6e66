#include "sweep/sweep_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json_file.h"
#include "core/input_error.h"
#include "sweep/svg_plot.h"

namespace steptree {
namespace {

std::string Fixed(double v, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string Describe(const nlohmann::ordered_json& config) {
  if (config.contains("data")) return config["data"].get<std::string>();
  return std::to_string(config.value("synthetic", 0L)) + " held-out synthetic problems (problem seed " +
         std::to_string(config.value("problem_seed", 0UL)) + ")";
}

}  // namespace

std::string RenderResultsCsv(const std::vector<SweepPoint>& points) {
  std::ostringstream csv;
  csv << "mode,budget,label,curve,source,run,n,graded,accuracy,ci_low,ci_high,tokens_per_problem,"
         "forward_calls_per_problem,nodes_per_problem,seconds_per_problem\n";
  for (const SweepPoint& p : points) {
    const nlohmann::ordered_json j = PointToJson(p);
    csv << p.spec.mode << "," << p.spec.budget << "," << CsvField(p.spec.label) << "," << CsvField(p.spec.curve) << ","
        << j["source"].get<std::string>() << "," << CsvField(p.run) << "," << p.n << "," << p.graded << ","
        << (p.accuracy ? Fixed(*p.accuracy, 4) : "") << "," << Fixed(p.ci_low, 4) << "," << Fixed(p.ci_high, 4) << ","
        << Fixed(p.tokens_per_problem, 1) << "," << Fixed(p.forward_calls_per_problem, 1) << ","
        << Fixed(p.nodes_per_problem, 1) << "," << (p.seconds_per_problem ? Fixed(*p.seconds_per_problem, 4) : "")
        << "\n";
  }
  return csv.str();
}

std::string RenderReportMarkdown(const std::vector<SweepPoint>& points, const nlohmann::ordered_json& config) {
  std::ostringstream md;
  md << "# Search budget sweep\n\n"
     << "Problems: " << Describe(config) << ". Model: "
     << (config.value("model", std::string()).empty() ? std::string("the embedded default") : config["model"].get<std::string>())
     << ". Search seed " << config.value("seed", 0UL) << ", final answers scored by "
     << (config.value("terminal_reward", std::string("value")) == "gold" ? "the gold answer (data generation)"
                                                                           : "the value head (inference)")
     << ".\n\n"
     << "| method | accuracy | 95% CI | tokens / problem | model calls / problem | s / problem | measured by |\n"
     << "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const SweepPoint& p : points) {
    const std::string source = p.spec.source == SweepPointSpec::Source::kRun      ? "its own run"
                               : p.spec.source == SweepPointSpec::Source::kSubset ? "subsets of " + p.run
                                                                                  : "checkpoint of " + p.run;
    md << "| " << p.spec.label << " | " << (p.accuracy ? Fixed(100 * *p.accuracy, 1) + "%" : "n/a") << " | "
       << Fixed(100 * p.ci_low, 1) << " to " << Fixed(100 * p.ci_high, 1) << " | " << Fixed(p.tokens_per_problem, 0)
       << " | " << Fixed(p.forward_calls_per_problem, 1) << " | "
       << (p.seconds_per_problem ? Fixed(*p.seconds_per_problem, 3) : "n/a") << " | " << source << " |\n";
  }
  md << "\n![accuracy against tokens per problem](plot.svg)\n\n"
     << "Accuracy counts problems with a gold answer; the interval is a 95% percentile bootstrap over problems. "
        "Reused points (subsets, checkpoints) estimate seconds from their share of the run's tokens.\n";
  return md.str();
}

std::vector<SweepPoint> RenderSweepReport(const std::string& run_dir) {
  const std::string path = (std::filesystem::path(run_dir) / "results.json").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "a sweep results file (run `steptree sweep` into this directory first)");
  nlohmann::ordered_json results;
  std::vector<SweepPoint> points;
  try {
    results = nlohmann::ordered_json::parse(in);
    if (results.value("format", "") != kSweepResultsFormat) throw std::runtime_error("format");
    for (const auto& point : results.at("points")) points.push_back(PointFromJson(nlohmann::json(point)));
  } catch (const std::exception&) {
    throw InputError(path, 0, std::string("a \"") + kSweepResultsFormat + "\" results object with \"points\"");
  }
  const std::filesystem::path dir(run_dir);
  const nlohmann::ordered_json config = results.value("config", nlohmann::ordered_json::object());
  WriteFileAtomically((dir / "results.csv").string(), RenderResultsCsv(points));
  WriteFileAtomically((dir / "plot.svg").string(),
                      RenderSweepSvg(points, "Accuracy against search budget: " + Describe(config)));
  WriteFileAtomically((dir / "report.md").string(), RenderReportMarkdown(points, config));
  return points;
}

}  // namespace steptree

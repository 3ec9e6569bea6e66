// steptree audit: label quality measured against true step correctness on synthetic
// problems, for trees (search --output) or exports (export --format prm|value); the measures
// are defined in export/audit.h.
#include <cmath>
#include <iostream>
#include <string>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "core/input_error.h"
#include "export/audit.h"
#include "export/paths.h"

namespace steptree::app {
namespace {

int RunAudit(int argc, char** argv) {
  cxxopts::Options options(
      "steptree audit",
      "Measures label quality on synthetic problems, where every step is a calculation the tool can\n"
      "check (CheckCalculation) and the final answer is graded: a step is truly good when it and every\n"
      "step before it check out (--truth prefix) or when it does alone (--truth step).\n"
      "On trees: accuracy, precision and recall of hard (Math-Shepherd) and soft ((Q+1)/2, share of\n"
      "correct terminals below) PRM labels; the value head's AUC for eventual correctness by depth; the\n"
      "share of paths with a correct answer but a wrong step, in the trees and in an sft export.\n"
      "On exports (--export F --format prm|value): the same for the labels the file carries.\n"
      "--json prints {\"prm_hard\": {\"accuracy\", \"precision\", \"recall\", ...}, \"prm_soft\": {...},\n"
      "\"prm_soft_frac\", \"value_auc_by_depth\": {\"1\": x, ...}, \"q_auc_by_depth\",\n"
      "\"correct_answer_wrong_step_share\", ...} (docs/formats.md).");
  // clang-format off
  options.add_options()
      ("trees", "trees JSONL from search --output", cxxopts::value<std::string>())
      ("export", "an export file instead of trees (with --format)", cxxopts::value<std::string>())
      ("format", "the export's format: prm | value", cxxopts::value<std::string>())
      ("truth", "prefix (the step and all before it are right) | step (the step alone)", cxxopts::value<std::string>()->default_value("prefix"))
      ("min-visits", "trees: Q targets need this many visits (as export --min-visits)", cxxopts::value<int>()->default_value("1"))
      ("threshold", "soft labels count as good when >= this", cxxopts::value<double>()->default_value("0.5"))
      ("margin", "trees: the pairs export's --margin, for the pairs' figures", cxxopts::value<double>()->default_value("0.5"))
      ("pairs-per-step", "trees: the pairs export's --pairs-per-step", cxxopts::value<int>()->default_value("2"))
      ("max-correct", "trees: the sft export's cap of correct paths per question, an integer or \"all\"", cxxopts::value<std::string>()->default_value("4"))
      ("json", "print the report as one JSON object")
      ("h,help", "show this help");
  // clang-format on
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  const bool trees = args.count("trees") > 0, exported = args.count("export") > 0;
  if (trees == exported) throw UsageError("give either --trees F.jsonl or --export F.jsonl --format prm|value");
  std::string format;
  if (exported) {
    if (!args.count("format")) throw UsageError("--export needs --format prm|value");
    format = args["format"].as<std::string>();
    if (format != "prm" && format != "value") throw UsageError("--format must be prm or value, got \"" + format + "\"");
  } else if (args.count("format")) {
    throw UsageError("--format applies to --export only");
  }

  AuditOptions audit;
  const std::string truth = args["truth"].as<std::string>();
  if (truth != "prefix" && truth != "step") throw UsageError("--truth must be prefix or step, got \"" + truth + "\"");
  audit.truth = truth == "prefix" ? TruthRule::kPrefix : TruthRule::kStep;
  audit.min_visits = args["min-visits"].as<int>();
  if (audit.min_visits < 0) throw UsageError("--min-visits must be >= 0");
  audit.threshold = args["threshold"].as<double>();
  if (!std::isfinite(audit.threshold) || audit.threshold < 0 || audit.threshold > 1) {
    throw UsageError("--threshold must be in [0, 1]");
  }
  audit.pairs.margin = args["margin"].as<double>();
  if (!std::isfinite(audit.pairs.margin) || audit.pairs.margin < 0) throw UsageError("--margin must be >= 0");
  audit.pairs.per_step = args["pairs-per-step"].as<int>();
  if (audit.pairs.per_step < 1) throw UsageError("--pairs-per-step must be >= 1");
  const std::string cap = args["max-correct"].as<std::string>();
  const std::optional<long> max_correct = ParsePathLimit(cap);
  if (!max_correct) throw UsageError("--max-correct must be an integer >= 0 or \"all\", got \"" + cap + "\"");
  audit.max_correct = *max_correct;

  AuditReport report;
  if (trees) {
    AuditTreeFile(args["trees"].as<std::string>(), audit, &report);
  } else {
    AuditExport(args["export"].as<std::string>(), format, audit, &report);
  }
  if (report.steps == 0) {
    // Nothing to measure (GSM8K or MATH trees have no exact step truth): no table of nan%.
    const std::string file = trees ? args["trees"].as<std::string>() : args["export"].as<std::string>();
    throw InputError(file, 0, "records of synthetic problems (arithmetic or countdown, whose steps have exact truth) "
                              "with labelled steps; none of its " + std::to_string(report.records) + " records has one");
  }
  if (args.count("json")) {
    std::cout << AuditReportToJson(report, audit).dump() << std::endl;
  } else {
    std::cout << FormatAuditReport(report, audit);
  }
  return 0;
}

CommandRegistrar audit_registrar({"audit", "measure label quality against true step correctness (synthetic problems)", RunAudit});

}  // namespace
}  // namespace steptree::app

// steptree export: scored trees (search --output) -> training data: sft, value, prm or pairs
// JSONL, after pruning (export/exporter.h; formats in docs/formats.md, "Export formats").
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "app/command.h"
#include "app/command_flags.h"
#include "core/input_error.h"
#include "core/output_path.h"
#include "export/exporter.h"

namespace steptree::app {
namespace {

// "all" or an integer >= 0.
long ParsePathCap(const std::string& flag, const std::string& text) {
  const std::optional<long> limit = ParsePathLimit(text);
  if (!limit) throw UsageError("--" + flag + " must be an integer >= 0 or \"all\", got \"" + text + "\"");
  return *limit;
}

StepLabelRule ParseLabelRule(const std::string& text) {
  for (StepLabelRule rule : {StepLabelRule::kHard, StepLabelRule::kSoftQ, StepLabelRule::kSoftFrac}) {
    if (text == StepLabelRuleName(rule)) return rule;
  }
  throw UsageError("--labels must be hard, soft-q or soft-frac, got \"" + text + "\"");
}

ExportOptions ReadOptions(const cxxopts::ParseResult& args) {
  ExportOptions options;
  const std::string format = args["format"].as<std::string>();
  const std::optional<ExportFormat> parsed = ParseExportFormat(format);
  if (!parsed) throw UsageError("--format must be sft, value, prm or pairs, got \"" + format + "\"");
  options.format = *parsed;
  options.min_visits = args["min-visits"].as<int>();
  if (options.min_visits < 0) throw UsageError("--min-visits must be >= 0");
  options.max_correct = ParsePathCap("max-correct", args["max-correct"].as<std::string>());
  options.max_incorrect = ParsePathCap("max-incorrect", args["max-incorrect"].as<std::string>());
  const std::string style = args["sft-style"].as<std::string>();
  if (style != "chat" && style != "completion") throw UsageError("--sft-style must be chat or completion, got \"" + style + "\"");
  options.sft_style = style == "chat" ? SftStyle::kChat : SftStyle::kCompletion;
  options.labels = ParseLabelRule(args["labels"].as<std::string>());
  if (args.count("threshold")) {
    const double threshold = args["threshold"].as<double>();
    if (!std::isfinite(threshold) || threshold < 0 || threshold > 1) throw UsageError("--threshold must be in [0, 1]");
    options.threshold = threshold;
  }
  options.pairs.margin = args["margin"].as<double>();
  if (!std::isfinite(options.pairs.margin) || options.pairs.margin < 0) throw UsageError("--margin must be >= 0");
  options.pairs.per_step = args["pairs-per-step"].as<int>();
  if (options.pairs.per_step < 1) throw UsageError("--pairs-per-step must be >= 1");
  options.only_right_steps = args.count("only-right-steps") > 0;
  if (options.only_right_steps && options.format == ExportFormat::kPairs) {
    throw UsageError("--only-right-steps applies to the path formats (sft, value, prm), not to pairs");
  }
  // Flags that the chosen format would silently ignore are usage errors.
  const auto only_for = [&](const char* flag, ExportFormat owner) {
    if (args.count(flag) && options.format != owner) {
      throw UsageError(std::string("--") + flag + " applies to --format " + ExportFormatName(owner) + " only");
    }
  };
  only_for("sft-style", ExportFormat::kSft);
  only_for("labels", ExportFormat::kPrm);
  only_for("threshold", ExportFormat::kPrm);
  only_for("margin", ExportFormat::kPairs);
  only_for("pairs-per-step", ExportFormat::kPairs);
  if (args.count("max-incorrect") && (options.format == ExportFormat::kSft || options.format == ExportFormat::kPairs)) {
    throw UsageError("--max-incorrect applies to --format value and prm only (sft keeps correct paths only)");
  }
  if (args.count("max-correct") && options.format == ExportFormat::kPairs) {
    throw UsageError("--max-correct applies to the path formats (sft, value, prm), not to pairs");
  }
  return options;
}

int RunExport(int argc, char** argv) {
  cxxopts::Options options(
      "steptree export",
      "Turns scored trees (search --output) into training data, after pruning: subtrees without a\n"
      "graded final answer are dropped, identical sibling steps merged, and Q targets given only to\n"
      "nodes with at least --min-visits visits.\n"
      "  sft    correct root-to-leaf paths (chat messages or prompt/completion; `train --sft` reads both)\n"
      "  value  paths as [{\"step\", \"Q\"}], last Q +1/-1 (`train --values` and `eval-value --data` read it)\n"
      "  prm    {\"prompt\", \"completions\", \"labels\"} (TRL stepwise supervision): hard (Math-Shepherd),\n"
      "         soft-q ((Q+1)/2) or soft-frac (share of correct terminals below) labels\n"
      "  pairs  step-level preference pairs {\"prompt\", \"chosen\", \"rejected\"}: sibling steps, the\n"
      "         chosen one leading to a correct answer, Q at least --margin above the rejected one\n"
      "The output is written to a temporary file and renamed into place at the end (-o - writes the\n"
      "records to standard output and the summary to standard error), and the resolved config to\n"
      "OUTPUT.config.json (--config of it makes the same file). Record ids are unique: a\n"
      "problem met again (the same trees twice, an SBS and an MCTS file) exports as \"<id>#2\", ...\n"
      "--json prints {\"format\", \"out\", \"trees\", \"questions\", \"without_valid_terminal\", \"records\",\n"
      "\"repeated_problems\", \"paths\", \"correct_paths\", \"incorrect_paths\", \"steps\", \"labels\", \"mean_q_gap\", \"by_difficulty\",\n"
      "\"without_difficulty\", \"pruning\", \"options\"} (docs/formats.md).");
  // clang-format off
  options.add_options()
      ("trees", "trees JSONL from search --output (repeat the flag for several files)", cxxopts::value<std::vector<std::string>>())
      ("format", "sft | value | prm | pairs", cxxopts::value<std::string>())
      ("o,output", "output JSONL (- for standard output)", cxxopts::value<std::string>())
      ("min-visits", "nodes with fewer visits get no Q target (value and soft-q fall back to the node's value; pairs skip them)", cxxopts::value<int>()->default_value("1"))
      ("max-correct", "correct paths kept per question (sft, value, prm): an integer or \"all\"", cxxopts::value<std::string>()->default_value("4"))
      ("max-incorrect", "incorrect paths kept per question (value, prm): an integer or \"all\"", cxxopts::value<std::string>()->default_value("4"))
      ("sft-style", "sft: chat (\"messages\") or completion (\"prompt\", \"completion\")", cxxopts::value<std::string>()->default_value("chat"))
      ("labels", "prm: hard | soft-q | soft-frac", cxxopts::value<std::string>()->default_value("hard"))
      ("threshold", "prm: write soft labels as true/false, true when the label >= this", cxxopts::value<double>())
      ("margin", "pairs: least Q(chosen) - Q(rejected)", cxxopts::value<double>()->default_value("0.5"))
      ("pairs-per-step", "pairs: the best K good siblings x the worst K bad ones at each step", cxxopts::value<int>()->default_value("2"))
      ("only-right-steps", "sft, value, prm: drop correct paths with a wrong step before the answer (synthetic "
       "problems: their steps have exact truth)")
      ("json", "print the summary as one JSON object")
      ("h,help", "show this help");
  // clang-format on
  const std::optional<CommandFlags> parsed = ParseCommandFlags(options, argc, argv, {{{"out", "output"}}});
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = parsed->args;
  if (!args.count("trees")) throw UsageError("--trees F.jsonl is required (the output of search --output)");
  if (!args.count("format")) throw UsageError("--format sft|value|prm|pairs is required");
  if (!args.count("output")) throw UsageError("-o/--output OUT.jsonl is required");
  const ExportOptions export_options = ReadOptions(args);
  const std::string out = args["output"].as<std::string>();
  const std::vector<std::string> files = args["trees"].as<std::vector<std::string>>();
  for (const std::string& file : files) {
    if (file == out) throw UsageError("-o must not be one of the --trees files");
  }
  CheckOutputFile(out, "-o", /*stdout_allowed=*/true);
  const ExportSummary summary = ExportTrees(files, export_options, out);
  parsed->WriteConfigBesideFile(out);
  // With -o - the records own standard output; the summary goes to standard error.
  std::ostream& report = IsStdoutPath(out) ? std::cerr : std::cout;
  if (args.count("json")) {
    report << ExportSummaryToJson(summary, export_options, out).dump() << std::endl;
  } else {
    report << FormatExportSummary(summary, export_options, out);
  }
  return 0;
}

CommandRegistrar export_registrar({"export", "turn scored trees into training data: sft, value, prm or pairs JSONL", RunExport});

}  // namespace
}  // namespace steptree::app

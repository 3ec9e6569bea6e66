// steptree grade: the grader on the command line — extract a final answer, normalise it,
// compare it with a gold answer; one pair from flags or a whole JSONL file.
#include <iostream>
#include <optional>
#include <string>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "datasets/answer.h"
#include "core/atomic_output.h"
#include "core/input_error.h"
#include "core/jsonl.h"

namespace steptree::app {
namespace {

// A whole solution gives its stated answer (the free-text tiers of ExtractAnswerFromText);
// a bare answer is the answer.
std::string AnswerOf(const std::string& text) {
  std::optional<std::string> extracted = ExtractAnswerFromText(text);
  return extracted ? *extracted : text;
}

std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int GradePair(const std::string& pred, const std::string& gold, bool json) {
  const std::string p = AnswerOf(pred), g = AnswerOf(gold);
  const bool equal = AnswersEqual(p, g);
  if (json) {
    std::cout << Dump({{"equal", equal}, {"pred", p}, {"gold", g}}) << std::endl;
  } else {
    std::cout << (equal ? "true" : "false") << std::endl;
  }
  return 0;
}

int GradeFile(const std::string& input, const std::optional<std::string>& output, bool json) {
  // The output appears whole once every line graded: a bad line leaves an existing file as it was.
  std::optional<AtomicOutputFile> writer;
  if (output) writer.emplace(*output, "-o");
  JsonlReader reader(input);
  long n = 0, equal_count = 0;
  nlohmann::json record;
  while (reader.Next(&record)) {
    const RecordContext where{reader.path(), reader.line_number()};
    const std::optional<std::string> gold = OptionalStringOrNumber(record, "gold", where);
    if (!gold) throw InputError(where.file, where.line, "field \"gold\" (a string or number)");
    const std::optional<std::string> pred = OptionalString(record, "pred", where);
    const std::optional<std::string> text = pred ? std::nullopt : OptionalString(record, "text", where);
    if (!pred && !text) {
      throw InputError(where.file, where.line, "field \"pred\" or \"text\" (a string)");
    }
    // "pred" may be a bare answer; "text" is a solution and must state its answer.
    const std::string extracted =
        pred ? AnswerOf(*pred) : ExtractAnswerFromText(*text).value_or("");
    const bool equal = AnswersEqual(extracted, AnswerOf(*gold));
    record["extracted"] = extracted;
    record["equal"] = equal;
    if (writer) {
      writer->WriteLine(Dump(record));
    } else {
      std::cout << Dump(record) << std::endl;
    }
    ++n;
    equal_count += equal;
  }
  reader.RequireRecords();
  if (writer) writer->Commit();
  const double accuracy = static_cast<double>(equal_count) / static_cast<double>(n);
  if (json) {
    const std::string summary =
        Dump({{"n", n}, {"equal", equal_count}, {"accuracy", accuracy}});
    (output && *output != "-" ? std::cout : std::cerr) << summary << std::endl;
  } else {
    std::cerr << "graded " << n << ", equal " << equal_count << std::endl;
  }
  return 0;
}

int RunGrade(int argc, char** argv) {
  cxxopts::Options options(
      "steptree grade",
      "Checks answers: extracts the final answer of a solution (last \\boxed{}, \"The answer\n"
      "is\", \"####\", \"Final Answer:\", \"Answer:\"; else the last $..$ math span; else the\n"
      "last number of prose), normalises it and compares it with a gold answer\n"
      "(exactly, numerically to 1e-6, or as expressions at random points). Never executes\n"
      "code. Three modes:\n"
      "  --pred P --gold G   prints true or false (P and G are answers or whole solutions)\n"
      "  --extract TEXT      prints the extracted answer (an empty line when there is none)\n"
      "  --input F.jsonl     grades lines {\"pred\" or \"text\", \"gold\"} and writes each line\n"
      "                      back with \"extracted\" and \"equal\" added, to -o or stdout,\n"
      "                      flushed per line; the summary \"graded N, equal K\" goes to\n"
      "                      stderr. With --json the summary is {\"n\", \"equal\", \"accuracy\"}:\n"
      "                      on stdout when -o is given, on stderr otherwise (stdout then\n"
      "                      holds only the JSONL).\n"
      "Exit codes: 0 done, 2 bad usage or input (FILE:LINE: expected ...), 1 internal error.");
  options.add_options()
      ("pred", "predicted answer or solution", cxxopts::value<std::string>())
      ("gold", "gold answer or solution", cxxopts::value<std::string>())
      ("extract", "print the final answer stated in this text", cxxopts::value<std::string>())
      ("input", "JSONL file to grade", cxxopts::value<std::string>())
      ("o,output", "output JSONL file for --input (default: stdout)", cxxopts::value<std::string>())
      ("json", "print JSON: {\"equal\", \"pred\", \"gold\"}, {\"extracted\"} or the summary")
      ("h,help", "show this help");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(options, argc, argv);
  if (!parsed) return 0;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.unmatched().empty()) throw UsageError("unexpected argument '" + args.unmatched()[0] + "'");
  const bool json = args.count("json") > 0;
  const int modes = (args.count("pred") || args.count("gold") ? 1 : 0) +
                    (args.count("extract") ? 1 : 0) + (args.count("input") ? 1 : 0);
  if (modes != 1) throw UsageError("give exactly one of --pred/--gold, --extract, --input");
  if (args.count("output") && !args.count("input")) throw UsageError("-o/--output needs --input");

  if (args.count("extract")) {
    const std::optional<std::string> answer =
        ExtractAnswerFromText(args["extract"].as<std::string>());
    if (json) {
      std::cout << Dump({{"extracted", answer ? nlohmann::json(*answer) : nlohmann::json()}})
                << std::endl;
    } else {
      std::cout << answer.value_or("") << std::endl;
    }
    return 0;
  }
  if (args.count("input")) {
    std::optional<std::string> output;
    if (args.count("output")) output = args["output"].as<std::string>();
    return GradeFile(args["input"].as<std::string>(), output, json);
  }
  if (!args.count("pred") || !args.count("gold")) throw UsageError("--pred and --gold go together");
  return GradePair(args["pred"].as<std::string>(), args["gold"].as<std::string>(), json);
}

CommandRegistrar grade_registrar({"grade", "check answers: extract, normalise, compare", RunGrade});

}  // namespace
}  // namespace steptree::app

// Data-set flags shared by the commands that read problems.
#include "app/data_flags.h"

#include <algorithm>
#include <string>

#include "core/input_error.h"

namespace steptree::app {

void AddDataFlags(cxxopts::Options& options) {
  // clang-format off
  options.add_options("data set")
    ("format", "data set format: auto, steptree, gsm8k, math or generic (auto detects it "
               "from the first record)", cxxopts::value<std::string>()->default_value("auto"))
    ("question-field", "generic records: the field holding the question (implies --format "
                       "generic)", cxxopts::value<std::string>())
    ("answer-field", "generic records: the field holding the gold answer or a solution "
                     "stating it (optional)", cxxopts::value<std::string>())
    ("limit", "read only the first N problems (0: all)",
     cxxopts::value<long>()->default_value("0"), "N");
  // clang-format on
}

LoaderOptions DataFlagsFrom(const cxxopts::ParseResult& result) {
  LoaderOptions options;
  options.format = result["format"].as<std::string>();
  const auto& known = KnownFormats();
  if (std::find(known.begin(), known.end(), options.format) == known.end()) {
    throw UsageError("--format must be auto, steptree, gsm8k, math or generic, not '" +
                     options.format + "'");
  }
  if (result.count("question-field")) {
    options.question_field = result["question-field"].as<std::string>();
    if (options.question_field.empty()) throw UsageError("--question-field must not be empty");
  }
  if (result.count("answer-field")) {
    options.answer_field = result["answer-field"].as<std::string>();
    if (options.answer_field.empty()) throw UsageError("--answer-field must not be empty");
  }
  const long limit = result["limit"].as<long>();
  if (limit < 0) throw UsageError("--limit must be 0 (all) or a positive count");
  options.limit = static_cast<size_t>(limit);
  return options;
}

LoadedDataset LoadReferenceSolutions(const std::string& path, const LoaderOptions& options) {
  LoadedDataset data = LoadProblems(path, options);
  std::vector<Problem> with_steps;
  for (Problem& p : data.problems) {
    if (!p.reference_steps.empty()) with_steps.push_back(std::move(p));
  }
  if (with_steps.empty()) throw InputError(path, 0, "problems with reference solutions");
  data.problems = std::move(with_steps);
  return data;
}

}  // namespace steptree::app

// Problem sets in: JSONL loaders for our native format, GSM8K, MATH and generic records.
//
// Formats (one JSON object per line; see docs for the fields):
//   steptree  {"id", "question", "answer" (gold), "steps": [..], "difficulty", "source"}
//   gsm8k     {"question", "answer": worked solution with <<a*b=c>> and a final "#### N"}
//   math      {"problem"|"question", "solution"|"answer" holding \boxed{..}, "level", ...}
//   generic   any object: --question-field Q [--answer-field A]
// "auto" detects the format from the first record (DetectFormat). Every violation of the
// format throws InputError(file, line, what was expected); nothing in user data may crash.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jsonl.h"
#include "datasets/problem.h"

namespace steptree {

struct LoaderOptions {
  std::string format = "auto";  // auto | steptree | gsm8k | math | generic
  std::string question_field;   // generic: the question's field (given under auto: generic)
  std::string answer_field;     // generic: the answer's field (optional)
  size_t limit = 0;             // read only the first `limit` problems; 0 reads all
};

struct LoadedDataset {
  std::string path;
  std::string format;     // the format used, never "auto"
  bool detected = false;  // true when `format` was detected rather than named
  std::vector<Problem> problems;
};

// "auto", "steptree", "gsm8k", "math", "generic".
const std::vector<std::string>& KnownFormats();

// The format the first record of a file suggests: "steptree", "gsm8k" or "math".
// Throws InputError(where) when the record is not an object or matches no format.
std::string DetectFormat(const nlohmann::json& record, const RecordContext& where);

// Reads every problem of a JSONL file. Throws UsageError on inconsistent options (unknown
// format, a generic format without a question field) and InputError on bad input: an
// unreadable or empty file, a line that is not one JSON object, missing or mistyped fields,
// duplicate ids.
LoadedDataset LoadProblems(const std::string& path, const LoaderOptions& options = {});

}  // namespace steptree

// One JSONL record -> one Problem, per input format; used by the loaders (loaders.h).
//
// Each parser checks the record's fields and throws InputError(where) naming the field and
// what was expected. Problem::id is the record's "id" (or "unique_id") when present, else
// "<source>-<line>"; Problem::record is the record as read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jsonl.h"
#include "datasets/problem.h"

namespace steptree {

Problem ParseSteptreeRecord(const nlohmann::json& record, const RecordContext& where);
Problem ParseGsm8kRecord(const nlohmann::json& record, const RecordContext& where);
Problem ParseMathRecord(const nlohmann::json& record, const RecordContext& where);
// `answer_field` may be empty (no gold answers).
Problem ParseGenericRecord(const nlohmann::json& record, const RecordContext& where,
                           const std::string& question_field, const std::string& answer_field);

// True when `record` has `field` and it is not null (the parsers and the format detection
// of the loaders treat null as absent).
bool HasField(const nlohmann::json& record, const char* field);

// Text helpers, exposed for tests.

// Removes GSM8K calculator annotations "<<48/2=24>>" (an unclosed "<<" is kept).
std::string StripCalculatorAnnotations(const std::string& text);

// Splits a worked solution into steps: blank-line separated paragraphs, or single lines
// when the text has no blank line; never inside an unclosed \begin{..}, \[ or [asy]
// block. A trailing "The answer is ..." glued to the last step becomes its own step.
std::vector<std::string> SplitSolutionSteps(const std::string& solution);

// "Level 3" or 3 -> 3; other strings (MATH has "Level ?") -> nullopt.
std::optional<int> ParseMathLevel(const nlohmann::json& level, const RecordContext& where);

}  // namespace steptree

// Value targets: one record per root-to-leaf path of a search tree (AlphaMath, Chen et al.
// 2024, sec. 3.2: the value head regresses the Q-values that search backed up).
//
//   {"id": "p7/3", "question": "...", "steps": [{"step": "...", "Q": 0.25}, ...,
//                                               {"step": "The answer is 8", "Q": -1}]}
//
// Step k's Q is the target of V(question + steps 1..k). The last step's Q is the path's
// outcome: exactly +1 (the final answer is correct) or -1. Intermediate Q lie in [-1, 1].
// "id" is optional (a string or an integer; default "path-LINE") and need not be unique:
// several paths share a question. Other fields are ignored. No torch in this header.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace steptree {

// One record of the file. (mcts/value_targets.h's ValuePath is the same path inside a tree,
// without the question; an exporter turns it into this record.)
struct ValuePathRecord {
  std::string id;
  std::string question;
  std::vector<std::string> steps;  // non-empty
  std::vector<double> q;           // q.size() == steps.size(); q.back() is +1 or -1
  // The outcome the path's prefixes are labelled with: the final answer is correct.
  bool correct() const { return q.back() > 0; }
};

// Reads every record of a value-target JSONL file. Throws InputError(file, line, what was
// expected) on the first bad line: not an object, a missing or mistyped field, no steps, a
// Q that is not a finite number in [-1, 1], a last Q other than +1 or -1; and
// InputError(file, 0, ...) for an unreadable or empty file.
std::vector<ValuePathRecord> LoadValuePaths(const std::string& path);

// The record LoadValuePaths reads back to `path`.
nlohmann::json ValuePathToJson(const ValuePathRecord& path);

// Writes one record per path (JsonlWriter: truncates, flushes each line).
void WriteValuePaths(const std::string& file, const std::vector<ValuePathRecord>& paths);

}  // namespace steptree

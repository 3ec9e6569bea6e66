// Reading trees files (search --out, "steptree-tree" v1: search/record.h) for the exporters
// and the audit.
//
// Each line must be a tree record: an object with "format": "steptree-tree", "version": 1,
// a string "id", an object "problem" and a "tree" array that TreeFromJson accepts. Anything
// else throws InputError(file, line, what was expected), so a bad line exits 2 naming it.
// From the problem record only what exports describe is taken: the question (the tree's
// root), the gold answer and the difficulty, via the problem loaders' own parsers; a
// problem record no parser reads still exports (no gold, no difficulty). Correctness comes
// from the terminals' "correct", which search graded against the gold answer.
#pragma once

#include <optional>
#include <string>

#include "core/jsonl.h"
#include "mcts/tree.h"

namespace steptree {

struct SearchedTree {
  std::string id;                 // the problem id
  std::string question;           // the root's step
  std::optional<std::string> gold;
  std::optional<int> difficulty;  // synthetic level or MATH level, when the record has it
  std::string source;             // the problem's source ("synthetic", "gsm8k", ...); "" unknown
  std::string file;               // where the record was read: file and 1-based line
  long line = 0;
  Tree tree{"", {}};
};

// Streams the tree records of one file, in order.
class TreeFileReader {
 public:
  // Throws InputError(path, 0, ...) when the file cannot be opened.
  explicit TreeFileReader(const std::string& path);
  // The next record into *out; false at the end of the file. Throws InputError on a bad line,
  // and at the end of a file that held no record. `record`, when given, receives the whole
  // record as read (its "config", "budget", "answer", ... for readers that need more than
  // the tree; `inspect`).
  bool Next(SearchedTree* out, nlohmann::json* record = nullptr);

 private:
  JsonlReader reader_;
};

}  // namespace steptree

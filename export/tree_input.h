// Reading trees files (search --output, "steptree-tree" v1: search/record.h) for the exporters
// and the audit.
//
// Each line must be a tree record: an object with "format": "steptree-tree", "version": 1,
// a string "id", an object "problem", a "tree" array that TreeFromJson accepts and, when
// present, a "provenance" object whose "prompt" is a string, "step_delimiter" a non-empty
// string and "messages" (when present) an array of {"role", "content"} strings. Anything
// else throws InputError(file, line, what was expected), so a bad line exits 2 naming it.
// From the problem record only what exports describe is taken: the question (the tree's
// root), the gold answer and the difficulty, via the problem loaders' own parsers; a
// problem record no parser reads still exports (no gold, no difficulty). Correctness comes
// from the terminals' "correct", which search graded against the gold answer.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/jsonl.h"
#include "mcts/tree.h"

namespace steptree {

struct SearchedTree {
  std::string id;                 // the problem id
  std::string question;           // the root's step
  // How the tree's model laid out its text, from the record's "provenance" (search/record.h);
  // a record without one was made by the built-in model: its prompt "Q: " question "\n"
  // (BuiltinPromptText below) and "\n" after each step.
  std::string prompt;                         // the question's prompt as the model read it
  std::string step_delimiter = "\n";          // the text after each step but the last
  nlohmann::ordered_json messages = nullptr;  // the chat template's input [{"role", "content"}],
                                              // an array only for a chat model
  std::optional<std::string> gold;
  std::optional<int> difficulty;  // synthetic level or MATH level, when the record has it
  std::string source;             // the problem's source ("synthetic", "gsm8k", ...); "" unknown
  std::string file;               // where the record was read: file and 1-based line
  long line = 0;
  Tree tree{"", {}};
};

// The built-in model's prompt: "Q: " question "\n", the question on one line
// (policy/text/prompt.h's prompt without its BOS token).
std::string BuiltinPromptText(const std::string& question);

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

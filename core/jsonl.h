// JSONL input with errors users can act on, and JSONL output that never loses work.
//
// Reading: every line must be valid UTF-8 holding one JSON value; blank lines are skipped.
// Violations throw InputError(file, line, what was expected). An empty file (no records)
// is an error for readers that need records (see RequireRecords).
//
// Limits (InputError naming file and line, never a huge allocation): a line holds at most
// kMaxJsonlLineBytes, checked while reading, so a 100 MB line is refused after reading
// 16 MiB of it; a line nests at most kMaxJsonDepth (core/json_file.h) levels, checked
// by a scan before nlohmann parses it (or less, as the reader is told).
#pragma once

#include <cstddef>
#include <string_view>

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_file.h"  // kMaxJsonDepth

namespace steptree {

// Longest JSONL line read (a record); longer lines are refused without reading them whole.
// The longest MATH solution is about 5 KB; trees files of MCTS runs reach a few MB a line.
constexpr size_t kMaxJsonlLineBytes = size_t{16} << 20;  // 16 MiB

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text);

class JsonlReader {
 public:
  // Throws InputError(path, 0, "a readable file") when it cannot be opened. Lines nested
  // deeper than `max_depth` (at most kMaxJsonDepth) are refused before parsing.
  explicit JsonlReader(const std::string& path, int max_depth = kMaxJsonDepth);

  // Reads the next non-blank line into *record; false at end of file.
  // Throws InputError on non-UTF-8 bytes, a line longer than kMaxJsonlLineBytes or nested
  // deeper than kMaxJsonDepth, or a line that is not one JSON value.
  bool Next(nlohmann::json* record);

  // 1-based number of the line last returned by Next.
  long line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

  // Throws InputError(path, 0, "at least one JSON record") when nothing was read.
  void RequireRecords() const;

 private:
  // The next line without its '\n' into *line; false at end of file. Throws InputError
  // once the line passes kMaxJsonlLineBytes.
  bool ReadLine(std::string* line);

  std::string path_;
  int max_depth_;
  std::ifstream in_;
  long line_number_ = 0;
  long records_ = 0;
};

// Field access for records, each throwing InputError(file, line, "field \"name\" ...").
struct RecordContext {
  const std::string& file;
  long line;
};
const nlohmann::json& RequireField(const nlohmann::json& record, const std::string& field,
                                   const RecordContext& where);
std::string RequireString(const nlohmann::json& record, const std::string& field,
                          const RecordContext& where);
std::optional<std::string> OptionalString(const nlohmann::json& record, const std::string& field,
                                          const RecordContext& where);
// Accepts a JSON string or number (numbers are written as JSON would print them).
std::optional<std::string> OptionalStringOrNumber(const nlohmann::json& record,
                                                  const std::string& field,
                                                  const RecordContext& where);

// Appends records as lines and flushes each one, so a killed run keeps every finished
// record. Opens in append mode when `append`, otherwise truncates.
class JsonlWriter {
 public:
  JsonlWriter(const std::string& path, bool append = false);
  void Write(const nlohmann::json& record);
  // Keeps the record's key order (nlohmann::json would sort the keys).
  void Write(const nlohmann::ordered_json& record);
  const std::string& path() const { return path_; }

 private:
  void WriteLine(const std::string& line);
  std::string path_;
  std::ofstream out_;
};

}  // namespace steptree

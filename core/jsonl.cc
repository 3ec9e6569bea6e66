#include "core/jsonl.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/input_error.h"
#include "core/json_file.h"

namespace steptree {

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    unsigned int code;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= n) return false;
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    static const unsigned int kMinimum[4] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

JsonlReader::JsonlReader(const std::string& path, int max_depth)
    : path_(path), max_depth_(std::min(max_depth, kMaxJsonDepth)), in_(path, std::ios::binary) {
  if (!in_) throw InputError(path, 0, "a readable file");
}

bool JsonlReader::ReadLine(std::string* line) {
  line->clear();
  if (!in_) return false;
  // getline into a fixed chunk: it stops at '\n' (extracted, not stored), at the end of the
  // file, or with failbit when the chunk is full; so no more than the limit is ever held.
  char chunk[1 << 16];
  bool any = false;
  for (;;) {
    in_.getline(chunk, sizeof chunk);
    const size_t extracted = static_cast<size_t>(in_.gcount());
    any = any || extracted > 0;
    if (in_.bad()) return false;  // Next reports the I/O error
    if (in_.eof()) {
      line->append(chunk, extracted);
      if (line->size() > kMaxJsonlLineBytes) break;
      return any;
    }
    if (in_.fail()) {  // the chunk is full: the line goes on
      line->append(chunk, extracted);
      if (line->size() > kMaxJsonlLineBytes) break;
      in_.clear(in_.rdstate() & ~std::ios::failbit);
      continue;
    }
    line->append(chunk, extracted - 1);  // without the '\n'
    if (line->size() > kMaxJsonlLineBytes) break;
    return true;
  }
  throw InputError(path_, line_number_ + 1,
                   "a JSON line of at most " + std::to_string(kMaxJsonlLineBytes) +
                       " bytes, this one is longer");
}

bool JsonlReader::Next(nlohmann::json* record) {
  std::string line;
  while (ReadLine(&line)) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!IsValidUtf8(line)) throw InputError(path_, line_number_, "UTF-8 text, found invalid bytes");
    if (JsonNestingDepth(line, max_depth_) > max_depth_) {
      throw InputError(path_, line_number_,
                       "a record nested at most " + std::to_string(max_depth_) + " levels deep");
    }
    try {
      *record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      // A line cut short ends inside a value or inside a string.
      const std::string what = e.what();
      const bool truncated = what.find("unexpected end of input") != std::string::npos ||
                             (what.find("missing closing quote") != std::string::npos &&
                              e.byte >= line.size());
      throw InputError(path_, line_number_,
                       truncated ? "a complete JSON value, the line ends early (truncated?)"
                                 : "one JSON value per line (" + std::to_string(e.byte) +
                                       ": not valid JSON)");
    } catch (const nlohmann::json::exception& e) {
      // Valid syntax the parser still refuses: a number out of range (1e400).
      throw InputError(path_, line_number_, std::string("one JSON value per line (") + e.what() + ")");
    }
    ++records_;
    return true;
  }
  if (in_.bad()) throw InputError(path_, line_number_ + 1, "a readable line (I/O error)");
  return false;
}

void JsonlReader::RequireRecords() const {
  if (records_ == 0) throw InputError(path_, 0, "at least one JSON record, the file is empty");
}

namespace {

const char* TypeName(const nlohmann::json& v) { return v.type_name(); }

void RequireObject(const nlohmann::json& record, const RecordContext& where) {
  if (!record.is_object()) {
    throw InputError(where.file, where.line,
                     std::string("a JSON object, found ") + TypeName(record));
  }
}

}  // namespace

const nlohmann::json& RequireField(const nlohmann::json& record, const std::string& field,
                                   const RecordContext& where) {
  RequireObject(record, where);
  auto it = record.find(field);
  if (it == record.end()) {
    throw InputError(where.file, where.line, "field \"" + field + "\", it is missing");
  }
  return *it;
}

std::string RequireString(const nlohmann::json& record, const std::string& field,
                          const RecordContext& where) {
  const nlohmann::json& v = RequireField(record, field, where);
  if (!v.is_string()) {
    throw InputError(where.file, where.line,
                     "field \"" + field + "\" to be a string, found " + TypeName(v));
  }
  return v.get<std::string>();
}

std::optional<std::string> OptionalString(const nlohmann::json& record, const std::string& field,
                                          const RecordContext& where) {
  RequireObject(record, where);
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw InputError(where.file, where.line,
                     "field \"" + field + "\" to be a string, found " + TypeName(*it));
  }
  return it->get<std::string>();
}

std::optional<std::string> OptionalStringOrNumber(const nlohmann::json& record,
                                                  const std::string& field,
                                                  const RecordContext& where) {
  RequireObject(record, where);
  auto it = record.find(field);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  throw InputError(where.file, where.line,
                   "field \"" + field + "\" to be a string or number, found " + TypeName(*it));
}

JsonlWriter::JsonlWriter(const std::string& path, bool append)
    : path_(path), out_(path, append ? std::ios::app : std::ios::trunc) {
  if (!out_) throw InputError(path, 0, "a writable output file");
}

void JsonlWriter::Write(const nlohmann::json& record) {
  WriteLine(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void JsonlWriter::Write(const nlohmann::ordered_json& record) {
  WriteLine(record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

void JsonlWriter::WriteLine(const std::string& line) {
  out_ << line << '\n';
  out_.flush();
  if (!out_) throw InputError(path_, 0, "a writable output file (writing failed: the disk may be full)");
}

}  // namespace steptree

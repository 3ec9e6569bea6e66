// Whole-file JSON reading and atomic file writing, shared by checkpoints, Hugging Face
// model directories and run directories. No torch.
//
// Limits on JSON from outside (each refused with an InputError naming the file, before
// nlohmann parses or anything large is allocated):
//   kMaxJsonDepth      nesting of arrays and objects, checked by a cheap scan of the text
//                      (JsonNestingDepth): nlohmann parses without recursion, but copies,
//                      compares and prints values recursively, so a 1e6-deep document would
//                      overflow the stack later;
//   kMaxJsonFileBytes  the size of a whole-file JSON document (ReadJsonFile, ReadTextFile),
//                      checked against the file size before reading it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace steptree {

// Deepest nesting of arrays/objects accepted in any JSON text from outside (JSONL lines,
// config.json, tokenizer.json, indexes, sweep configs). Real files nest fewer than 20 levels.
constexpr int kMaxJsonDepth = 512;

// Largest whole-file JSON document read (tokenizer.json of the largest vocabularies is
// about 35 MB; configs and indexes are kilobytes).
constexpr uint64_t kMaxJsonFileBytes = uint64_t{256} << 20;  // 256 MiB

// The deepest nesting of '[' / '{' in `text` outside JSON strings, stopping early once it
// exceeds `limit` (then the result is limit + 1). Linear, no allocation. Also bounds YAML
// flow collections (['"] strings are skipped the JSON way; good enough for a bound).
int JsonNestingDepth(std::string_view text, int limit = kMaxJsonDepth);

// Throws InputError(file, line, ...) when `text` nests deeper than kMaxJsonDepth.
void CheckJsonNesting(std::string_view text, const std::string& file, long line = 0);

// The whole file as bytes. InputError naming the file when it cannot be read or is larger
// than `max_bytes` (checked from its size before reading). `what` names the expected
// content in the message ("a readable file" by default).
std::string ReadTextFile(const std::string& path, uint64_t max_bytes = kMaxJsonFileBytes,
                         const std::string& what = "a readable file");

// The file parsed as one JSON document. InputError naming the file when it cannot be read,
// is over kMaxJsonFileBytes or kMaxJsonDepth, and the line of the first syntax error when
// it is not JSON.
nlohmann::json ReadJsonFile(const std::string& path);

// Parses `text` (the content of `path`) as ReadJsonFile does: depth checked first, the
// line of the first syntax error named.
nlohmann::json ParseJsonText(const std::string& text, const std::string& path);

// Writes `content` to path + ".tmp" and renames it over `path`, so a reader never sees a
// half-written file. InputError naming the file when it cannot be written.
void WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace steptree

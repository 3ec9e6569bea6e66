// JSON files in, whole files out atomically (core/json_file.h).
#include "core/json_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/input_error.h"

namespace steptree {

int JsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  char quote = '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == quote) {
        in_string = false;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      in_string = true;
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void CheckJsonNesting(std::string_view text, const std::string& file, long line) {
  if (JsonNestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    throw InputError(file, line,
                     "JSON nested at most " + std::to_string(kMaxJsonDepth) + " levels deep");
  }
}

std::string ReadTextFile(const std::string& path, uint64_t max_bytes, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, 0, what + ", found a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, what);
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    throw InputError(path, 0,
                     "a file of at most " + std::to_string(max_bytes) + " bytes, found " +
                         std::to_string(size));
  }
  // Read in chunks up to the limit: a FIFO or /proc file has no size to check first.
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw InputError(path, 0, "a file of at most " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) throw InputError(path, 0, what + " (I/O error)");
  return text;
}

nlohmann::json ParseJsonText(const std::string& text, const std::string& path) {
  CheckJsonNesting(text, path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t upto = std::min(text.size(), static_cast<size_t>(e.byte > 0 ? e.byte - 1 : 0));
    const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + upto, '\n'));
    throw InputError(path, line, "valid JSON (" + std::string(e.what()) + ")");
  } catch (const nlohmann::json::exception& e) {
    // Valid syntax the parser still refuses: a number out of range (1e400).
    throw InputError(path, 0, "valid JSON (" + std::string(e.what()) + ")");
  }
}

nlohmann::json ReadJsonFile(const std::string& path) { return ParseJsonText(ReadTextFile(path), path); }

void WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw InputError(path, 0, "a writable output file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw InputError(path, 0, "a writable output file (renaming " + tmp + ": " + ec.message() + ")");
}

}  // namespace steptree

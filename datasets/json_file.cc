// JSON files in, whole files out atomically (datasets/json_file.h).
#include "datasets/json_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "datasets/input_error.h"

namespace steptree {

nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "a readable file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t upto = std::min(text.size(), static_cast<size_t>(e.byte > 0 ? e.byte - 1 : 0));
    const long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + upto, '\n'));
    throw InputError(path, line, "valid JSON (" + std::string(e.what()) + ")");
  }
}

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

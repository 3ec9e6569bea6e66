// Whole-file JSON reading and atomic file writing, shared by checkpoints, Hugging Face
// model directories and run directories. No torch.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace steptree {

// The file parsed as one JSON document. InputError naming the file when it cannot be read,
// and the line of the first syntax error when it is not JSON.
nlohmann::json ReadJsonFile(const std::string& path);

// Writes `content` to path + ".tmp" and renames it over `path`, so a reader never sees a
// half-written file. InputError naming the file when it cannot be written.
void WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace steptree

#include "app/run_dir.h"

#include <filesystem>
#include <fstream>

#include "core/json_file.h"
#include "core/input_error.h"
#include "sweep/sweep_report.h"

namespace steptree::app {

void CheckOrWriteRunConfig(const std::string& dir, const nlohmann::ordered_json& resolved,
                           const std::string& may_change) {
  const std::filesystem::path path = std::filesystem::path(dir) / "config.json";
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    const nlohmann::ordered_json saved = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!saved.is_object()) throw InputError(path.string(), 0, "the resolved config of a run (a JSON object)");
    for (const auto& [key, value] : resolved.items()) {
      if (key == may_change) continue;
      if (!saved.contains(key) || saved[key] != value) {
        throw UsageError(path.string() + " holds a run with another \"" + key + "\" (" +
                         (saved.contains(key) ? saved[key].dump() : "absent") + ", now " + value.dump() +
                         "): use another --run-dir");
      }
    }
  }
  WriteFileAtomically(path.string(), resolved.dump(2) + "\n");
}

}  // namespace steptree::app

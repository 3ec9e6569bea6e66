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
    // Both ways: a key only one side holds is an option at its default on the other side
    // (options at their default may be left out, so older run directories still resume).
    const auto refuse = [&](const std::string& key, const std::string& then, const std::string& now) {
      throw UsageError(path.string() + " holds a run with another \"" + key + "\" (" + then + ", now " + now +
                       "): use another --run-dir");
    };
    for (const auto& [key, value] : resolved.items()) {
      if (key == may_change) continue;
      if (!saved.contains(key) || saved[key] != value) {
        refuse(key, saved.contains(key) ? saved[key].dump() : "absent", value.dump());
      }
    }
    for (const auto& [key, value] : saved.items()) {
      if (key != may_change && !resolved.contains(key)) refuse(key, value.dump(), "absent");
    }
  }
  WriteFileAtomically(path.string(), resolved.dump(2) + "\n");
}

}  // namespace steptree::app

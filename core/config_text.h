// Config files written by people: JSON, or YAML (of which JSON is a subset), read into one
// JSON value. Shared by budget sweep configs (sweep/sweep_spec.h) and the `--config FILE`
// of the commands (app/flag_config.h). No torch.
//
// A ".json" file is parsed as JSON, anything else as YAML. YAML scalars carry no type, so
// they are typed by their text: true/false, null/~, numbers; a quoted scalar is always a
// string. Limits, each refused with an InputError naming the file (and the line where one
// applies) before anything large is built: `max_bytes` of text, UTF-8 only, kMaxJsonDepth
// nesting (core/json_file.h; a scan before either parser runs, and again while converting,
// since a YAML alias inside its own anchor makes a cycle), and `max_values` values in the
// result, aliases counted at every use (a small YAML file can expand enormously).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace steptree {

struct ConfigTextLimits {
  uint64_t max_bytes = uint64_t{1} << 20;
  size_t max_values = 100'000;
};

// Parses `text`, the content of `path`. `noun` names the document in errors ("sweep
// config": "expected valid YAML (a sweep config mapping): ...").
nlohmann::ordered_json ParseConfigText(const std::string& text, const std::string& path, const std::string& noun,
                                       const ConfigTextLimits& limits = {});

// Reads `path` (InputError when unreadable or over limits.max_bytes) and parses it.
nlohmann::ordered_json LoadConfigFile(const std::string& path, const std::string& noun,
                                      const ConfigTextLimits& limits = {});

}  // namespace steptree

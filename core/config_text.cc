// JSON or YAML config files (core/config_text.h).
#include "core/config_text.h"

#include <algorithm>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/jsonl.h"  // IsValidUtf8

namespace steptree {
namespace {

// The 1-based line of byte `offset` in `text`.
long LineOf(const std::string& text, size_t offset) {
  return 1 + static_cast<long>(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n'));
}

// YAML scalars carry no type: numbers and booleans are recognised by their text.
nlohmann::ordered_json ScalarToJson(const YAML::Node& node) {
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "true" || text == "false") return text == "true";
  if (text == "null" || text == "~") return nullptr;
  const nlohmann::ordered_json number = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (number.is_number()) return number;
  return text;
}

struct YamlConversion {
  const std::string& path;
  const std::string& noun;
  size_t max_values;
  size_t values = 0;  // made so far

  // `depth` is the node's nesting: past kMaxJsonDepth the conversion stops (an alias
  // inside its own anchor, "&a [*a]", makes a cycle).
  nlohmann::ordered_json Convert(const YAML::Node& node, int depth) {
    if (++values > max_values) {
      throw InputError(path, 0, "a " + noun + " of at most " + std::to_string(max_values) + " values (YAML aliases included)");
    }
    if (depth > kMaxJsonDepth) {
      throw InputError(path, node.Mark().line + 1,
                       "a " + noun + " nested at most " + std::to_string(kMaxJsonDepth) +
                           " levels deep (YAML aliases included)");
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        // Escapes ("\x85") and odd encodings can make bytes that are not UTF-8.
        if (!IsValidUtf8(node.Scalar())) {
          throw InputError(path, node.Mark().line + 1, "UTF-8 text in the " + noun + ", found invalid bytes");
        }
        return ScalarToJson(node);
      case YAML::NodeType::Sequence: {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const YAML::Node& item : node) array.push_back(Convert(item, depth + 1));
        return array;
      }
      case YAML::NodeType::Map: {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& item : node) {
          if (!item.first.IsScalar() || !IsValidUtf8(item.first.Scalar())) {
            throw InputError(path, item.first.Mark().line + 1, "a plain UTF-8 key in the " + noun);
          }
          object[item.first.Scalar()] = Convert(item.second, depth + 1);
        }
        return object;
      }
    }
    return nullptr;
  }
};

}  // namespace

nlohmann::ordered_json ParseConfigText(const std::string& text, const std::string& path, const std::string& noun,
                                       const ConfigTextLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw InputError(path, 0, "a " + noun + " of at most " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (!IsValidUtf8(text)) throw InputError(path, 0, "a UTF-8 " + noun + ", found invalid bytes");
  CheckJsonNesting(text, path);
  if (std::filesystem::path(path).extension() == ".json") {
    try {
      return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(path, LineOf(text, e.byte > 0 ? e.byte - 1 : 0), "valid JSON (a " + noun + " object)");
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, 0, "valid JSON (a " + noun + " object): " + e.what());
    }
  }
  try {
    YamlConversion conversion{path, noun, limits.max_values};
    return conversion.Convert(YAML::Load(text), 0);
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line + 1, "valid YAML (a " + noun + " mapping): " + e.msg);
  }
}

nlohmann::ordered_json LoadConfigFile(const std::string& path, const std::string& noun,
                                      const ConfigTextLimits& limits) {
  return ParseConfigText(ReadTextFile(path, limits.max_bytes, "a readable " + noun + " file (JSON or YAML)"), path,
                         noun, limits);
}

}  // namespace steptree

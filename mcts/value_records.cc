// Value-target JSONL in and out (mcts/value_records.h).
#include "mcts/value_records.h"

#include <cmath>

#include "core/input_error.h"
#include "core/jsonl.h"

namespace steptree {
namespace {

std::string PathId(const nlohmann::json& record, const RecordContext& where) {
  auto it = record.find("id");
  if (it == record.end() || it->is_null()) return "path-" + std::to_string(where.line);
  if (it->is_number_integer()) return it->dump();
  if (!it->is_string()) {
    throw InputError(where.file, where.line,
                     std::string("field \"id\" to be a string or an integer, found ") + it->type_name());
  }
  if (it->get<std::string>().empty()) throw InputError(where.file, where.line, "field \"id\" to be non-empty");
  return it->get<std::string>();
}

ValuePathRecord ParseValuePathRecord(const nlohmann::json& record, const RecordContext& where) {
  ValuePathRecord path;
  path.id = PathId(record, where);
  path.question = RequireString(record, "question", where);
  if (path.question.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(where.file, where.line, "field \"question\" to hold a question, found an empty string");
  }
  const nlohmann::json& steps = RequireField(record, "steps", where);
  if (!steps.is_array() || steps.empty()) {
    throw InputError(where.file, where.line,
                     std::string("field \"steps\" to be a non-empty array of {\"step\", \"Q\"}, found ") +
                         (steps.is_array() ? "an empty array" : steps.type_name()));
  }
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::string at = "steps[" + std::to_string(k) + "]";
    const nlohmann::json& entry = steps[k];
    if (!entry.is_object()) {
      throw InputError(where.file, where.line,
                       at + " to be an object {\"step\", \"Q\"}, found " + entry.type_name());
    }
    auto text = entry.find("step");
    if (text == entry.end() || !text->is_string()) {
      throw InputError(where.file, where.line, at + ".step to be a string");
    }
    auto q = entry.find("Q");
    if (q == entry.end() || !q->is_number()) {
      throw InputError(where.file, where.line, at + ".Q to be a number in [-1, 1]");
    }
    const double value = q->get<double>();
    if (!std::isfinite(value) || value < -1.0 || value > 1.0) {
      throw InputError(where.file, where.line, at + ".Q in [-1, 1], found " + q->dump());
    }
    if (k + 1 == steps.size() && value != 1.0 && value != -1.0) {
      throw InputError(where.file, where.line,
                       at + ".Q (the last step: the path's outcome) to be +1 or -1, found " + q->dump());
    }
    path.steps.push_back(text->get<std::string>());
    path.q.push_back(value);
  }
  return path;
}

}  // namespace

std::vector<ValuePathRecord> LoadValuePaths(const std::string& path) {
  JsonlReader reader(path);
  std::vector<ValuePathRecord> paths;
  nlohmann::json record;
  while (reader.Next(&record)) {
    paths.push_back(ParseValuePathRecord(record, RecordContext{reader.path(), reader.line_number()}));
  }
  reader.RequireRecords();
  return paths;
}

nlohmann::json ValuePathToJson(const ValuePathRecord& path) {
  nlohmann::json steps = nlohmann::json::array();
  for (size_t k = 0; k < path.steps.size(); ++k) steps.push_back({{"step", path.steps[k]}, {"Q", path.q[k]}});
  return {{"id", path.id}, {"question", path.question}, {"steps", std::move(steps)}};
}

void WriteValuePaths(const std::string& file, const std::vector<ValuePathRecord>& paths) {
  JsonlWriter writer(file);
  for (const ValuePathRecord& path : paths) writer.Write(ValuePathToJson(path));
}

}  // namespace steptree

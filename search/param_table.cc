#include "search/param_table.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "core/input_error.h"

namespace steptree {

namespace {

[[noreturn]] void BadValue(const Param& param, const std::string& expected, const std::string& text) {
  throw UsageError(std::string("search parameter ") + param.key + ": expected " + expected + ", got \"" + text + "\"");
}

std::string NumberText(double x) {
  std::string text = std::to_string(x);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

// "an integer >= 1" or "an integer between 1 and 4096".
std::string InRange(const char* kind, const Param& param) {
  if (param.max >= kUnbounded) return std::string(kind) + " >= " + NumberText(param.min);
  return std::string(kind) + " between " + NumberText(param.min) + " and " + NumberText(param.max);
}

}  // namespace

const char* ValueSourceName(ValueSource source) {
  switch (source) {
    case ValueSource::kModel: return "model";
    case ValueSource::kOracle: return "oracle";
  }
  return "unknown";
}

std::optional<ValueSource> ValueSourceFromName(const std::string& name) {
  for (ValueSource source : {ValueSource::kModel, ValueSource::kOracle}) {
    if (name == ValueSourceName(source)) return source;
  }
  return std::nullopt;
}

// Parses `text` into the parameter's field, checking type and range.
void ParseInto(const Param& param, const std::string& text) {
  struct Visitor {
    const Param& param;
    const std::string& text;
    void operator()(int* field) const {
      char* end = nullptr;
      errno = 0;
      const long long value = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || value < param.min || value > INT_MAX ||
          static_cast<double>(value) > param.max) {
        BadValue(param, InRange("an integer", param), text);
      }
      *field = static_cast<int>(value);
    }
    void operator()(double* field) const {
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(value) || value < param.min ||
          value > param.max) {
        BadValue(param, InRange("a number", param), text);
      }
      *field = value;
    }
    void operator()(uint64_t* field) const {
      char* end = nullptr;
      errno = 0;
      const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0) BadValue(param, "a non-negative integer", text);
      *field = value;
    }
    void operator()(AnswerBy* field) const {
      const std::optional<AnswerBy> by = AnswerByFromName(text);
      if (!by) BadValue(param, "q_value, value, visits or majority", text);
      *field = *by;
    }
    void operator()(TerminalReward* field) const {
      if (text == TerminalRewardName(TerminalReward::kGold)) {
        *field = TerminalReward::kGold;
      } else if (text == TerminalRewardName(TerminalReward::kValue)) {
        *field = TerminalReward::kValue;
      } else if (text == TerminalRewardName(TerminalReward::kTarget)) {
        *field = TerminalReward::kTarget;
      } else {
        BadValue(param, "gold, value or target", text);
      }
    }
    void operator()(ValueSource* field) const {
      const std::optional<ValueSource> source = ValueSourceFromName(text);
      if (!source) BadValue(param, "model or oracle", text);
      *field = *source;
    }
    void operator()(TextList* field) const {
      const char* expected = "a JSON array of non-empty strings, or one text";
      if (text.empty()) BadValue(param, expected, text);
      if (text[0] != '[') {
        *field = {text};
        return;
      }
      const nlohmann::json list = nlohmann::json::parse(text, nullptr, false);
      if (list.is_discarded() || !list.is_array() || list.size() > static_cast<size_t>(param.max)) {
        BadValue(param, expected, text);
      }
      TextList texts;
      for (const nlohmann::json& item : list) {
        if (!item.is_string() || item.get<std::string>().empty()) BadValue(param, expected, text);
        texts.push_back(item.get<std::string>());
      }
      *field = std::move(texts);
    }
  };
  std::visit(Visitor{param, text}, param.field);
}

nlohmann::ordered_json ValueOf(const Param& param) {
  struct Visitor {
    nlohmann::ordered_json operator()(const int* field) const { return *field; }
    nlohmann::ordered_json operator()(const double* field) const { return *field; }
    nlohmann::ordered_json operator()(const uint64_t* field) const { return *field; }
    nlohmann::ordered_json operator()(const AnswerBy* field) const { return AnswerByName(*field); }
    nlohmann::ordered_json operator()(const TerminalReward* field) const { return TerminalRewardName(*field); }
    nlohmann::ordered_json operator()(const ValueSource* field) const { return ValueSourceName(*field); }
    nlohmann::ordered_json operator()(const TextList* field) const { return *field; }
  };
  return std::visit(Visitor{}, param.field);
}

// The value as flag text: strings bare, numbers as JSON prints them.
std::string TextOf(const Param& param) {
  const nlohmann::ordered_json value = ValueOf(param);
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace steptree

// Built-in functions and methods of the template interpreter (policy/text/jinja_interpreter.h):
//   strings   upper(), lower(), strip(), lstrip(), rstrip() (each trims all JavaScript
//             white space, whatever the argument), title(), capitalize(), length,
//             startswith(prefix or tuple), endswith(...), split([sep[, maxsplit]]),
//             replace(old, new[, count])
//   mappings  get(key[, default]), items(), keys(), values(),
//             dictsort([case_sensitive[, by[, reverse]]])
//   globals   namespace(mapping or pairs, **entries), range([start,] stop[, step]),
//             raise_exception(message), strftime_now(format) (%Y %m %d %b %B %H %M %%, local
//             time, English month names)
#include <cmath>
#include <ctime>

#include "policy/text/jinja_interpreter.h"
#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

const char* const kStringMethods[] = {"upper",      "lower",      "strip",    "title", "capitalize", "rstrip",
                                      "lstrip",     "startswith", "endswith", "split", "replace"};
const char* const kObjectMethods[] = {"get", "items", "keys", "values", "dictsort"};

// raise_exception's message: String(x) of the first argument's raw value ("" when absent).
std::string ErrorMessage(const std::vector<Value>& arguments, size_t max_bytes) {
  if (arguments.empty() || arguments[0].IsUndefined()) return "";
  return ToWellFormedUtf8(JsString(arguments[0], max_bytes));
}

std::string StrftimeNow(const std::string& format) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  auto two_digits = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out += format[i];
      continue;
    }
    const char code = format[i + 1];
    switch (code) {
      case 'Y': out += std::to_string(local.tm_year + 1900); break;
      case 'm': out += two_digits(local.tm_mon + 1); break;
      case 'd': out += two_digits(local.tm_mday); break;
      case 'b': out += std::string(kMonths[local.tm_mon]).substr(0, 3); break;
      case 'B': out += kMonths[local.tm_mon]; break;
      case 'H': out += two_digits(local.tm_hour); break;
      case 'M': out += two_digits(local.tm_min); break;
      case '%': out += '%'; break;
      default: out += format.substr(i, 2);
    }
    ++i;
  }
  return out;
}

bool MatchesAffix(const Value& pattern, const std::string& text, bool prefix, const char* method) {
  auto matches = [&](const std::string& affix) {
    if (affix.size() > text.size()) return false;
    return prefix ? text.compare(0, affix.size(), affix) == 0 : text.compare(text.size() - affix.size(), affix.size(), affix) == 0;
  };
  if (pattern.IsString()) return matches(pattern.str());
  if (pattern.IsListLike()) {
    for (const Value& item : pattern.list->items) {
      if (!item.IsString()) throw RenderError(std::string(method) + "() tuple items to be strings");
      if (matches(item.str())) return true;
    }
    return false;
  }
  throw RenderError(std::string(method) + "() argument to be a string or a tuple of strings");
}

// The number of a range() argument; absent and undefined are nullopt.
std::optional<double> RangeNumber(const std::vector<Value>& arguments, size_t index) {
  if (index >= arguments.size() || arguments[index].IsUndefined()) return std::nullopt;
  if (!arguments[index].IsNumberLike()) throw RenderError("range() arguments to be numbers");
  return arguments[index].NumberOrBoolean();
}

}  // namespace

Value AttributePath(const Value& item, const std::string& path) {
  Value value = item;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (value.IsAttributeContainer()) {
      const Value* found = value.map->Find(part);
      value = found ? *found : Value();
    } else if (value.IsListLike()) {
      const double index = JsParseInt(part);
      if (std::isnan(index) || index < 0 || index >= static_cast<double>(value.list->items.size())) return Value();
      value = value.list->items[static_cast<size_t>(index)];
    } else {
      return Value();
    }
    if (dot == std::string::npos) return value;
    start = dot + 1;
  }
}

Value Interpreter::StringMember(const Value& text, const std::string& name) {
  if (name == "length") return Value::Integer(static_cast<double>(Utf16Length(text.str())));
  for (const char* method : kStringMethods) {
    if (name == method) return heap_->Function(FunctionData{FunctionKind::kStringMethod, name, text, nullptr, nullptr});
  }
  return Value();
}

Value Interpreter::ObjectMember(const Value& object, const std::string& name) {
  for (const char* method : kObjectMethods) {
    if (name == method) return heap_->Function(FunctionData{FunctionKind::kObjectMethod, name, object, nullptr, nullptr});
  }
  return Value();
}

Value Interpreter::CallBuiltin(const FunctionData& function, const std::vector<Value>& arguments) {
  switch (function.kind) {
    case FunctionKind::kStringMethod: return CallStringMethod(function, arguments);
    case FunctionKind::kObjectMethod: return CallObjectMethod(function, arguments);
    case FunctionKind::kNamespace: return MakeNamespace(arguments);
    case FunctionKind::kRange: return MakeRange(arguments);
    case FunctionKind::kRaiseException: throw RaisedError(ErrorMessage(arguments, max_bytes()));
    case FunctionKind::kStrftimeNow:
      if (arguments.empty() || !arguments[0].IsString()) throw RenderError("strftime_now(format) with a string format");
      return String(StrftimeNow(arguments[0].str()));
    default: throw RenderError("a function to call");
  }
}

Value Interpreter::CallStringMethod(const FunctionData& method, const std::vector<Value>& arguments) {
  const std::string& name = method.name;
  const std::string& text = method.receiver.str();
  if (name == "upper") return String(JsToUpper(text));
  if (name == "lower") return String(JsToLower(text));
  if (name == "strip") return String(std::string(JsTrim(text)));
  if (name == "lstrip") return String(std::string(JsTrimStart(text)));
  if (name == "rstrip") return String(std::string(JsTrimEnd(text)));
  if (name == "title") return String(JsTitle(text));
  if (name == "capitalize") return String(JsCapitalize(text));
  if (name == "startswith" || name == "endswith") {
    if (arguments.empty()) throw RenderError(name + "() with an argument");
    return Value::Boolean(MatchesAffix(arguments[0], text, name == "startswith", name.c_str()));
  }
  if (name == "split") {
    const Value separator = arguments.empty() ? Value::Null() : arguments[0];
    if (!separator.IsString() && !separator.IsNull()) throw RenderError("split()'s separator to be a string or none");
    const Value maxsplit = arguments.size() > 1 ? arguments[1] : Value::Integer(-1);
    if (!maxsplit.Is(ValueKind::kInteger)) throw RenderError("split()'s maxsplit to be an integer");
    if (separator.IsString() && separator.str().empty()) throw RenderError("split() with a separator that is not empty");
    const std::vector<std::string> parts = separator.IsNull() ? SplitOnWhitespace(text, maxsplit.number)
                                                              : SplitOnSeparator(text, separator.str(), maxsplit.number);
    std::vector<Value> items;
    for (const std::string& part : parts) items.push_back(String(part));
    return heap_->List(ValueKind::kArray, std::move(items));
  }
  // replace(old, new[, count]); a count may come as a keyword (the filter passes its
  // keyword arguments last).
  if (arguments.size() < 2) throw RenderError("replace() with at least two arguments");
  if (!arguments[0].IsString() || !arguments[1].IsString()) throw RenderError("replace()'s arguments to be strings");
  Value count = Value::Null();
  if (arguments.size() > 2) {
    if (arguments[2].Is(ValueKind::kKeywordArguments)) {
      const Value* keyword = arguments[2].map->Find("count");
      count = keyword ? *keyword : Value::Null();
    } else {
      count = arguments[2];
    }
  }
  if (!count.Is(ValueKind::kInteger) && !count.IsNull()) throw RenderError("replace()'s count to be an integer or none");
  const std::optional<std::string> replaced =
      JsReplace(text, arguments[0].str(), arguments[1].str(), count.IsNull() ? -1 : count.number, max_bytes());
  if (!replaced) throw RenderError("a replaced text of at most " + std::to_string(max_bytes()) + " bytes");
  return String(*replaced);
}

Value Interpreter::CallObjectMethod(const FunctionData& method, const std::vector<Value>& arguments) {
  const MapData& map = *method.receiver.map;
  const std::string& name = method.name;
  if (name == "get") {
    if (arguments.empty() || !arguments[0].IsString()) throw RenderError("get() with a string key");
    if (const Value* found = map.Find(arguments[0].str())) return *found;
    return arguments.size() > 1 ? arguments[1] : Value::Null();
  }
  std::vector<Value> items;
  for (const auto& [key, value] : map.entries()) {
    if (name == "keys") items.push_back(String(key));
    if (name == "values") items.push_back(value);
    if (name == "items" || name == "dictsort") items.push_back(heap_->List(ValueKind::kArray, {String(key), value}));
  }
  if (name != "dictsort") return heap_->List(ValueKind::kArray, std::move(items));
  std::vector<Value> positional;
  Value keywords;
  for (const Value& argument : arguments) {
    if (argument.Is(ValueKind::kKeywordArguments)) keywords = argument;
    else positional.push_back(argument);
  }
  auto read = [&](size_t index, const char* key, Value fallback) {
    if (index < positional.size()) return positional[index];
    const Value* found = keywords.map ? keywords.map->Find(key) : nullptr;
    return found ? *found : fallback;
  };
  const Value case_sensitive = read(0, "case_sensitive", Value::Boolean(false));
  const Value by = read(1, "by", String("key"));
  const Value reverse = read(2, "reverse", Value::Boolean(false));
  if (!case_sensitive.Is(ValueKind::kBoolean) || !reverse.Is(ValueKind::kBoolean)) {
    throw RenderError("dictsort's case_sensitive and reverse to be booleans");
  }
  if (!by.IsString() || (by.str() != "key" && by.str() != "value")) throw RenderError("dictsort's by to be 'key' or 'value'");
  const size_t index = by.str() == "key" ? 0 : 1;
  SortValues(&items, case_sensitive.boolean, reverse.boolean, [index](const Value& pair) { return pair.list->items[index]; });
  return heap_->List(ValueKind::kArray, std::move(items));
}

Value Interpreter::MakeNamespace(const std::vector<Value>& arguments) {
  std::vector<Value> positional = arguments;
  Value keywords;
  if (!positional.empty() && positional.back().Is(ValueKind::kKeywordArguments)) {
    keywords = positional.back();
    positional.pop_back();
  }
  if (positional.size() > 1) throw RenderError("namespace() with at most one positional argument");
  Value result = heap_->Map(ValueKind::kNamespace);
  if (positional.size() == 1) {
    const Value& source = positional[0];
    if (source.IsObject()) {
      for (const auto& [key, value] : source.map->entries()) heap_->Set(result, key, value);
    } else if (source.IsListLike()) {
      for (const Value& pair : source.list->items) {
        std::vector<Value> parts;
        if (pair.IsListLike()) parts = pair.list->items;
        if (pair.IsString()) {
          for (const std::string& c : CodePointStrings(pair.str())) parts.push_back(String(c));
        }
        if (parts.size() != 2) throw RenderError("namespace() from a mapping or from [key, value] pairs");
        if (!parts[0].IsString()) throw RenderError("namespace() keys to be strings");
        heap_->Set(result, parts[0].str(), parts[1]);
      }
    } else {
      throw RenderError(std::string("namespace() from a mapping or pairs, got ") + KindName(source.kind));
    }
  }
  if (keywords.map) {
    for (const auto& [key, value] : keywords.map->entries()) heap_->Set(result, key, value);
  }
  return result;
}

Value Interpreter::MakeRange(const std::vector<Value>& arguments) {
  std::optional<double> start = RangeNumber(arguments, 0), stop = RangeNumber(arguments, 1);
  const std::optional<double> step_argument = RangeNumber(arguments, 2);
  if (!start) throw RenderError("range() with a stop");
  if (!stop) {
    stop = start;
    start = 0;
  }
  const double step = step_argument.value_or(1);
  if (step == 0) throw RenderError("range() with a step that is not zero");
  const double count = std::ceil((*stop - *start) / step);
  if (count > static_cast<double>(heap_->limits().max_cells)) {
    throw RenderError("a range of at most " + std::to_string(heap_->limits().max_cells) + " numbers");
  }
  std::vector<Value> numbers;
  for (double i = *start; step > 0 ? i < *stop : i > *stop; i += step) {
    if (static_cast<double>(numbers.size()) > count) throw RenderError("range() steps that change the number");
    numbers.push_back(i == std::trunc(i) ? Value::Integer(i) : Value::Float(i));
  }
  return heap_->List(ValueKind::kArray, std::move(numbers));
}

}  // namespace steptree::jinja

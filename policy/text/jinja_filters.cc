// Filters and tests of the template interpreter (policy/text/jinja_interpreter.h).
//
// The reference's filters, by operand kind (anything else fails, as in the reference):
//   any        safe, tojson[(indent=, ensure_ascii=, sort_keys=, separators=)],
//              default(value[, boolean]), join / int / float with arguments (below)
//   list       list, first, last, length, reverse, sort[(reverse, case_sensitive,
//              attribute)], join[(separator)], string, unique, selectattr / rejectattr
//              (string literal arguments: attribute[, test[, value]]),
//              map(attribute=..., default=...)
//   string     length (UTF-16 units), upper, lower, title, capitalize, trim,
//              indent[(width, first, blank)], join, string, int[(default)],
//              float[(default)], replace(old, new[, count])
//   number     abs, int, float, string
//   mapping    items, length, and its methods: get, keys, values, dictsort(...)
//   boolean    bool, int, float, string
// Python Jinja2's filters the reference lacks, rendered as Jinja2 does (the reference
// fails on them): count, d / default without arguments, round, select / reject, wordcount,
// escape / e, and first / last / list of a string.
// Tests: boolean, callable, odd, even, false, true, none, string, number, integer,
// iterable, mapping, sequence, lower, upper, defined, undefined, equalto / eq.
#include <algorithm>
#include <cmath>

#include "policy/text/jinja_interpreter.h"
#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

[[noreturn]] void UnknownFilter(const std::string& name, const Value& operand) {
  throw RenderError("a filter that applies to a " + std::string(KindName(operand.kind)) + ", got '" + name + "'");
}

const Value* Keyword(const Value& keywords, const char* name) {
  return keywords.map != nullptr ? keywords.map->Find(name) : nullptr;
}

// args.at(i) ?? kwargs.get(name) ?? fallback, the reference's way of reading an argument.
Value Argument(const std::vector<Value>& positional, size_t index, const Value& keywords, const char* name,
               const Value& fallback) {
  if (index < positional.size()) return positional[index];
  if (const Value* found = Keyword(keywords, name)) return *found;
  return fallback;
}

Value RequireBoolean(const Value& value, const char* what) {
  if (!value.Is(ValueKind::kBoolean)) throw RenderError(std::string(what) + " to be a boolean");
  return value;
}

// The truthiness of the reference's raw value (lists and objects are always true).
bool RawTruthy(const Value& value) {
  if (value.IsListLike() || value.IsAttributeContainer() || value.Is(ValueKind::kFunction) ||
      value.Is(ValueKind::kKeywordArguments)) {
    return true;
  }
  return Truthy(value);
}

std::string IndentLines(const std::string& text, const std::string& indent, bool first, bool blank) {
  std::string out;
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    const size_t end = text.find('\n', start);
    const std::string_view piece = std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!((!first && line == 0) || (!blank && piece.empty()))) out += indent;
    out += piece;
    if (end == std::string::npos) return out;
    out += '\n';
    start = end + 1;
  }
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Python's len(re.findall(r"\w+", text)), with every non-ASCII letter a word character.
double WordCount(const std::string& text) {
  double words = 0;
  bool in_word = false;
  for (size_t pos = 0; pos < text.size();) {
    const char32_t c = DecodeWtf8(text, &pos);
    const bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                      (c >= 0x80 && !IsJsWhitespace(c));
    if (word && !in_word) ++words;
    in_word = word;
  }
  return words;
}

// Python's round(value, precision) (half to even), as Jinja2's round filter gives it.
double RoundHalfEven(double value, double precision, const std::string& method) {
  const double scale = std::pow(10.0, precision);
  const double scaled = value * scale;
  double rounded = method == "ceil" ? std::ceil(scaled) : method == "floor" ? std::floor(scaled) : std::nearbyint(scaled);
  return rounded / scale;
}

// tojson's keyword arguments (the reference ignores positional ones).
JsonOptions TojsonOptions(const Value& keywords) {
  JsonOptions options;
  const Value indent = Argument({}, 0, keywords, "indent", Value::Null());
  if (!indent.Is(ValueKind::kInteger) && !indent.IsNull()) throw RenderError("tojson's indent to be an integer");
  if (indent.Is(ValueKind::kInteger)) options.indent = indent.number;
  options.ensure_ascii = RequireBoolean(Argument({}, 0, keywords, "ensure_ascii", Value::Boolean(false)), "ensure_ascii").boolean;
  options.sort_keys = RequireBoolean(Argument({}, 0, keywords, "sort_keys", Value::Boolean(false)), "sort_keys").boolean;
  const Value separators = Argument({}, 0, keywords, "separators", Value::Null());
  if (separators.IsListLike()) {
    const std::vector<Value>& pair = separators.list->items;
    if (pair.size() != 2 || !pair[0].IsString() || !pair[1].IsString()) throw RenderError("separators to be two strings");
    options.separators = std::make_pair(pair[0].str(), pair[1].str());
  } else if (!separators.IsNull()) {
    throw RenderError("separators to be two strings");
  }
  return options;
}

}  // namespace

Value Interpreter::ApplyFilter(const Value& operand, const Node* filter, Environment* scope) {
  if (filter->kind == NodeKind::kIdentifier) return ApplyPlainFilter(operand, filter->text);
  if (filter->kind == NodeKind::kCall && filter->a->kind == NodeKind::kIdentifier) {
    return ApplyCallFilter(operand, filter->a->text, filter, scope);
  }
  throw RenderError("a filter name, with arguments or without");
}

Value Interpreter::ApplyPlainFilter(const Value& operand, const std::string& name) {
  if (name == "safe") return operand;
  if (name == "tojson") return String(ToJson(operand, JsonOptions{}, true, max_bytes()));
  const bool defaulting = name == "default" || name == "d";  // Jinja2's, without arguments
  if (operand.IsListLike()) return ApplyPlainListFilter(operand, name);
  if (operand.IsString()) return ApplyPlainStringFilter(operand, name);
  if (operand.IsNumber()) {
    const bool integer = operand.Is(ValueKind::kInteger);
    if (name == "abs") return integer ? Value::Integer(std::fabs(operand.number)) : Value::Float(std::fabs(operand.number));
    if (name == "int") return Value::Integer(std::trunc(operand.number) + 0.0);
    if (name == "float") return Value::Float(operand.number);
    if (name == "string") return String(DisplayString(operand, max_bytes()));
    if (name == "round") return Value::Float(RoundHalfEven(operand.number, 0, "common"));
    if (defaulting) return operand;
    UnknownFilter(name, operand);
  }
  if (operand.IsObject()) {
    if (name == "items") return CallObjectMethod(*ObjectMember(operand, "items").function, {});
    if (name == "length" || name == "count") return Value::Integer(static_cast<double>(operand.map->size()));
    if (name == "list") return CallObjectMethod(*ObjectMember(operand, "keys").function, {});
    if (defaulting) return operand;
    const Value method = ObjectMember(operand, name);
    if (method.Is(ValueKind::kFunction)) return CallBuiltin(*method.function, {});
    UnknownFilter(name, operand);
  }
  if (operand.Is(ValueKind::kBoolean)) {
    if (name == "bool") return operand;
    if (name == "int") return Value::Integer(operand.boolean ? 1 : 0);
    if (name == "float") return Value::Float(operand.boolean ? 1 : 0);
    if (name == "string") return String(operand.boolean ? "true" : "false");
    if (defaulting) return operand;
    UnknownFilter(name, operand);
  }
  if (defaulting) return operand.IsUndefined() ? String("") : operand;
  UnknownFilter(name, operand);
}

Value Interpreter::ApplyPlainListFilter(const Value& operand, const std::string& name) {
  std::vector<Value> items = operand.list->items;
  if (name == "list" || name == "default" || name == "d") return operand;
  if (name == "first" || name == "last") {
    if (items.empty()) throw RenderError("a list with items for '" + name + "'");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "length" || name == "count") return Value::Integer(static_cast<double>(items.size()));
  if (name == "reverse") return heap_->List(ValueKind::kArray, std::vector<Value>(items.rbegin(), items.rend()));
  if (name == "sort") {
    SortValues(&items, false, false, [](const Value& v) { return v; });
    return heap_->List(ValueKind::kArray, std::move(items));
  }
  if (name == "join") {
    std::string text;
    for (const Value& item : items) AppendOutput(&text, item.IsNull() || item.IsUndefined() ? "" : JsString(item, max_bytes()));
    return String(std::move(text));
  }
  if (name == "string") return String(ToJson(operand, JsonOptions{}, false, max_bytes()));
  if (name == "unique") {
    std::vector<Value> unique;
    for (const Value& item : items) {
      const bool seen = std::any_of(unique.begin(), unique.end(), [&item](const Value& u) { return SameValueZero(u, item); });
      if (!seen) unique.push_back(item);
    }
    return heap_->List(ValueKind::kArray, std::move(unique));
  }
  UnknownFilter(name, operand);
}

Value Interpreter::ApplyPlainStringFilter(const Value& operand, const std::string& name) {
  const std::string& text = operand.str();
  if (name == "length" || name == "count") return Value::Integer(static_cast<double>(Utf16Length(text)));
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    return CallStringMethod(*StringMember(operand, name).function, {});
  }
  if (name == "trim") return String(std::string(JsTrim(text)));
  if (name == "indent") return String(IndentLines(text, "    ", false, false));
  if (name == "join" || name == "string" || name == "default" || name == "d") return operand;
  if (name == "int" || name == "float") {
    const double value = name == "int" ? JsParseInt(text) : JsParseFloat(text);
    const double number = std::isnan(value) ? 0 : value;
    return name == "int" ? Value::Integer(number) : Value::Float(number);
  }
  if (name == "wordcount") return Value::Integer(WordCount(text));
  if (name == "escape" || name == "e") return String(HtmlEscape(text));
  if (name == "first" || name == "last" || name == "list") {
    const std::vector<std::string> characters = CodePointStrings(text);
    if (name == "list") {
      std::vector<Value> items;
      for (const std::string& c : characters) items.push_back(String(c));
      return heap_->List(ValueKind::kArray, std::move(items));
    }
    if (characters.empty()) return Value();
    return String(name == "first" ? characters.front() : characters.back());
  }
  UnknownFilter(name, operand);
}

Value Interpreter::ApplyCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope) {
  if (name == "tojson") {
    std::vector<Value> positional;
    Value keywords;
    EvaluateArguments(call->items, scope, &positional, &keywords);
    return String(ToJson(operand, TojsonOptions(keywords), true, max_bytes()));
  }
  if (name == "join") {
    std::vector<Value> items;
    if (operand.IsString()) {
      for (const std::string& c : CodePointStrings(operand.str())) items.push_back(String(c));
    } else if (operand.IsListLike()) {
      items = operand.list->items;
    } else {
      UnknownFilter(name, operand);
    }
    std::vector<Value> positional;
    Value keywords;
    EvaluateArguments(call->items, scope, &positional, &keywords);
    const Value separator = Argument(positional, 0, keywords, "separator", String(""));
    if (!separator.IsString()) throw RenderError("join's separator to be a string");
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) AppendOutput(&text, separator.str());
      AppendOutput(&text, items[i].IsNull() || items[i].IsUndefined() ? "" : JsString(items[i], max_bytes()));
    }
    return String(std::move(text));
  }
  if (name == "int" || name == "float") {
    std::vector<Value> positional;
    Value keywords;
    EvaluateArguments(call->items, scope, &positional, &keywords);
    const bool to_int = name == "int";
    const Value fallback = Argument(positional, 0, keywords, "default", to_int ? Value::Integer(0) : Value::Float(0));
    if (operand.IsString()) {
      const double value = to_int ? JsParseInt(operand.str()) : JsParseFloat(operand.str());
      if (std::isnan(value)) return fallback;
      return to_int ? Value::Integer(value) : Value::Float(value);
    }
    if (operand.IsNumber()) return to_int ? Value::Integer(std::trunc(operand.number) + 0.0) : Value::Float(operand.number);
    if (operand.Is(ValueKind::kBoolean)) return to_int ? Value::Integer(operand.boolean) : Value::Float(operand.boolean);
    UnknownFilter(name, operand);
  }
  if (name == "default" || name == "d") {
    std::vector<Value> positional;
    Value keywords;
    EvaluateArguments(call->items, scope, &positional, &keywords);
    const Value fallback = positional.empty() ? String("") : positional[0];
    const Value boolean = RequireBoolean(Argument(positional, 1, keywords, "boolean", Value::Boolean(false)), "default's flag");
    return operand.IsUndefined() || (boolean.boolean && !Truthy(operand)) ? fallback : operand;
  }
  if (operand.IsListLike()) return ApplyListCallFilter(operand, name, call, scope);
  if (operand.IsString()) return ApplyStringCallFilter(operand, name, call, scope);
  if (operand.IsObject()) {
    const Value method = ObjectMember(operand, name);
    if (method.Is(ValueKind::kFunction)) return CallBuiltin(*method.function, EvaluateCallArguments(call->items, scope));
  }
  if (operand.IsNumber() && name == "round") {
    std::vector<Value> positional;
    Value keywords;
    EvaluateArguments(call->items, scope, &positional, &keywords);
    const Value precision = Argument(positional, 0, keywords, "precision", Value::Integer(0));
    const Value method = Argument(positional, 1, keywords, "method", String("common"));
    if (!precision.IsNumber() || !method.IsString()) throw RenderError("round(precision, method)");
    return Value::Float(RoundHalfEven(operand.number, precision.number, method.str()));
  }
  UnknownFilter(name, operand);
}

Value Interpreter::ApplyListCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope) {
  if (name == "selectattr" || name == "rejectattr" || name == "select" || name == "reject") {
    return SelectAttribute(operand, name, call, scope);
  }
  std::vector<Value> positional;
  Value keywords;
  EvaluateArguments(call->items, scope, &positional, &keywords);
  if (name == "sort") {
    const bool reverse = RequireBoolean(Argument(positional, 0, keywords, "reverse", Value::Boolean(false)), "reverse").boolean;
    const bool case_sensitive =
        RequireBoolean(Argument(positional, 1, keywords, "case_sensitive", Value::Boolean(false)), "case_sensitive").boolean;
    const Value attribute = Argument(positional, 2, keywords, "attribute", Value::Null());
    if (!attribute.IsString() && !attribute.Is(ValueKind::kInteger) && !attribute.IsNull()) {
      throw RenderError("sort's attribute to be a string, an integer or none");
    }
    const std::string path = attribute.IsString() ? attribute.str() : attribute.IsNull() ? "" : JsNumberToString(attribute.number);
    std::vector<Value> items = operand.list->items;
    SortValues(&items, case_sensitive, reverse,
               [&](const Value& v) { return attribute.IsNull() ? v : AttributePath(v, path); });
    return heap_->List(ValueKind::kArray, std::move(items));
  }
  if (name == "map") {
    const Value* attribute = Keyword(keywords, "attribute");
    if (attribute == nullptr) throw RenderError("map(attribute=...): other forms of map are not supported");
    if (!attribute->IsString()) throw RenderError("map's attribute to be a string");
    const Value* fallback = Keyword(keywords, "default");
    std::vector<Value> mapped;
    for (const Value& item : operand.list->items) {
      if (!item.IsAttributeContainer()) throw RenderError("map over mappings");
      const Value value = AttributePath(item, attribute->str());
      mapped.push_back(value.IsUndefined() && fallback ? *fallback : value);
    }
    return heap_->List(ValueKind::kArray, std::move(mapped));
  }
  UnknownFilter(name, operand);
}

Value Interpreter::SelectAttribute(const Value& operand, const std::string& name, const Node* call, Environment* scope) {
  const bool by_attribute = name == "selectattr" || name == "rejectattr";
  const bool select = name == "selectattr" || name == "select";
  const std::vector<Value>& items = operand.list->items;
  if (by_attribute) {
    if (!std::all_of(items.begin(), items.end(), [](const Value& v) { return v.IsAttributeContainer(); })) {
      throw RenderError("'" + name + "' over a list of mappings");
    }
    for (const NodePtr& argument : call->items) {
      if (argument->kind != NodeKind::kString) throw RenderError("string literal arguments of '" + name + "'");
    }
  }
  std::vector<Value> arguments;
  for (const NodePtr& argument : call->items) arguments.push_back(Evaluate(argument.get(), scope));
  const size_t first_test = by_attribute ? 1 : 0;
  const Value* test = arguments.size() > first_test ? &arguments[first_test] : nullptr;
  const Value* test_argument = arguments.size() > first_test + 1 ? &arguments[first_test + 1] : nullptr;
  if (test && !test->IsString()) throw RenderError("a test name");
  if (by_attribute && arguments.empty()) throw RenderError("an attribute name for '" + name + "'");
  std::vector<Value> kept;
  for (const Value& item : items) {
    bool result;
    if (by_attribute) {
      const Value* value = item.map->Find(arguments[0].str());
      result = value != nullptr && (test ? ApplyTest(test->str(), *value, test_argument) : Truthy(*value));
    } else {
      result = test ? ApplyTest(test->str(), item, test_argument) : Truthy(item);
    }
    if (result == select) kept.push_back(item);
  }
  return heap_->List(ValueKind::kArray, std::move(kept));
}

Value Interpreter::ApplyStringCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope) {
  std::vector<Value> positional;
  Value keywords;
  EvaluateArguments(call->items, scope, &positional, &keywords);
  if (name == "indent") {
    const Value width = Argument(positional, 0, keywords, "width", Value::Integer(4));
    if (!width.Is(ValueKind::kInteger) && !width.IsString()) throw RenderError("indent's width to be an integer or a string");
    const bool first = RawTruthy(Argument(positional, 1, keywords, "first", Value::Boolean(false)));
    const bool blank = RawTruthy(Argument(positional, 2, keywords, "blank", Value::Boolean(false)));
    if (width.Is(ValueKind::kInteger) && width.number > 1e6) throw RenderError("an indent of at most 1000000 spaces");
    const std::string indent = width.IsString() ? width.str() : std::string(width.number > 0 ? static_cast<size_t>(width.number) : 0, ' ');
    const std::string& text = operand.str();
    const double lines = static_cast<double>(std::count(text.begin(), text.end(), '\n') + 1);
    if (text.size() + lines * indent.size() > max_bytes()) throw RenderError("an indented text of at most " + std::to_string(max_bytes()) + " bytes");
    return String(IndentLines(text, indent, first, blank));
  }
  if (name == "replace") {
    std::vector<Value> arguments = positional;
    arguments.push_back(keywords);
    return CallStringMethod(*StringMember(operand, "replace").function, arguments);
  }
  UnknownFilter(name, operand);
}

bool Interpreter::ApplyTest(const std::string& name, const Value& operand, const Value* argument) {
  if (name == "boolean") return operand.Is(ValueKind::kBoolean);
  if (name == "callable") return operand.Is(ValueKind::kFunction);
  if (name == "odd" || name == "even") {
    if (!operand.Is(ValueKind::kInteger)) throw RenderError("an integer for the test '" + name + "'");
    const bool odd = std::fmod(operand.number, 2) != 0;
    return name == "odd" ? odd : !odd;
  }
  if (name == "false") return operand.Is(ValueKind::kBoolean) && !operand.boolean;
  if (name == "true") return operand.Is(ValueKind::kBoolean) && operand.boolean;
  if (name == "none") return operand.IsNull();
  if (name == "string") return operand.IsString();
  if (name == "number") return operand.IsNumber();
  if (name == "integer") return operand.Is(ValueKind::kInteger);
  if (name == "iterable") return operand.Is(ValueKind::kArray) || operand.IsString();
  if (name == "mapping") return operand.IsObject();
  if (name == "sequence") return operand.IsListLike() || operand.IsObject() || operand.IsString();
  if (name == "lower") return operand.IsString() && operand.str() == JsToLower(operand.str());
  if (name == "upper") return operand.IsString() && operand.str() == JsToUpper(operand.str());
  if (name == "defined") return !operand.IsUndefined();
  if (name == "undefined") return operand.IsUndefined();
  if (name == "equalto" || name == "eq") {
    if (argument == nullptr) throw RenderError("a value to compare with for the test '" + name + "'");
    return StrictEquals(operand, *argument);
  }
  throw RenderError("a known test, got '" + name + "'");
}

}  // namespace steptree::jinja

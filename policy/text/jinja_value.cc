// Template values: memory, truthiness, printing, JSON, equality and order
// (policy/text/jinja_value.h).
#include "policy/text/jinja_value.h"

#include <algorithm>
#include <cmath>

#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

constexpr int kMaxPrintDepth = 100;

// Appends to a string that may not grow past max_bytes.
class BoundedText {
 public:
  explicit BoundedText(size_t max_bytes) : max_bytes_(max_bytes) {}
  void Append(std::string_view piece) {
    if (text_.size() + piece.size() > max_bytes_) {
      throw RenderError("a value that prints in at most " + std::to_string(max_bytes_) + " bytes");
    }
    text_.append(piece);
  }
  std::string Take() { return std::move(text_); }

 private:
  size_t max_bytes_;
  std::string text_;
};

// The sort key of String.prototype.localeCompare, roughly (ICU's root collation for ASCII:
// punctuation, then digits, then letters ignoring case; lower case first on a tie).
int LocaleCompare(const std::string& a, const std::string& b) {
  auto primary = [](unsigned char c) -> int {
    if (c >= '0' && c <= '9') return 0x100 + c;
    if (c >= 'A' && c <= 'Z') return 0x200 + (c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') return 0x200 + c;
    return c < 0x80 ? c : 0x300 + c;
  };
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const int pa = primary(a[i]), pb = primary(b[i]);
    if (pa != pb) return pa < pb ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] > b[i] ? -1 : 1;  // 'a' (0x61) before 'A' (0x41)
  }
  return 0;
}

std::string Spaces(double count) {
  if (!(count >= 0) || std::isinf(count) || count > 1e6) throw RenderError("an indent from 0 to 1000000 spaces");
  return std::string(static_cast<size_t>(count), ' ');
}

void AppendJson(const Value& value, const JsonOptions& options, int depth, bool undefined_as_null, BoundedText* out);

void AppendJsonContainer(const Value& value, const JsonOptions& options, int depth, bool undefined_as_null,
                         BoundedText* out) {
  const bool indented = options.indent && *options.indent != 0 && !std::isnan(*options.indent);
  std::string item_separator = indented ? "," : ", ", key_separator = ": ";
  if (options.separators) std::tie(item_separator, key_separator) = *options.separators;
  std::string base_padding, child_padding;
  if (indented) {
    const std::string unit = Spaces(*options.indent);
    base_padding = "\n";
    for (int i = 0; i < depth; ++i) base_padding += unit;
    child_padding = base_padding + unit;
  }
  if (value.kind == ValueKind::kArray) {
    const std::vector<Value>& items = value.list->items;
    out->Append("[");
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out->Append(item_separator);
      if (indented) out->Append(child_padding);
      AppendJson(items[i], options, depth + 1, undefined_as_null, out);
    }
    if (indented && !items.empty()) out->Append(base_padding);
    out->Append("]");
    return;
  }
  std::vector<const std::pair<std::string, Value>*> entries;
  for (const auto& entry : value.map->entries()) entries.push_back(&entry);
  if (options.sort_keys) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto* a, const auto* b) { return LocaleCompare(a->first, b->first) < 0; });
  }
  out->Append("{");
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out->Append(item_separator);
    if (indented) out->Append(child_padding);
    out->Append(JsonQuote(entries[i]->first, options.ensure_ascii));
    out->Append(key_separator);
    AppendJson(entries[i]->second, options, depth + 1, undefined_as_null, out);
  }
  if (indented && !entries.empty()) out->Append(base_padding);
  out->Append("}");
}

void AppendJson(const Value& value, const JsonOptions& options, int depth, bool undefined_as_null, BoundedText* out) {
  if (depth > kMaxPrintDepth) throw RenderError("a value nested at most " + std::to_string(kMaxPrintDepth) + " deep to print");
  switch (value.kind) {
    case ValueKind::kNull: return out->Append("null");
    case ValueKind::kUndefined: return out->Append(undefined_as_null ? "null" : "undefined");
    case ValueKind::kInteger:
    case ValueKind::kFloat: return out->Append(JsonNumber(value.number));
    case ValueKind::kBoolean: return out->Append(value.boolean ? "true" : "false");
    case ValueKind::kString: return out->Append(JsonQuote(value.str(), options.ensure_ascii));
    case ValueKind::kArray:
    case ValueKind::kNamespace:
    case ValueKind::kObject: return AppendJsonContainer(value, options, depth, undefined_as_null, out);
    default: throw RenderError(std::string("a value that converts to JSON, got a ") + KindName(value.kind));
  }
}

// A JavaScript value as loose equality sees it: a primitive, or an object by identity.
struct JsPrimitive {
  enum Type { kUndefined, kNull, kBoolean, kNumber, kString, kObject } type = kUndefined;
  bool boolean = false;
  double number = 0;
  std::string text;
  const void* identity = nullptr;
  const Value* source = nullptr;
};

JsPrimitive RawOf(const Value& v) {
  JsPrimitive p;
  p.source = &v;
  switch (v.kind) {
    case ValueKind::kUndefined: break;
    case ValueKind::kNull: p.type = JsPrimitive::kNull; break;
    case ValueKind::kBoolean: p.type = JsPrimitive::kBoolean, p.boolean = v.boolean; break;
    case ValueKind::kInteger:
    case ValueKind::kFloat: p.type = JsPrimitive::kNumber, p.number = v.number; break;
    case ValueKind::kString: p.type = JsPrimitive::kString, p.text = v.str(); break;
    case ValueKind::kArray:
    case ValueKind::kTuple: p.type = JsPrimitive::kObject, p.identity = v.list; break;
    case ValueKind::kFunction: p.type = JsPrimitive::kObject, p.identity = v.function; break;
    default: p.type = JsPrimitive::kObject, p.identity = v.map; break;
  }
  return p;
}

bool Loose(const JsPrimitive& x, const JsPrimitive& y, int depth) {
  using T = JsPrimitive;
  if (depth > 4) return false;
  if (x.type == y.type) {
    switch (x.type) {
      case T::kUndefined:
      case T::kNull: return true;
      case T::kBoolean: return x.boolean == y.boolean;
      case T::kNumber: return x.number == y.number;
      case T::kString: return x.text == y.text;
      case T::kObject: return x.identity == y.identity;
    }
  }
  const bool x_nullish = x.type == T::kUndefined || x.type == T::kNull;
  const bool y_nullish = y.type == T::kUndefined || y.type == T::kNull;
  if (x_nullish || y_nullish) return x_nullish && y_nullish;
  auto number = [](double n) {
    JsPrimitive p;
    p.type = JsPrimitive::kNumber;
    p.number = n;
    return p;
  };
  if (x.type == T::kNumber && y.type == T::kString) return x.number == JsStringToNumber(y.text);
  if (x.type == T::kString && y.type == T::kNumber) return JsStringToNumber(x.text) == y.number;
  if (x.type == T::kBoolean) return Loose(number(x.boolean ? 1 : 0), y, depth + 1);
  if (y.type == T::kBoolean) return Loose(x, number(y.boolean ? 1 : 0), depth + 1);
  auto primitive = [](const JsPrimitive& object) {
    JsPrimitive p;
    p.type = JsPrimitive::kString;
    p.text = JsString(*object.source, size_t{1} << 20);
    return p;
  };
  if (x.type == T::kObject) return Loose(primitive(x), y, depth + 1);
  if (y.type == T::kObject) return Loose(x, primitive(y), depth + 1);
  return false;
}

// Which values CompareValues can order against each other: 0 null, 1 undefined, 2 numbers
// and booleans, 3 strings, 4 nothing (not even its own kind).
int OrderClass(const Value& v) {
  if (v.IsNull()) return 0;
  if (v.IsUndefined()) return 1;
  if (v.IsNumberLike()) return 2;
  if (v.IsString()) return 3;
  return 4;
}

void MergeSort(std::vector<Value>* values, std::vector<Value>* keys, size_t first, size_t last,
               const std::function<int(const Value&, const Value&)>& compare) {
  if (last - first < 2) return;
  const size_t middle = first + (last - first) / 2;
  MergeSort(values, keys, first, middle, compare);
  MergeSort(values, keys, middle, last, compare);
  std::vector<Value> merged_values, merged_keys;
  size_t left = first, right = middle;
  while (left < middle || right < last) {
    const bool take_right = left == middle || (right < last && compare((*keys)[right], (*keys)[left]) < 0);
    const size_t from = take_right ? right++ : left++;
    merged_values.push_back((*values)[from]);
    merged_keys.push_back((*keys)[from]);
  }
  std::move(merged_values.begin(), merged_values.end(), values->begin() + first);
  std::move(merged_keys.begin(), merged_keys.end(), keys->begin() + first);
}

}  // namespace

const Value* MapData::Find(std::string_view key) const {
  if (index_.empty()) {
    for (const auto& entry : entries_) {
      if (entry.first == key) return &entry.second;
    }
    return nullptr;
  }
  const auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

bool MapData::Set(const std::string& key, Value value) {
  if (Value* existing = const_cast<Value*>(Find(key))) {
    *existing = std::move(value);
    return false;
  }
  entries_.emplace_back(key, std::move(value));
  if (entries_.size() > kIndexedSize) {
    if (index_.empty()) {
      for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
    } else {
      index_.emplace(key, entries_.size() - 1);
    }
  }
  return true;
}

void Heap::Charge(size_t cells) {
  cells_ += cells;
  if (cells_ > limits_.max_cells) {
    throw RenderError("a template that holds at most " + std::to_string(limits_.max_cells) + " values at once");
  }
}

Value Heap::String(std::string text) {
  if (text.size() > limits_.max_string_bytes) {
    throw RenderError("strings of at most " + std::to_string(limits_.max_string_bytes) + " bytes");
  }
  string_bytes_ += text.size();
  if (string_bytes_ > limits_.max_total_string_bytes) {
    throw RenderError("a template that makes at most " + std::to_string(limits_.max_total_string_bytes) +
                      " bytes of strings");
  }
  Value v;
  v.kind = ValueKind::kString;
  v.text = std::make_shared<const std::string>(std::move(text));
  return v;
}

Value Heap::List(ValueKind kind, std::vector<Value> items) {
  Charge(items.size() + 1);
  lists_.push_back(ListData{std::move(items)});
  Value v;
  v.kind = kind;
  v.list = &lists_.back();
  return v;
}

Value Heap::Map(ValueKind kind) {
  Charge(1);
  maps_.emplace_back();
  Value v;
  v.kind = kind;
  v.map = &maps_.back();
  return v;
}

void Heap::Set(const Value& map, const std::string& key, Value value) {
  if (map.map->Set(key, std::move(value))) Charge(2);
}

Value Heap::Function(FunctionData data) {
  Charge(1);
  functions_.push_back(std::move(data));
  Value v;
  v.kind = ValueKind::kFunction;
  v.function = &functions_.back();
  return v;
}

Environment* Heap::Scope(Environment* parent) {
  Charge(1);
  scopes_.emplace_back();
  scopes_.back().parent = parent;
  return &scopes_.back();
}

bool Truthy(const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNull: return false;
    case ValueKind::kBoolean: return value.boolean;
    case ValueKind::kInteger:
    case ValueKind::kFloat: return value.number != 0 && !std::isnan(value.number);
    case ValueKind::kString: return !value.str().empty();
    case ValueKind::kArray:
    case ValueKind::kTuple: return !value.list->items.empty();
    case ValueKind::kObject:
    case ValueKind::kKeywordArguments: return value.map->size() > 0;
    case ValueKind::kNamespace:
    case ValueKind::kFunction: return true;
  }
  return false;
}

const char* KindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kUndefined: return "undefined";
    case ValueKind::kNull: return "none";
    case ValueKind::kBoolean: return "boolean";
    case ValueKind::kInteger: return "integer";
    case ValueKind::kFloat: return "float";
    case ValueKind::kString: return "string";
    case ValueKind::kArray: return "list";
    case ValueKind::kTuple: return "tuple";
    case ValueKind::kObject: return "mapping";
    case ValueKind::kNamespace: return "namespace";
    case ValueKind::kKeywordArguments: return "keyword arguments";
    case ValueKind::kFunction: return "function";
  }
  return "value";
}

std::string DisplayString(const Value& value, size_t max_bytes) {
  switch (value.kind) {
    case ValueKind::kUndefined: return "undefined";
    case ValueKind::kNull: return "null";
    case ValueKind::kBoolean: return value.boolean ? "true" : "false";
    case ValueKind::kInteger: return JsNumberToString(value.number);
    case ValueKind::kFloat: return JsFloatToString(value.number);
    case ValueKind::kString: return value.str();
    case ValueKind::kFunction: return "function";
    default: return ToJson(value, JsonOptions{}, false, max_bytes);
  }
}

std::string JsString(const Value& value, size_t max_bytes) {
  switch (value.kind) {
    case ValueKind::kInteger:
    case ValueKind::kFloat: return JsNumberToString(value.number);
    case ValueKind::kArray:
    case ValueKind::kTuple: {
      BoundedText out(max_bytes);
      for (size_t i = 0; i < value.list->items.size(); ++i) {
        if (i > 0) out.Append(",");
        out.Append(DisplayString(value.list->items[i], max_bytes));
      }
      return out.Take();
    }
    case ValueKind::kObject:
    case ValueKind::kNamespace:
    case ValueKind::kKeywordArguments: return "[object Map]";
    default: return DisplayString(value, max_bytes);
  }
}

std::string ToJson(const Value& value, const JsonOptions& options, bool undefined_as_null, size_t max_bytes) {
  BoundedText out(max_bytes);
  AppendJson(value, options, 0, undefined_as_null, &out);
  return out.Take();
}

bool LooseEquals(const Value& a, const Value& b) { return Loose(RawOf(a), RawOf(b), 0); }

bool StrictEquals(const Value& a, const Value& b) {
  const JsPrimitive x = RawOf(a), y = RawOf(b);
  return x.type == y.type && Loose(x, y, 0);
}

bool SameValueZero(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber() && std::isnan(a.number) && std::isnan(b.number)) return true;
  return StrictEquals(a, b);
}

int CompareValues(const Value& a, const Value& b, bool case_sensitive) {
  if (a.IsNull() || b.IsNull()) {
    if (a.IsNull() && b.IsNull()) return 0;
    throw RenderError(std::string("values that compare, got ") + KindName(a.kind) + " and " + KindName(b.kind));
  }
  if (a.IsUndefined() || b.IsUndefined()) {
    if (a.IsUndefined() && b.IsUndefined()) return 0;
    throw RenderError(std::string("values that compare, got ") + KindName(a.kind) + " and " + KindName(b.kind));
  }
  if (a.IsNumberLike() && b.IsNumberLike()) {
    const double x = a.NumberOrBoolean(), y = b.NumberOrBoolean();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind != b.kind) {
    throw RenderError(std::string("values of one kind to compare, got ") + KindName(a.kind) + " and " + KindName(b.kind));
  }
  if (!a.IsString()) throw RenderError(std::string("values that have an order, got ") + KindName(a.kind));
  if (case_sensitive) return CompareUtf16(a.str(), b.str());
  return CompareUtf16(JsToLower(a.str()), JsToLower(b.str()));
}

void SortValues(std::vector<Value>* values, bool case_sensitive, bool reverse,
                const std::function<Value(const Value&)>& key) {
  std::vector<Value> keys;
  for (const Value& v : *values) keys.push_back(key(v));
  // Any two values of different classes (or of an unordered kind) would meet in some
  // comparison of the reference's sort, which then fails: fail up front instead.
  for (size_t i = 1; i < keys.size(); ++i) {
    if (OrderClass(keys[i]) != OrderClass(keys[0]) || OrderClass(keys[0]) == 4) CompareValues(keys[0], keys[i], false);
  }
  MergeSort(values, &keys, 0, values->size(), [case_sensitive, reverse](const Value& a, const Value& b) {
    const int order = CompareValues(a, b, case_sensitive);
    return reverse ? -order : order;
  });
}

}  // namespace steptree::jinja

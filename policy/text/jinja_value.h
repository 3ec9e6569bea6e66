// The values a chat template computes with, and what the reference renderer
// (@huggingface/jinja 0.5.13, runtime.ts) does with them: truthiness, printing, tojson,
// equality and ordering. No torch here.
//
// Kinds follow the reference's runtime types: undefined, none (null), booleans, integers and
// floats (both JavaScript numbers, i.e. doubles; "integer" only records that the value
// came from an integer literal or integer arithmetic, which changes how it prints), strings
// (WTF-8, see policy/text/jinja_js.h), arrays, tuples (printing one fails, as in the
// reference), objects (insertion-ordered maps; the loop object and keyword arguments are
// objects too), namespaces (mutable, attribute access only) and functions.
//
// Ownership: arrays, maps, functions and scopes live in the Heap of one rendering and die
// with it, all at once, never recursively; a Value refers to them by plain pointer, so a
// namespace may contain itself without leaking, and `==` on containers compares identity,
// as the reference does. Strings are shared and immutable. Every allocation is charged to
// the Heap's RenderLimits: exceeding one throws RenderError, never an out-of-memory crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace steptree::jinja {

struct Node;
struct ListData;
class MapData;
struct FunctionData;
struct Environment;

// What one rendering may use. A template from a model repository is untrusted input.
struct RenderLimits {
  size_t max_string_bytes = size_t{64} << 20;         // any one string, the output included
  size_t max_total_string_bytes = size_t{256} << 20;  // all strings made while rendering
  size_t max_cells = size_t{4} << 20;  // list items (1 each), map entries (2), functions, scopes
  size_t max_steps = 20'000'000;       // evaluations and loop iterations
  int max_depth = 400;                                // nested evaluations (macro calls included)
};

// A template failed while rendering (a type error, an unknown filter, a limit). offset:
// where in the template text, when known.
class RenderError : public std::runtime_error {
 public:
  explicit RenderError(const std::string& message) : std::runtime_error(message) {}
  std::optional<size_t> offset;
};

// The template called raise_exception(message).
class RaisedError : public std::runtime_error {
 public:
  explicit RaisedError(const std::string& message) : std::runtime_error(message) {}
};

enum class ValueKind : uint8_t {
  kUndefined,
  kNull,
  kBoolean,
  kInteger,
  kFloat,
  kString,
  kArray,
  kTuple,
  kObject,
  kNamespace,
  kKeywordArguments,  // the keyword arguments of a call, passed as the last argument
  kFunction,
};

struct Value {
  ValueKind kind = ValueKind::kUndefined;
  bool boolean = false;
  double number = 0;
  std::shared_ptr<const std::string> text;  // kString
  ListData* list = nullptr;                 // kArray, kTuple
  MapData* map = nullptr;                   // kObject, kNamespace, kKeywordArguments
  FunctionData* function = nullptr;         // kFunction

  static Value Null() { return Make(ValueKind::kNull); }
  static Value Boolean(bool b) {
    Value v = Make(ValueKind::kBoolean);
    v.boolean = b;
    return v;
  }
  static Value Integer(double n) { return Number(ValueKind::kInteger, n); }
  static Value Float(double n) { return Number(ValueKind::kFloat, n); }

  bool Is(ValueKind k) const { return kind == k; }
  bool IsUndefined() const { return kind == ValueKind::kUndefined; }
  bool IsNull() const { return kind == ValueKind::kNull; }
  bool IsString() const { return kind == ValueKind::kString; }
  bool IsNumber() const { return kind == ValueKind::kInteger || kind == ValueKind::kFloat; }
  bool IsNumberLike() const { return IsNumber() || kind == ValueKind::kBoolean; }
  // The reference's `instanceof ArrayValue` (tuples included).
  bool IsListLike() const { return kind == ValueKind::kArray || kind == ValueKind::kTuple; }
  // `instanceof ObjectValue` (the loop object and keyword arguments included).
  bool IsObject() const { return kind == ValueKind::kObject || kind == ValueKind::kKeywordArguments; }
  bool IsAttributeContainer() const { return IsObject() || kind == ValueKind::kNamespace; }
  const std::string& str() const { return *text; }
  double NumberOrBoolean() const { return kind == ValueKind::kBoolean ? (boolean ? 1 : 0) : number; }

 private:
  static Value Make(ValueKind k) {
    Value v;
    v.kind = k;
    return v;
  }
  static Value Number(ValueKind k, double n) {
    Value v = Make(k);
    v.number = n;
    return v;
  }
};

struct ListData {
  std::vector<Value> items;
};

// An insertion-ordered map from strings (a JavaScript Map): setting an existing key keeps
// its place. Small maps (most: messages, loop objects) are searched in order; a hash index
// is built once a map passes kIndexedSize entries.
class MapData {
 public:
  const Value* Find(std::string_view key) const;
  // True when the key is new.
  bool Set(const std::string& key, Value value);
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  static constexpr size_t kIndexedSize = 12;
  std::vector<std::pair<std::string, Value>> entries_;
  std::unordered_map<std::string, size_t> index_;  // empty until entries_ passes kIndexedSize
};

enum class FunctionKind {
  kMacro,           // node = the kMacro, scope = where it was defined
  kCaller,          // the body of a {% call %} block: node = the kCallStatement, scope
  kNamespace,       // namespace(...)
  kRange,           // range(...)
  kRaiseException,  // raise_exception(message)
  kStrftimeNow,     // strftime_now(format)
  kStringMethod,    // name of the method, receiver = the string
  kObjectMethod,    // get, items, keys, values, dictsort; receiver = the object
};

struct FunctionData {
  FunctionKind kind;
  std::string name;
  Value receiver;
  const Node* node = nullptr;
  Environment* scope = nullptr;
};

// One scope of variables. The reference gives every scope its own `namespace` function,
// so a `namespace` set in an outer scope is hidden in inner ones (the interpreter's lookup
// does that).
struct Environment {
  Environment* parent = nullptr;
  std::unordered_map<std::string, Value> variables;
  bool call_block_scope = false;  // the scope a {% call %} passes to the macro it calls
};

// The memory of one rendering (see the header comment).
class Heap {
 public:
  explicit Heap(const RenderLimits& limits) : limits_(limits) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  const RenderLimits& limits() const { return limits_; }
  Value String(std::string text);
  Value List(ValueKind kind, std::vector<Value> items);  // kArray or kTuple
  Value Map(ValueKind kind);                             // kObject, kNamespace or kKeywordArguments
  void Set(const Value& map, const std::string& key, Value value);
  Value Function(FunctionData data);
  Environment* Scope(Environment* parent);

 private:
  void Charge(size_t cells);

  RenderLimits limits_;
  size_t cells_ = 0;
  size_t string_bytes_ = 0;
  std::deque<ListData> lists_;
  std::deque<MapData> maps_;
  std::deque<FunctionData> functions_;
  std::deque<Environment> scopes_;
};

// The reference's __bool__: empty strings, zero, NaN, none, undefined, empty arrays and
// objects are false; namespaces and functions are true.
bool Truthy(const Value& value);

// A short name of a value's kind for messages ("string", "undefined", ...).
const char* KindName(ValueKind kind);

// The text a value prints as ({{ value }}; RuntimeValue.toString): integers as JavaScript
// prints numbers, floats with ".0" when whole, booleans "true"/"false", containers as
// compact JSON with undefined as "undefined". Throws RenderError for tuples (inside
// containers too) and past `max_bytes`.
std::string DisplayString(const Value& value, size_t max_bytes);
// String(value) of the reference's raw JavaScript value (what `~`, `+` with a string, and
// raise_exception use): numbers without ".0", arrays as their items' DisplayString joined
// by ",", objects "[object Map]", none "null", undefined "undefined".
std::string JsString(const Value& value, size_t max_bytes);

struct JsonOptions {
  std::optional<double> indent;  // spaces; none, 0: one line
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::optional<std::pair<std::string, std::string>> separators;  // item, key
};
// The reference's tojson: Python's json.dumps layout (", " and ": ", or "," with an indent),
// numbers as JSON.stringify writes them (1.0 is "1"), undefined as null (or as undefined
// when !undefined_as_null, which DisplayString uses). RenderError for functions, tuples,
// keyword arguments, values nested deeper than 100 (a namespace containing itself) and
// output past `max_bytes`.
std::string ToJson(const Value& value, const JsonOptions& options, bool undefined_as_null, size_t max_bytes);

// The reference's `left.value == right.value` (JavaScript's loose equality on the raw
// values; containers by identity).
bool LooseEquals(const Value& a, const Value& b);
// `===` on the raw values (membership in a list).
bool StrictEquals(const Value& a, const Value& b);
// SameValueZero on the raw values (unique).
bool SameValueZero(const Value& a, const Value& b);

// The reference's ordering for sort and dictsort: -1, 0, 1; RenderError for values of
// different kinds (numbers and booleans compare as numbers), or kinds without an order.
int CompareValues(const Value& a, const Value& b, bool case_sensitive);
// Sorts stably by CompareValues (a merge sort: safe whatever the comparison does).
// `key` picks what to compare of each item. RenderError as CompareValues.
void SortValues(std::vector<Value>* values, bool case_sensitive, bool reverse,
                const std::function<Value(const Value&)>& key);

}  // namespace steptree::jinja

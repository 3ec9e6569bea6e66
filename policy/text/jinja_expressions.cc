// Expressions of the template interpreter: operators, member access, slices and calls
// (policy/text/jinja_interpreter.h).
#include <algorithm>
#include <cmath>

#include "policy/text/jinja_interpreter.h"
#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

// Counts nesting; past the limit the template is refused (deep macro recursion).
class EvaluationDepth {
 public:
  EvaluationDepth(int* depth, int limit) : depth_(depth) {
    if (++*depth_ > limit) throw RenderError("a template that nests evaluations at most " + std::to_string(limit) + " deep");
  }
  ~EvaluationDepth() { --*depth_; }

 private:
  int* depth_;
};

// Python-like slicing of `length` items: the indexes visited, as the reference computes
// them (a zero step visits nothing).
std::vector<size_t> SliceIndexes(size_t length, const Value& start_value, const Value& stop_value, const Value& step_value) {
  const double n = static_cast<double>(length);
  const double step = step_value.IsUndefined() ? 1 : step_value.number;
  const int direction = step > 0 ? 1 : step < 0 ? -1 : 0;
  double start, stop;
  if (direction >= 0) {
    start = start_value.IsUndefined() ? 0 : start_value.number;
    start = start < 0 ? std::max(n + start, 0.0) : std::min(start, n);
    stop = stop_value.IsUndefined() ? n : stop_value.number;
    stop = stop < 0 ? std::max(n + stop, 0.0) : std::min(stop, n);
  } else {
    start = start_value.IsUndefined() ? n - 1 : start_value.number;
    start = start < 0 ? std::max(n + start, -1.0) : std::min(start, n - 1);
    stop = stop_value.IsUndefined() ? -1 : stop_value.number;
    stop = stop < -1 ? std::max(n + stop, -1.0) : std::min(stop, n - 1);
  }
  std::vector<size_t> indexes;
  if (direction == 0 || std::isnan(start) || std::isnan(stop)) return indexes;
  for (double i = start; direction * i < direction * stop; i += step) {
    if (i >= 0 && i < n) indexes.push_back(static_cast<size_t>(i));
  }
  return indexes;
}

double Power(double a, double b) {
  if (std::isnan(b) || (std::isinf(b) && std::fabs(a) == 1)) return NAN;  // JavaScript's **
  return std::pow(a, b);
}

}  // namespace

Value Interpreter::Evaluate(const Node* node, Environment* scope) {
  if (node == nullptr) return Value();
  EvaluationDepth depth(&depth_, heap_->limits().max_depth);
  if (++steps_ > heap_->limits().max_steps) {
    throw RenderError("a template that renders in at most " + std::to_string(heap_->limits().max_steps) + " steps");
  }
  try {
    switch (node->kind) {
      case NodeKind::kString: {
        Value text;
        text.kind = ValueKind::kString;
        text.text = node->literal;
        return text;
      }
      case NodeKind::kInteger: return Value::Integer(node->number);
      case NodeKind::kFloat: return Value::Float(node->number);
      case NodeKind::kBinary: return EvaluateBinary(node, scope);
      case NodeKind::kMember: return EvaluateMember(node, scope);
      case NodeKind::kCall: {
        const std::vector<Value> arguments = EvaluateCallArguments(node->items, scope);
        const Value function = Evaluate(node->a.get(), scope);
        if (!function.Is(ValueKind::kFunction)) throw RenderError(std::string("a function to call, got ") + KindName(function.kind));
        return Call(function, arguments, scope);
      }
      case NodeKind::kFilter: return ApplyFilter(Evaluate(node->a.get(), scope), node->b.get(), scope);
      case NodeKind::kTest: {
        const bool result = ApplyTest(node->text, Evaluate(node->a.get(), scope), nullptr);
        return Value::Boolean(node->flag ? !result : result);
      }
      case NodeKind::kTernary:
        return Evaluate(Truthy(Evaluate(node->a.get(), scope)) ? node->b.get() : node->c.get(), scope);
      case NodeKind::kSelect:
        return Truthy(Evaluate(node->b.get(), scope)) ? Evaluate(node->a.get(), scope) : Value();
      case NodeKind::kUnary: return EvaluateUnary(node, scope);
      case NodeKind::kArray:
      case NodeKind::kTuple: {
        std::vector<Value> items;
        for (const NodePtr& item : node->items) items.push_back(Evaluate(item.get(), scope));
        return heap_->List(node->kind == NodeKind::kArray ? ValueKind::kArray : ValueKind::kTuple, std::move(items));
      }
      case NodeKind::kObject: return EvaluateObjectLiteral(node, scope);
      default: return EvaluateNode(node, scope);
    }
  } catch (RenderError& error) {
    if (!error.offset) error.offset = node->offset;
    throw;
  }
}

Value Interpreter::EvaluateObjectLiteral(const Node* node, Environment* scope) {
  Value object = heap_->Map(ValueKind::kObject);
  for (size_t i = 0; i + 1 < node->items.size(); i += 2) {
    const Value key = Evaluate(node->items[i].get(), scope);
    if (!key.IsString()) throw RenderError(std::string("string keys in a mapping, got ") + KindName(key.kind));
    heap_->Set(object, key.str(), Evaluate(node->items[i + 1].get(), scope));
  }
  return object;
}

Value Interpreter::EvaluateBinary(const Node* node, Environment* scope) {
  const std::string& op = node->text;
  const Value left = Evaluate(node->a.get(), scope);
  if (op == "and") return Truthy(left) ? Evaluate(node->b.get(), scope) : left;
  if (op == "or") return Truthy(left) ? left : Evaluate(node->b.get(), scope);
  return EvaluateOperator(op, left, Evaluate(node->b.get(), scope));
}

// The reference's evaluateBinaryExpression after both sides are known, branch for branch.
Value Interpreter::EvaluateOperator(const std::string& op, const Value& left, const Value& right) {
  if (op == "==") return Value::Boolean(LooseEquals(left, right));
  if (op == "!=") return Value::Boolean(!LooseEquals(left, right));
  const bool any_float = left.Is(ValueKind::kFloat) || right.Is(ValueKind::kFloat);
  auto number = [any_float](double n) { return any_float ? Value::Float(n) : Value::Integer(n); };
  if (left.IsNumber() && right.IsNumber() && op != "~" && op != "**") {
    const double a = left.number, b = right.number;
    if (op == "+") return number(a + b);
    if (op == "-") return number(a - b);
    if (op == "*") return number(a * b);
    if (op == "/") return Value::Float(a / b);
    if (op == "//") return number(std::floor(a / b));
    if (op == "%") return number(std::fmod(a, b));
    if (op == "<") return Value::Boolean(a < b);
    if (op == ">") return Value::Boolean(a > b);
    if (op == ">=") return Value::Boolean(a >= b);
    if (op == "<=") return Value::Boolean(a <= b);
  } else if (left.IsUndefined() || right.IsUndefined()) {
    if (right.IsUndefined() && (op == "in" || op == "not in")) return Value::Boolean(op == "not in");
    if (op == "~" && !left.IsNull() && !right.IsNull()) {
      std::string text = left.IsUndefined() ? "" : JsString(left, max_bytes());
      AppendJs(&text, right.IsUndefined() ? "" : JsString(right, max_bytes()));
      return String(std::move(text));
    }
    throw RenderError("an operation '" + op + "' on defined values, got undefined");
  } else if (left.IsNull() || right.IsNull()) {
    throw RenderError("an operation '" + op + "' on values that are not none");
  } else if (op == "~") {
    std::string text = JsString(left, max_bytes());
    AppendJs(&text, JsString(right, max_bytes()));
    return String(std::move(text));
  } else if (op == "**" && left.IsNumberLike() && right.IsNumberLike()) {
    const double a = left.NumberOrBoolean(), b = right.NumberOrBoolean();
    if (a == 0 && b < 0) throw RenderError("a power of 0.0 that is not negative");
    const double result = Power(a, b);
    if (!std::isfinite(result)) throw RenderError("a power that is a finite real number");
    return any_float || b < 0 ? Value::Float(result) : Value::Integer(result);
  } else if (left.IsListLike() && right.IsListLike()) {
    if (op == "+") {
      std::vector<Value> items = left.list->items;
      items.insert(items.end(), right.list->items.begin(), right.list->items.end());
      return heap_->List(ValueKind::kArray, std::move(items));
    }
  } else if (right.IsListLike()) {
    const std::vector<Value>& items = right.list->items;
    const bool member = std::any_of(items.begin(), items.end(), [&left](const Value& x) { return StrictEquals(x, left); });
    if (op == "in") return Value::Boolean(member);
    if (op == "not in") return Value::Boolean(!member);
  }
  if ((left.IsString() || right.IsString()) && op == "+") {
    std::string text = JsString(left, max_bytes());
    AppendJs(&text, JsString(right, max_bytes()));
    return String(std::move(text));
  }
  if (left.IsString() && right.IsString() && (op == "in" || op == "not in")) {
    const bool found = right.str().find(left.str()) != std::string::npos;
    return Value::Boolean(op == "in" ? found : !found);
  }
  if (left.IsString() && right.IsObject() && (op == "in" || op == "not in")) {
    const bool found = right.map->Find(left.str()) != nullptr;
    return Value::Boolean(op == "in" ? found : !found);
  }
  throw RenderError("an operator '" + op + "' that applies to " + KindName(left.kind) + " and " + KindName(right.kind));
}

Value Interpreter::EvaluateUnary(const Node* node, Environment* scope) {
  const Value operand = Evaluate(node->a.get(), scope);
  if (node->text == "not") return Value::Boolean(!Truthy(operand));
  if (!operand.IsNumberLike()) throw RenderError("a number after unary '" + node->text + "', got " + KindName(operand.kind));
  const double value = (node->text == "-" ? -1 : 1) * operand.NumberOrBoolean();
  return operand.Is(ValueKind::kFloat) ? Value::Float(value) : Value::Integer(value);
}

Value Interpreter::EvaluateMember(const Node* node, Environment* scope) {
  const Value object = Evaluate(node->a.get(), scope);
  const Node* property_node = node->b.get();
  Value property;
  if (node->flag) {
    if (property_node->kind == NodeKind::kSlice) return EvaluateSlice(object, property_node, scope);
    property = Evaluate(property_node, scope);
  } else if (property_node->kind == NodeKind::kInteger) {
    property = Value::Integer(property_node->number);
  } else {
    property = String(property_node->text);
  }
  if (object.IsAttributeContainer()) {
    if (!property.IsString()) throw RenderError(std::string("a string key, got ") + KindName(property.kind));
    if (const Value* found = object.map->Find(property.str())) return *found;
    return object.IsObject() ? ObjectMember(object, property.str()) : Value();
  }
  if (object.IsListLike() || object.IsString()) {
    if (property.Is(ValueKind::kInteger)) {
      if (object.IsString()) {
        const std::optional<std::string> unit = Utf16At(object.str(), property.number);
        return unit ? String(*unit) : Value();
      }
      const std::vector<Value>& items = object.list->items;
      double index = std::isnan(property.number) ? 0 : std::trunc(property.number);
      if (index < 0) index += static_cast<double>(items.size());
      return index >= 0 && index < static_cast<double>(items.size()) ? items[static_cast<size_t>(index)] : Value();
    }
    if (property.IsString()) {
      if (object.IsString()) return StringMember(object, property.str());
      return property.str() == "length" ? Value::Integer(static_cast<double>(object.list->items.size())) : Value();
    }
    throw RenderError(std::string("a string or integer index, got ") + KindName(property.kind));
  }
  if (!property.IsString()) throw RenderError(std::string("a string key, got ") + KindName(property.kind));
  return Value();
}

Value Interpreter::EvaluateSlice(const Value& object, const Node* slice, Environment* scope) {
  if (!object.IsListLike() && !object.IsString()) throw RenderError(std::string("a list or string to slice, got ") + KindName(object.kind));
  const Value start = Evaluate(slice->a.get(), scope);
  const Value stop = Evaluate(slice->b.get(), scope);
  const Value step = Evaluate(slice->c.get(), scope);
  for (const Value* part : {&start, &stop, &step}) {
    if (!part->Is(ValueKind::kInteger) && !part->IsUndefined()) {
      throw RenderError(std::string("integer slice bounds, got ") + KindName(part->kind));
    }
  }
  if (object.IsListLike()) {
    std::vector<Value> items;
    for (size_t i : SliceIndexes(object.list->items.size(), start, stop, step)) items.push_back(object.list->items[i]);
    return heap_->List(ValueKind::kArray, std::move(items));
  }
  const std::vector<std::string> characters = CodePointStrings(object.str());
  std::string text;
  for (size_t i : SliceIndexes(characters.size(), start, stop, step)) AppendJs(&text, characters[i]);
  return String(std::move(text));
}

std::vector<Value> Interpreter::EvaluateCallArguments(const std::vector<NodePtr>& arguments, Environment* scope) {
  const bool plain = std::none_of(arguments.begin(), arguments.end(), [](const NodePtr& a) {
    return a->kind == NodeKind::kKeywordArgument || a->kind == NodeKind::kSpread || a->kind == NodeKind::kKeywordSpread;
  });
  std::vector<Value> values;
  if (plain) {
    for (const NodePtr& argument : arguments) values.push_back(Evaluate(argument.get(), scope));
    return values;
  }
  Value keywords;
  EvaluateArguments(arguments, scope, &values, &keywords);
  if (keywords.map->size() > 0) values.push_back(keywords);
  return values;
}

void Interpreter::EvaluateArguments(const std::vector<NodePtr>& arguments, Environment* scope,
                                    std::vector<Value>* positional, Value* keywords) {
  for (const NodePtr& argument : arguments) {
    if (argument->kind == NodeKind::kSpread) {
      const Value list = Evaluate(argument->a.get(), scope);
      if (!list.IsListLike()) throw RenderError(std::string("a list to unpack with *, got ") + KindName(list.kind));
      positional->insert(positional->end(), list.list->items.begin(), list.list->items.end());
    } else if (argument->kind != NodeKind::kKeywordArgument && argument->kind != NodeKind::kKeywordSpread) {
      positional->push_back(Evaluate(argument.get(), scope));
    }
  }
  *keywords = heap_->Map(ValueKind::kKeywordArguments);
  auto add = [this, keywords](const std::string& key, const Value& value) {
    if (keywords->map->Find(key)) throw RenderError("one value for keyword argument '" + key + "'");
    heap_->Set(*keywords, key, value);
  };
  for (const NodePtr& argument : arguments) {
    if (argument->kind == NodeKind::kKeywordArgument) {
      add(argument->text, Evaluate(argument->a.get(), scope));
    } else if (argument->kind == NodeKind::kKeywordSpread) {
      const Value mapping = Evaluate(argument->a.get(), scope);
      if (!mapping.IsObject()) throw RenderError(std::string("a mapping after **, got ") + KindName(mapping.kind));
      for (const auto& [key, value] : mapping.map->entries()) add(key, value);
    }
  }
}

Value Interpreter::Call(const Value& function, const std::vector<Value>& arguments, Environment* call_site) {
  const FunctionData& data = *function.function;
  if (data.kind == FunctionKind::kMacro || data.kind == FunctionKind::kCaller) return CallMacro(data, arguments, call_site);
  return CallBuiltin(data, arguments);
}

}  // namespace steptree::jinja

// Statements, scopes, loops and macros of the template interpreter
// (policy/text/jinja_interpreter.h).
#include "policy/text/jinja_interpreter.h"

#include <algorithm>
#include <cmath>

#include "policy/text/jinja_js.h"

namespace steptree::jinja {
namespace {

// {% break %} and {% continue %} unwind to the innermost loop as these.
struct BreakSignal {};
struct ContinueSignal {};

// Whether the JSON object key is an array index ("0", "17"; not "01"), which JavaScript
// objects list first, in numeric order.
bool IsArrayIndexKey(const std::string& key, double* index) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return false;
  double value = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *index = value;
  return value < 4294967295.0;
}

}  // namespace

Environment* Interpreter::GlobalScope() {
  Environment* global = heap_->Scope(nullptr);
  namespace_function_ = heap_->Function(FunctionData{FunctionKind::kNamespace, "namespace", Value(), nullptr, nullptr});
  global->variables["false"] = Value::Boolean(false);
  global->variables["true"] = Value::Boolean(true);
  global->variables["none"] = Value::Null();
  global->variables["False"] = Value::Boolean(false);
  global->variables["True"] = Value::Boolean(true);
  global->variables["None"] = Value::Null();
  const std::pair<const char*, FunctionKind> functions[] = {{"raise_exception", FunctionKind::kRaiseException},
                                                            {"range", FunctionKind::kRange},
                                                            {"strftime_now", FunctionKind::kStrftimeNow}};
  for (const auto& [name, kind] : functions) {
    global->variables[name] = heap_->Function(FunctionData{kind, name, Value(), nullptr, nullptr});
  }
  return global;
}

void Interpreter::Declare(Environment* global, const std::string& name, const nlohmann::ordered_json& value) {
  if (name == "namespace" || global->variables.count(name)) {
    throw RenderError("a variable name that is not already defined, got \"" + name + "\"");
  }
  global->variables[name] = FromJson(value);
}

Value Interpreter::FromJson(const nlohmann::ordered_json& json, int depth) {
  if (depth > 512) throw RenderError("a JSON value nested at most 512 deep");
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::Null();
    case nlohmann::ordered_json::value_t::boolean: return Value::Boolean(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned: return Value::Integer(json.get<double>());
    case nlohmann::ordered_json::value_t::number_float: {
      const double number = json.get<double>();
      return std::isfinite(number) && number == std::trunc(number) ? Value::Integer(number) : Value::Float(number);
    }
    case nlohmann::ordered_json::value_t::string: return String(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      for (const auto& item : json) items.push_back(FromJson(item, depth + 1));
      return heap_->List(ValueKind::kArray, std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Value object = heap_->Map(ValueKind::kObject);
      std::vector<std::pair<double, const std::string*>> index_keys;
      for (auto it = json.begin(); it != json.end(); ++it) {
        double index;
        if (IsArrayIndexKey(it.key(), &index)) index_keys.emplace_back(index, &it.key());
      }
      std::sort(index_keys.begin(), index_keys.end());
      for (const auto& [index, key] : index_keys) heap_->Set(object, *key, FromJson(json.at(*key), depth + 1));
      for (auto it = json.begin(); it != json.end(); ++it) {
        double index;
        if (!IsArrayIndexKey(it.key(), &index)) heap_->Set(object, it.key(), FromJson(it.value(), depth + 1));
      }
      return object;
    }
    default: throw RenderError("JSON null, booleans, numbers, strings, arrays or objects");
  }
}

std::string Interpreter::Render(const std::vector<NodePtr>& program, Environment* scope) {
  try {
    return RenderBlock(program, scope);
  } catch (const BreakSignal&) {
    throw RenderError("{% break %} inside a loop");
  } catch (const ContinueSignal&) {
    throw RenderError("{% continue %} inside a loop");
  }
}

void Interpreter::AppendOutput(std::string* out, std::string_view piece) const {
  if (out->size() + piece.size() > max_bytes()) {
    throw RenderError("output of at most " + std::to_string(max_bytes()) + " bytes");
  }
  AppendJs(out, piece);
}

std::string Interpreter::RenderBlock(const std::vector<NodePtr>& statements, Environment* scope) {
  std::string out;
  for (const NodePtr& statement : statements) {
    try {
      switch (statement->kind) {
        case NodeKind::kString: AppendOutput(&out, statement->text); break;
        case NodeKind::kIf: AppendOutput(&out, RenderIf(statement.get(), scope)); break;
        case NodeKind::kFor: AppendOutput(&out, RenderFor(statement.get(), scope)); break;
        case NodeKind::kSet: ExecuteSet(statement.get(), scope); break;
        case NodeKind::kComment: break;
        default: {
          const Value value = Evaluate(statement.get(), scope);
          if (!value.IsNull() && !value.IsUndefined()) AppendOutput(&out, DisplayString(value, max_bytes()));
        }
      }
    } catch (RenderError& error) {
      if (!error.offset) error.offset = statement->offset;
      throw;
    }
  }
  return out;
}

std::string Interpreter::RenderIf(const Node* node, Environment* scope) {
  const bool test = Truthy(Evaluate(node->a.get(), scope));
  return RenderBlock(test ? node->body : node->alternate, scope);
}

Value Interpreter::Lookup(const std::string& name, Environment* scope) {
  // Every scope of the reference has its own `namespace`: the innermost one answers.
  if (name == "namespace") {
    const auto it = scope->variables.find(name);
    return it != scope->variables.end() ? it->second : namespace_function_;
  }
  for (Environment* at = scope; at != nullptr; at = at->parent) {
    const auto it = at->variables.find(name);
    if (it != at->variables.end()) return it->second;
  }
  return Value();
}

void Interpreter::BindLoopVariable(const Node* target, const Value& item, Environment* scope) {
  if (target->kind == NodeKind::kIdentifier) {
    scope->variables[target->text] = item;
    return;
  }
  for (size_t j = 0; j < target->items.size(); ++j) {
    const Node* name = target->items[j].get();
    if (name->kind != NodeKind::kIdentifier) throw RenderError("names to unpack into");
    scope->variables[name->text] = item.list->items[j];
  }
}

// The items a loop visits: checked for unpacking and filtered by `test` before the first
// iteration, as the reference does.
std::vector<Value> Interpreter::LoopItems(const Node* node, const Value& iterable, const Node* test,
                                          Environment* scope) {
  const Node* target = node->a.get();
  const std::vector<Value>& candidates = iterable.list->items;
  if (target->kind == NodeKind::kIdentifier && test == nullptr) return candidates;
  std::vector<Value> items;
  for (const Value& candidate : candidates) {
    if (target->kind == NodeKind::kTuple) {
      if (candidate.kind != ValueKind::kArray) {
        throw RenderError(std::string("a list to unpack, got ") + KindName(candidate.kind));
      }
      if (candidate.list->items.size() != target->items.size()) {
        throw RenderError("lists of " + std::to_string(target->items.size()) + " items to unpack, got " +
                          std::to_string(candidate.list->items.size()));
      }
    }
    if (test != nullptr) {
      Environment* test_scope = heap_->Scope(scope);
      BindLoopVariable(target, candidate, test_scope);
      if (!Truthy(Evaluate(test, test_scope))) continue;
    }
    items.push_back(candidate);
  }
  return items;
}

std::string Interpreter::RenderFor(const Node* node, Environment* outer) {
  Environment* scope = heap_->Scope(outer);
  const Node* test = nullptr;
  Value iterable;
  if (node->b->kind == NodeKind::kSelect) {
    iterable = Evaluate(node->b->a.get(), scope);
    test = node->b->b.get();
  } else {
    iterable = Evaluate(node->b.get(), scope);
  }
  if (iterable.IsObject()) {
    std::vector<Value> keys;
    for (const auto& entry : iterable.map->entries()) keys.push_back(String(entry.first));
    iterable = heap_->List(ValueKind::kArray, std::move(keys));
  }
  if (!iterable.IsListLike()) {
    RenderError error(std::string("a list or mapping to loop over, got ") + KindName(iterable.kind));
    error.offset = node->b->offset;
    throw error;
  }
  const std::vector<Value> items = LoopItems(node, iterable, test, scope);
  std::string out;
  bool no_iteration = true;
  for (size_t i = 0; i < items.size(); ++i) {
    if (++steps_ > heap_->limits().max_steps) throw RenderError("a template that renders in at most " + std::to_string(heap_->limits().max_steps) + " steps");
    if (node->body_uses_loop) {
      const double n = static_cast<double>(items.size()), at = static_cast<double>(i);
      Value loop = heap_->Map(ValueKind::kObject);
      heap_->Set(loop, "index", Value::Integer(at + 1));
      heap_->Set(loop, "index0", Value::Integer(at));
      heap_->Set(loop, "revindex", Value::Integer(n - at));
      heap_->Set(loop, "revindex0", Value::Integer(n - at - 1));
      heap_->Set(loop, "first", Value::Boolean(i == 0));
      heap_->Set(loop, "last", Value::Boolean(i + 1 == items.size()));
      heap_->Set(loop, "length", Value::Integer(n));
      heap_->Set(loop, "previtem", i > 0 ? items[i - 1] : Value());
      heap_->Set(loop, "nextitem", i + 1 < items.size() ? items[i + 1] : Value());
      scope->variables["loop"] = loop;
    }
    BindLoopVariable(node->a.get(), items[i], scope);
    try {
      AppendOutput(&out, RenderBlock(node->body, scope));
    } catch (const ContinueSignal&) {
      continue;
    } catch (const BreakSignal&) {
      break;
    }
    no_iteration = false;
  }
  if (no_iteration) AppendOutput(&out, RenderBlock(node->alternate, scope));
  return out;
}

void Interpreter::ExecuteSet(const Node* node, Environment* scope) {
  const Value value = node->b ? Evaluate(node->b.get(), scope) : String(RenderBlock(node->body, scope));
  const Node* target = node->a.get();
  if (target->kind == NodeKind::kIdentifier) {
    scope->variables[target->text] = value;
  } else if (target->kind == NodeKind::kTuple) {
    if (!value.IsListLike()) throw RenderError(std::string("a list to unpack in set, got ") + KindName(value.kind));
    if (value.list->items.size() != target->items.size()) {
      throw RenderError("a list of " + std::to_string(target->items.size()) + " items to unpack in set, got " +
                        std::to_string(value.list->items.size()));
    }
    for (size_t i = 0; i < target->items.size(); ++i) {
      if (target->items[i]->kind != NodeKind::kIdentifier) throw RenderError("names to unpack into in set");
      scope->variables[target->items[i]->text] = value.list->items[i];
    }
  } else if (target->kind == NodeKind::kMember) {
    const Value object = Evaluate(target->a.get(), scope);
    if (!object.Is(ValueKind::kNamespace)) throw RenderError("a namespace to assign an attribute of");
    if (target->b->kind != NodeKind::kIdentifier) throw RenderError("a name for the attribute to assign");
    heap_->Set(object, target->b->text, value);
  } else {
    throw RenderError("a name, names or namespace attribute to assign to");
  }
}

Value Interpreter::DefineMacro(const Node* node, Environment* scope) {
  scope->variables[node->text] = heap_->Function(FunctionData{FunctionKind::kMacro, node->text, Value(), node, scope});
  return Value::Null();
}

Value Interpreter::CallMacro(const FunctionData& macro, const std::vector<Value>& arguments, Environment* call_site) {
  const Node* node = macro.node;
  Environment* parent = macro.scope;
  if (macro.kind == FunctionKind::kMacro && (node->special_names & kUsesCaller)) {
    Value caller;
    if (call_site != nullptr && call_site->call_block_scope) {
      const auto it = call_site->variables.find("caller");
      if (it != call_site->variables.end()) caller = it->second;
    }
    parent = heap_->Scope(macro.scope);
    parent->variables["caller"] = caller;
  }
  Environment* scope = heap_->Scope(parent);
  const bool is_macro = macro.kind == FunctionKind::kMacro;
  BindArguments(is_macro ? "'" + node->text + "'" : "None", node->items, node->special_names, arguments, scope);
  return String(RenderBlock(node->body, scope));
}

void Interpreter::BindArguments(const std::string& display_name, const std::vector<NodePtr>& parameters,
                                uint8_t special_names, const std::vector<Value>& arguments, Environment* scope) {
  std::vector<Value> positional = arguments;
  std::vector<std::pair<std::string, Value>> keywords;
  if (!positional.empty() && positional.back().Is(ValueKind::kKeywordArguments)) {
    keywords = positional.back().map->entries();
    positional.pop_back();
  }
  std::vector<const Node*> pending_defaults;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Node* parameter = parameters[i].get();
    const std::string& name = parameter->text;
    bool bound = i < positional.size();
    Value value = bound ? positional[i] : Value();
    if (!bound) {
      const auto it = std::find_if(keywords.begin(), keywords.end(), [&name](const auto& k) { return k.first == name; });
      if (it != keywords.end()) {
        value = it->second;
        keywords.erase(it);
        bound = true;
      }
    }
    if (!bound && parameter->kind == NodeKind::kKeywordArgument) pending_defaults.push_back(parameter);
    scope->variables[name] = value;
  }
  if (special_names & kUsesKwargs) {
    Value rest = heap_->Map(ValueKind::kObject);
    for (const auto& [key, value] : keywords) heap_->Set(rest, key, value);
    scope->variables["kwargs"] = rest;
  } else if (!keywords.empty()) {
    throw RenderError("no keyword argument '" + keywords.front().first + "' (macro " + display_name + " takes none)");
  }
  if (special_names & kUsesVarargs) {
    std::vector<Value> extra;
    for (size_t i = parameters.size(); i < positional.size(); ++i) extra.push_back(positional[i]);
    scope->variables["varargs"] = heap_->List(ValueKind::kArray, std::move(extra));
  } else if (positional.size() > parameters.size()) {
    throw RenderError("at most " + std::to_string(parameters.size()) + " argument(s) for macro " + display_name);
  }
  for (const Node* parameter : pending_defaults) scope->variables[parameter->text] = Evaluate(parameter->a.get(), scope);
}

Value Interpreter::EvaluateCallStatement(const Node* node, Environment* scope) {
  const Value caller = heap_->Function(FunctionData{FunctionKind::kCaller, "caller", Value(), node, scope});
  std::vector<Value> arguments;
  Value keywords;
  EvaluateArguments(node->a->items, scope, &arguments, &keywords);
  arguments.push_back(keywords);
  const Value function = Evaluate(node->a->a.get(), scope);
  if (!function.Is(ValueKind::kFunction)) {
    throw RenderError(std::string("a function to call, got ") + KindName(function.kind));
  }
  Environment* call_scope = heap_->Scope(scope);
  call_scope->call_block_scope = true;
  call_scope->variables["caller"] = caller;
  return Call(function, arguments, call_scope);
}

Value Interpreter::EvaluateNode(const Node* node, Environment* scope) {
  switch (node->kind) {
    case NodeKind::kIf: return String(RenderIf(node, scope));
    case NodeKind::kFor: return String(RenderFor(node, scope));
    case NodeKind::kSet: ExecuteSet(node, scope); return Value::Null();
    case NodeKind::kMacro: return DefineMacro(node, scope);
    case NodeKind::kCallStatement: return EvaluateCallStatement(node, scope);
    case NodeKind::kFilterStatement: return ApplyFilter(String(RenderBlock(node->body, scope)), node->b.get(), scope);
    case NodeKind::kComment: return Value::Null();
    case NodeKind::kBreak: throw BreakSignal();
    case NodeKind::kContinue: throw ContinueSignal();
    case NodeKind::kIdentifier: return Lookup(node->text, scope);
    default: throw RenderError("an expression, got a misplaced part of one");
  }
}

}  // namespace steptree::jinja

// Renders a parsed template: statements, expressions, filters, tests and the built-in
// functions, with the semantics of the reference chat-template renderer (@huggingface/jinja
// 0.5.13, runtime.ts; re-implemented from its behaviour, not copied). No torch here.
//
// The interpreter is split by concern: jinja_interpreter.cc (statements, scopes, loops,
// macros), jinja_expressions.cc (operators, member access, slices, calls),
// jinja_filters.cc (filters and tests), jinja_builtins.cc (string and object methods,
// range, namespace, raise_exception, strftime_now, and values from JSON).
//
// What the reference does and so this does too (unlike Python's Jinja2):
//   - an unknown name is undefined; attribute access on undefined or none is undefined, not
//     an error; printing undefined or none prints nothing;
//   - `a == b` is JavaScript's loose equality (1 == true, lists by identity);
//   - strings' strip / lstrip / rstrip ignore their argument and trim all white space;
//   - booleans print "true" / "false", 1.0 prints "1.0" but tojson writes it as 1;
//   - {% for %}'s else block also renders when every iteration ended in {% continue %} or
//     the first in {% break %}, and output of an iteration cut short is dropped;
//   - filters and tests are the reference's (filter list: jinja_filters.cc). Where the
//     reference fails on a filter Python's Jinja2 has (count, d, round, select, reject,
//     wordcount, escape/e, default without parentheses), this renders Jinja2's result.
//
// Scopes: the global scope holds true/false/none (and True/False/None), range,
// raise_exception, strftime_now and the caller's variables; a for loop, a macro call and a
// call block get their own scope; {% set %} writes the innermost one (so, as in Jinja, a set
// inside a loop is not seen after it; a namespace() is).
//
// Limits: Heap's RenderLimits (policy/text/jinja_value.h); each evaluation and each loop
// iteration is a step. Exceeding any throws RenderError.
//
// Thread safety: one Interpreter per rendering; the tree it walks is only read, so
// several renderings of one template may run at once.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/text/jinja_ast.h"
#include "policy/text/jinja_value.h"

namespace steptree::jinja {

class Interpreter {
 public:
  explicit Interpreter(Heap* heap) : heap_(heap) {}

  // The global scope: constants and built-in functions.
  Environment* GlobalScope();
  // Declares a variable of the caller in the global scope; RenderError when the name is
  // taken (a built-in, or given twice), as the reference refuses it.
  void Declare(Environment* global, const std::string& name, const nlohmann::ordered_json& value);
  // The text of the statements rendered in `scope`.
  std::string Render(const std::vector<NodePtr>& program, Environment* scope);

  // A JSON value as the reference converts JavaScript values (whole numbers are integers,
  // object keys in JavaScript's order: array-index keys first, ascending).
  Value FromJson(const nlohmann::ordered_json& json, int depth = 0);

 private:
  // --- statements (jinja_interpreter.cc) ---
  std::string RenderBlock(const std::vector<NodePtr>& statements, Environment* scope);
  std::string RenderIf(const Node* node, Environment* scope);
  std::string RenderFor(const Node* node, Environment* scope);
  std::vector<Value> LoopItems(const Node* node, const Value& iterable, const Node* test, Environment* scope);
  void BindLoopVariable(const Node* target, const Value& item, Environment* scope);
  void ExecuteSet(const Node* node, Environment* scope);
  Value DefineMacro(const Node* node, Environment* scope);
  Value EvaluateCallStatement(const Node* node, Environment* scope);
  void BindArguments(const std::string& display_name, const std::vector<NodePtr>& parameters, uint8_t special_names,
                     const std::vector<Value>& arguments, Environment* scope);
  Value Lookup(const std::string& name, Environment* scope);
  void AppendOutput(std::string* out, std::string_view piece) const;

  // --- expressions (jinja_expressions.cc) ---
 public:
  Value Evaluate(const Node* node, Environment* scope);
  Value Call(const Value& function, const std::vector<Value>& arguments, Environment* call_site);
  // The positional values and, when there are keyword arguments, one kKeywordArguments
  // value after them (the reference's calling convention).
  std::vector<Value> EvaluateCallArguments(const std::vector<NodePtr>& arguments, Environment* scope);
  void EvaluateArguments(const std::vector<NodePtr>& arguments, Environment* scope, std::vector<Value>* positional,
                         Value* keywords);
  Heap& heap() { return *heap_; }
  size_t max_bytes() const { return heap_->limits().max_string_bytes; }
  Value String(std::string text) { return heap_->String(std::move(text)); }

 private:
  Value EvaluateNode(const Node* node, Environment* scope);
  Value EvaluateBinary(const Node* node, Environment* scope);
  Value EvaluateOperator(const std::string& op, const Value& left, const Value& right);
  Value EvaluateUnary(const Node* node, Environment* scope);
  Value EvaluateMember(const Node* node, Environment* scope);
  Value EvaluateSlice(const Value& object, const Node* slice, Environment* scope);
  Value EvaluateObjectLiteral(const Node* node, Environment* scope);
  Value CallMacro(const FunctionData& macro, const std::vector<Value>& arguments, Environment* call_site);

  // --- filters and tests (jinja_filters.cc) ---
 public:
  Value ApplyFilter(const Value& operand, const Node* filter, Environment* scope);
  // The test `name` of the operand (argument: selectattr's third argument, if any).
  bool ApplyTest(const std::string& name, const Value& operand, const Value* argument);

 private:
  Value ApplyPlainFilter(const Value& operand, const std::string& name);
  Value ApplyPlainListFilter(const Value& operand, const std::string& name);
  Value ApplyPlainStringFilter(const Value& operand, const std::string& name);
  Value ApplyCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope);
  Value ApplyListCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope);
  Value ApplyStringCallFilter(const Value& operand, const std::string& name, const Node* call, Environment* scope);
  Value SelectAttribute(const Value& operand, const std::string& name, const Node* call, Environment* scope);

  // --- built-in functions and methods (jinja_builtins.cc) ---
 public:
  // A string's method or property (`length`) called `name`, or undefined.
  Value StringMember(const Value& text, const std::string& name);
  // An object's method called `name`, or undefined.
  Value ObjectMember(const Value& object, const std::string& name);
  Value CallBuiltin(const FunctionData& function, const std::vector<Value>& arguments);

 private:
  Value CallStringMethod(const FunctionData& method, const std::vector<Value>& arguments);
  Value CallObjectMethod(const FunctionData& method, const std::vector<Value>& arguments);
  Value MakeNamespace(const std::vector<Value>& arguments);
  Value MakeRange(const std::vector<Value>& arguments);

  Heap* heap_;
  Value namespace_function_;
  size_t steps_ = 0;
  int depth_ = 0;
};

// Python's getattr path of sort(attribute=...) and map(attribute=...): "a.b.0" through
// objects, namespaces and lists; undefined when a part is missing.
Value AttributePath(const Value& item, const std::string& path);

}  // namespace steptree::jinja

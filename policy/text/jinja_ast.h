// The syntax tree of a Jinja template (policy/text/jinja_parser.h builds it, the interpreter
// in policy/text/jinja_interpreter.h walks it). The node kinds are those of the reference
// chat-template renderer (@huggingface/jinja 0.5.13, ast.ts); one Node struct holds them all,
// its fields read per kind as listed below. No torch here.
//
// Invariants: a node owns its children; `height` is 1 + the largest child height, at most
// kMaxTreeHeight (the parser refuses deeper templates), so walking or freeing a tree
// recurses at most that deep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace steptree::jinja {

constexpr int kMaxTreeHeight = 200;

enum class NodeKind {
  // Statements                fields used
  kIf,               // a = test, body, alternate (else / elif branch)
  kFor,              // a = loop variable (kIdentifier or kTuple), b = iterable, body, alternate = else
  kBreak,
  kContinue,
  kSet,              // a = target, b = value (null for a block set: body)
  kMacro,            // text = name, items = parameters (kIdentifier / kKeywordArgument), body
  kCallStatement,    // a = the call (kCall), items = caller parameters, body
  kFilterStatement,  // b = filter (kIdentifier or kCall), body
  kComment,
  // Expressions
  kString,           // text, literal (template text is a kString too)
  kInteger,          // number
  kFloat,            // number
  kIdentifier,       // text
  kArray,            // items
  kTuple,            // items
  kObject,           // items = key0, value0, key1, value1, ...
  kMember,           // a = object, b = property, flag = computed (obj[...]) rather than obj.name
  kSlice,            // a = start, b = stop, c = step (each may be null)
  kCall,             // a = callee, items = arguments
  kBinary,           // text = operator, a = left, b = right
  kUnary,            // text = operator ("not", "-", "+"), a = operand
  kFilter,           // a = operand, b = filter (kIdentifier or kCall; anything else fails at runtime)
  kTest,             // a = operand, text = test name, flag = negated ("is not")
  kSelect,           // a = value, b = condition (`x if c` without else: undefined when c is false)
  kTernary,          // a = condition, b = value if true, c = value if false
  kKeywordArgument,  // text = name, a = value
  kSpread,           // a = the list (*args)
  kKeywordSpread,    // a = the mapping (**kwargs)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

// Which of Jinja's special names a macro or call block's body reads before declaring them
// (bits), so the call binds them: caller (from a {% call %}), kwargs, varargs.
enum SpecialNames : uint8_t { kUsesCaller = 1, kUsesKwargs = 2, kUsesVarargs = 4 };

struct Node {
  NodeKind kind;
  size_t offset = 0;  // where it starts in the template text
  std::string text;
  std::shared_ptr<const std::string> literal;  // kString: text, shared with the values made from it
  double number = 0;
  bool flag = false;
  NodePtr a, b, c;
  std::vector<NodePtr> items;
  std::vector<NodePtr> body, alternate;
  int height = 1;
  uint8_t special_names = 0;  // kMacro, kCallStatement: SpecialNames
  bool body_uses_loop = false;  // kFor: the body names `loop` (else no loop object is made)
};

// A node of `kind` at `offset` (children are added by the caller; see SetHeight).
NodePtr MakeNode(NodeKind kind, size_t offset);
// Recomputes node->height from its children; false when it exceeds kMaxTreeHeight.
bool SetHeight(Node* node);

// Whether the identifier `name` occurs anywhere in the statements (any depth).
bool MentionsName(const std::vector<NodePtr>& statements, const std::string& name);
// The SpecialNames bits a macro or call block (its parameters and body) reads, as Jinja's
// compiler finds them: names read before a statement of the body declares them.
uint8_t FindSpecialNames(const std::vector<NodePtr>& parameters, const std::vector<NodePtr>& body);

}  // namespace steptree::jinja

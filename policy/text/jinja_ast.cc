// Syntax tree helpers (policy/text/jinja_ast.h).
#include "policy/text/jinja_ast.h"

#include <algorithm>

namespace steptree::jinja {
namespace {

bool IsSpecialName(const std::string& name, uint8_t* bit) {
  if (name == "caller") *bit = kUsesCaller;
  else if (name == "kwargs") *bit = kUsesKwargs;
  else if (name == "varargs") *bit = kUsesVarargs;
  else return false;
  return true;
}

// Walks a macro body in the order Jinja's compiler visits it (the reference's
// findAccessedSpecialMacroArguments), collecting special names read before declared.
class SpecialNameFinder {
 public:
  uint8_t accessed = 0;

  void Declare(const std::string& name) {
    uint8_t bit;
    if (IsSpecialName(name, &bit)) declared_ |= bit;
  }
  void DeclareTarget(const Node* target) {
    if (target == nullptr) return;
    if (target->kind == NodeKind::kIdentifier) Declare(target->text);
    if (target->kind == NodeKind::kTuple) {
      for (const NodePtr& item : target->items) DeclareTarget(item.get());
    }
  }
  void DeclareParameters(const std::vector<NodePtr>& parameters) {
    for (const NodePtr& parameter : parameters) Declare(parameter->text);
  }
  void VisitDefaults(const std::vector<NodePtr>& parameters) {
    for (const NodePtr& parameter : parameters) {
      if (parameter->kind == NodeKind::kKeywordArgument) Visit(parameter->a.get());
    }
  }
  void VisitFilter(const Node* filter) {
    if (filter != nullptr && filter->kind == NodeKind::kCall) Visit(filter->items);
  }
  void Visit(const std::vector<NodePtr>& nodes) {
    for (const NodePtr& node : nodes) Visit(node.get());
  }

  void Visit(const Node* node) {
    if (node == nullptr) return;
    switch (node->kind) {
      case NodeKind::kFor:
        DeclareTarget(node->a.get());
        if (node->b && node->b->kind == NodeKind::kSelect) {
          Visit(node->b->a.get());
          Visit(node->body);
          Visit(node->alternate);
          Visit(node->b->b.get());
          return;
        }
        Visit(node->b.get());
        Visit(node->body);
        Visit(node->alternate);
        return;
      case NodeKind::kSet:
        DeclareTarget(node->a.get());
        Visit(node->b.get());
        Visit(node->body);
        return;
      case NodeKind::kMacro:
        DeclareParameters(node->items);
        VisitDefaults(node->items);
        Visit(node->body);
        return;
      case NodeKind::kCallStatement:
        Visit(node->a.get());
        DeclareParameters(node->items);
        VisitDefaults(node->items);
        Visit(node->body);
        return;
      case NodeKind::kFilterStatement:
        Visit(node->body);
        VisitFilter(node->b.get());
        return;
      case NodeKind::kIdentifier: {
        uint8_t bit;
        if (IsSpecialName(node->text, &bit) && !(declared_ & bit)) accessed |= bit;
        return;
      }
      case NodeKind::kMember:
        Visit(node->a.get());
        if (node->flag) Visit(node->b.get());
        return;
      case NodeKind::kFilter:
        Visit(node->a.get());
        VisitFilter(node->b.get());
        return;
      case NodeKind::kTest:
        Visit(node->a.get());
        return;
      case NodeKind::kSelect:
        Visit(node->b.get());
        Visit(node->a.get());
        return;
      case NodeKind::kKeywordArgument:
        Visit(node->a.get());
        return;
      default:
        // Fields in declaration order: If (test, body, alternate), Call (callee, args),
        // Binary (left, right), Ternary (condition, true, false), Slice, literals.
        Visit(node->a.get());
        Visit(node->b.get());
        Visit(node->c.get());
        Visit(node->items);
        Visit(node->body);
        Visit(node->alternate);
        return;
    }
  }

 private:
  uint8_t declared_ = 0;
};

bool Mentions(const Node* node, const std::string& name) {
  if (node == nullptr) return false;
  if (node->kind == NodeKind::kIdentifier && node->text == name) return true;
  auto any = [&name](const std::vector<NodePtr>& nodes) {
    return std::any_of(nodes.begin(), nodes.end(), [&name](const NodePtr& n) { return Mentions(n.get(), name); });
  };
  return Mentions(node->a.get(), name) || Mentions(node->b.get(), name) || Mentions(node->c.get(), name) ||
         any(node->items) || any(node->body) || any(node->alternate);
}

}  // namespace

NodePtr MakeNode(NodeKind kind, size_t offset) {
  NodePtr node = std::make_unique<Node>();
  node->kind = kind;
  node->offset = offset;
  return node;
}

bool SetHeight(Node* node) {
  int height = 0;
  for (const Node* child : {node->a.get(), node->b.get(), node->c.get()}) {
    if (child) height = std::max(height, child->height);
  }
  for (const std::vector<NodePtr>* list : {&node->items, &node->body, &node->alternate}) {
    for (const NodePtr& child : *list) height = std::max(height, child->height);
  }
  node->height = height + 1;
  return node->height <= kMaxTreeHeight;
}

bool MentionsName(const std::vector<NodePtr>& statements, const std::string& name) {
  return std::any_of(statements.begin(), statements.end(),
                     [&name](const NodePtr& node) { return Mentions(node.get(), name); });
}

uint8_t FindSpecialNames(const std::vector<NodePtr>& parameters, const std::vector<NodePtr>& body) {
  SpecialNameFinder finder;
  finder.DeclareParameters(parameters);
  finder.Visit(body);
  return finder.accessed;
}

}  // namespace steptree::jinja

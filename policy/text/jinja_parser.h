// Tokens to a syntax tree, with the grammar of the reference chat-template renderer
// (@huggingface/jinja 0.5.13, parser.ts; re-implemented, not copied). No torch here.
//
// Statements: {% if %}/{% elif %}/{% else %}/{% endif %}, {% for x in xs [if c] %} with
// {% else %}, {% set x = ... %} and {% set x %}...{% endset %}, {% macro %}, {% call %},
// {% filter %}, {% break %}, {% continue %}; {{ expression }}; comments.
// Expression precedence, loosest first: `a if c else b` (and `a if c`), or, and, not,
// comparisons with in / not in (left to right), + - ~, * / // %, ** (left-associative),
// `is [not] test`, `| filter`, unary - +, calls / member access / slices, primaries
// (numbers, strings (adjacent ones joined), names, (a, b), [..], {k: v}). As in the
// reference, commas between list items, dict entries and arguments are optional.
//
// Limits (SyntaxError, never a stack overflow): statements and expressions nest at most
// kMaxTreeHeight (policy/text/jinja_ast.h) deep.
#pragma once

#include <vector>

#include "policy/text/jinja_ast.h"
#include "policy/text/jinja_lexer.h"

namespace steptree::jinja {

// The statements of a template. `end_offset` (the template's length) is where errors at
// the end of the tokens point. Throws SyntaxError.
std::vector<NodePtr> Parse(const std::vector<Token>& tokens, size_t end_offset);

}  // namespace steptree::jinja

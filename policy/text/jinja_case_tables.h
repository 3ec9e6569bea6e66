// The case mappings of JavaScript's toUpperCase / toLowerCase, one code point at a time,
// generated from Node.js by scripts/gen_jinja_case_tables.js into jinja_case_tables.cc.
// Used by JsToUpper / JsToLower (policy/text/jinja_js.h). No torch here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace steptree::jinja {

// Code points first, first + stride, ..., count of them, map to themselves + delta.
struct CaseRun {
  uint32_t first;
  uint32_t count;
  uint32_t stride;
  int32_t delta;
};

// A code point that maps to two or three code points (unused slots are 0).
struct CaseExpansion {
  uint32_t code_point;
  uint32_t mapped[3];
};

// Sorted by first / code_point; runs do not overlap.
extern const CaseRun kUpperRuns[];
extern const size_t kUpperRunCount;
extern const CaseExpansion kUpperExpansions[];
extern const size_t kUpperExpansionCount;
extern const CaseRun kLowerRuns[];
extern const size_t kLowerRunCount;
extern const CaseExpansion kLowerExpansions[];
extern const size_t kLowerExpansionCount;

}  // namespace steptree::jinja

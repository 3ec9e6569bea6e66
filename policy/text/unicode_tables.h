// Unicode data for the Hugging Face tokenizer, generated from Node.js (see
// scripts/gen_unicode_tables.js, which documents how each table is measured). The
// definitions live in the generated policy/text/unicode_tables.cc. No torch here.
#pragma once

#include <cstdint>

namespace steptree::unicode {

// Unicode version of the Node.js the tables came from (that of the reference tokenizer).
extern const char kUnicodeVersion[];

// Character classes as bit flags.
enum CharClass : uint8_t {
  kLetterClass = 1,  // \p{L}
  kNumberClass = 2,  // \p{N}
  kSpaceClass = 4,   // JavaScript's \s: WhiteSpace + LineTerminator (includes U+FEFF, not U+0085)
  kPunctuationClass = 8,  // \p{P}
  kSymbolClass = 16,      // \p{S}
  kMarkClass = 32,        // \p{M}
};

// Invariant: sorted by `first`, disjoint, each with a non-zero `classes`.
struct ClassRange {
  char32_t first, last;
  uint8_t classes;
};
extern const ClassRange kClassRanges[];
extern const int kClassRangeCount;

// The full canonical decomposition (NFD) of `code_point`:
// kDecompositionParts[offset .. offset + length). Hangul syllables are not listed.
// Invariant: sorted by code_point.
struct Decomposition {
  char32_t code_point;
  uint16_t offset;
  uint8_t length;
};
extern const char32_t kDecompositionParts[];
extern const Decomposition kDecompositions[];
extern const int kDecompositionCount;

// Code points whose Canonical_Combining_Class is not 0, each with a rank in 1..255 that
// orders them as their classes do. Invariant: sorted by code_point.
struct CombiningRank {
  char32_t code_point;
  uint8_t rank;
};
extern const CombiningRank kCombiningRanks[];
extern const int kCombiningRankCount;

// Primary composites: first + second -> composite (Hangul not listed).
// Invariant: sorted by (first, second).
struct Composition {
  char32_t first, second, composite;
};
extern const Composition kCompositions[];
extern const int kCompositionCount;

}  // namespace steptree::unicode

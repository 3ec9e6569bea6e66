// Unicode Normalization Form C (NFC), as String.prototype.normalize("NFC") computes it.
// No torch here.
//
// Algorithm (Unicode Standard Annex #15 and The Unicode Standard, section 3.11):
//   1. canonical decomposition: replace every code point by its full canonical
//      decomposition (tables from scripts/gen_unicode_tables.js); Hangul syllables
//      decompose arithmetically (section 3.12): S = 0xAC00 + (L*21 + V)*28 + T;
//   2. canonical ordering: stable-sort each run of non-starters (combining class != 0) by
//      combining class;
//   3. canonical composition: from left to right, a code point C joins the last starter S
//      into the primary composite of (S, C) when C is not blocked from S: no code point
//      between them has class 0 or a class >= class(C).
// Invalid UTF-8 bytes (see unicode_text.h) pass through unchanged. Text that has no code
// point able to change under NFC (quick check) is returned as it is, without decoding.
#pragma once

#include <string>
#include <string_view>

namespace steptree::unicode {

std::string Nfc(std::string_view text);

}  // namespace steptree::unicode

// UTF-8 code points and the character classes the tokenizer's pre-tokenizer patterns use.
// No torch here.
//
// Invalid UTF-8 is not an error: each byte that does not start a well-formed sequence
// (Unicode 3.9, table 3-7: no overlongs, no surrogates, at most U+10FFFF) decodes to its own
// pseudo code point kInvalidByteBase + byte, which has no class (not a letter, number or
// space), never normalizes or composes, and encodes back to the same byte. So any byte
// string survives decoding and re-encoding unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/text/unicode_tables.h"

namespace steptree::unicode {

constexpr char32_t kInvalidByteBase = 0x110000;

// The code point starting at text[pos] (pos < text.size()); *length gets its byte count.
char32_t DecodeAt(std::string_view text, size_t pos, int* length);
// Appends the UTF-8 of `code_point` (or the raw byte of an invalid-byte pseudo code point).
void AppendUtf8(char32_t code_point, std::string* out);
// The code points of `text`, in order (invalid bytes as their pseudo code points).
std::vector<char32_t> CodePointsOf(std::string_view text);

// CharClass bits of a code point (0 for invalid bytes and everything else).
uint8_t ClassesOf(char32_t code_point);
inline bool IsLetter(char32_t c) { return ClassesOf(c) & kLetterClass; }
inline bool IsNumber(char32_t c) { return ClassesOf(c) & kNumberClass; }
inline bool IsSpace(char32_t c) { return ClassesOf(c) & kSpaceClass; }

// A text as code points with their classes and byte offsets: code point i is
// text[offsets[i], offsets[i + 1]). Invariant: offsets.size() == code_points.size() + 1.
struct DecodedText {
  std::vector<char32_t> code_points;
  std::vector<uint8_t> classes;
  std::vector<uint32_t> offsets;
};
void Decode(std::string_view text, DecodedText* decoded);

// String.prototype.trimStart / trimEnd of JavaScript: drops leading / trailing IsSpace code
// points.
std::string_view TrimStartSpaces(std::string_view text);
std::string_view TrimEndSpaces(std::string_view text);

}  // namespace steptree::unicode

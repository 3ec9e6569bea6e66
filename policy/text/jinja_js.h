// JavaScript string and number semantics, on UTF-8 text: what the reference chat-template
// renderer (@huggingface/jinja 0.5.13, which runs on V8) does with the strings and numbers
// of a template, so that steptree's renderer (policy/text/jinja_template.h) prints the
// same bytes. No torch here.
//
// Strings are WTF-8 inside the renderer: UTF-8 that may also hold lone surrogates
// (U+D800..U+DFFF, three bytes each), since a JavaScript string is UTF-16 and indexing can
// split a pair ("😀"[0]). Lengths and indexes count UTF-16 code units, as JavaScript does;
// ToWellFormedUtf8 turns lone surrogates into U+FFFD when text leaves the renderer (as
// Node.js does when it writes a string out as UTF-8).
//
// Numbers are doubles, printed as Number.prototype.toString prints them (shortest digits
// that round-trip; exponent form from 1e21 and below 1e-6).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace steptree::jinja {

// --- code points ------------------------------------------------------------------------
// The code point at text[*pos], advancing *pos; a byte that starts no well-formed sequence
// (surrogates allowed) decodes to U+FFFD and advances one byte.
char32_t DecodeWtf8(std::string_view text, size_t* pos);
void AppendWtf8(char32_t code_point, std::string* out);
// Bytes read from a file as Node.js's UTF-8 decoder reads them: each invalid byte U+FFFD.
std::string SanitizeUtf8(std::string_view bytes);
// WTF-8 to UTF-8: each lone surrogate U+FFFD.
std::string ToWellFormedUtf8(std::string_view wtf8);
// *out += piece as JavaScript concatenates: a lone high surrogate at the end of *out and a
// lone low one at the start of piece join into one code point.
void AppendJs(std::string* out, std::string_view piece);

// ECMAScript WhiteSpace and LineTerminator (what \s, trim() and the template lexer skip).
bool IsJsWhitespace(char32_t code_point);
std::string_view JsTrimStart(std::string_view text);
std::string_view JsTrimEnd(std::string_view text);
std::string_view JsTrim(std::string_view text);

// --- UTF-16 views -----------------------------------------------------------------------
size_t Utf16Length(std::string_view text);
// text.at(index): the code unit at index (negative: from the end), nullopt outside.
std::optional<std::string> Utf16At(std::string_view text, double index);
// Array.from(text): one string per code point.
std::vector<std::string> CodePointStrings(std::string_view text);
// a < b as JavaScript compares strings (by UTF-16 code units): -1, 0 or 1.
int CompareUtf16(std::string_view a, std::string_view b);

// --- string methods ---------------------------------------------------------------------
std::string JsToUpper(std::string_view text);
std::string JsToLower(std::string_view text);
// value.replace(/\b\w/g, c => c.toUpperCase()): ASCII words' first letters.
std::string JsTitle(std::string_view text);
// charAt(0).toUpperCase() + slice(1).
std::string JsCapitalize(std::string_view text);
// Python's str.replace as the reference implements it (an empty `from` inserts `to` at
// every code point boundary); count < 0: no limit. `max_bytes` bounds the result (a longer
// one returns nullopt).
std::optional<std::string> JsReplace(std::string_view text, std::string_view from, std::string_view to, double count,
                                     size_t max_bytes);
// Python's str.split(None, maxsplit): runs of JavaScript white space separate; maxsplit < 0:
// no limit.
std::vector<std::string> SplitOnWhitespace(std::string_view text, double maxsplit);
// Python's str.split(sep, maxsplit) for a non-empty sep.
std::vector<std::string> SplitOnSeparator(std::string_view text, std::string_view separator, double maxsplit);
// JSON.stringify(text); with ensure_ascii every code unit from U+007F up as \uXXXX.
std::string JsonQuote(std::string_view text, bool ensure_ascii);

// --- numbers ----------------------------------------------------------------------------
std::string JsNumberToString(double value);
// The reference's FloatValue.toString: whole numbers with ".0" ("2.0", "-0.0").
std::string JsFloatToString(double value);
// JSON.stringify(number): "null" for NaN and infinities.
std::string JsonNumber(double value);
// parseInt(text, 10) and parseFloat(text); NaN when no number starts the text.
double JsParseInt(std::string_view text);
double JsParseFloat(std::string_view text);
// Number(text), as loose equality converts a string.
double JsStringToNumber(std::string_view text);

}  // namespace steptree::jinja

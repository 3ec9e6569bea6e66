// Text helpers for LaTeX answers, shared by the grader's extraction (answer_extract.cc),
// normalisation (answer_normalize.cc) and comparison (answer.cc): trimming, LaTeX group
// matching, splitting at top-level separators.
//
// Two notions of nesting are used:
//  - TeX groups: unescaped '{' '}' only (MatchGroup), as TeX itself reads arguments;
//  - brackets: ( [ { \{ against ) ] } \}, any opener against any closer, so that the
//    half-open interval "(3,4]" nests like "(3,4)" (SplitTopLevel, WrappedInBrackets).
#pragma once

#include <cctype>

#include <string>
#include <vector>

namespace steptree::answer_text {

// <cctype> classes on plain char (safe for bytes >= 0x80).
inline bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
inline bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
inline bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
inline bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
// The first index at or after i that is not a space (s.size() when none is).
inline size_t SkipSpaces(const std::string& s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

std::string Trim(const std::string& s);
bool StartsWith(const std::string& s, const std::string& prefix);
bool EndsWith(const std::string& s, const std::string& suffix);
// Replaces every occurrence of `from` (non-empty) by `to`, left to right.
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to);
std::string ToLower(std::string s);

// Index of the '}' that closes the TeX group opened by the '{' at `open`, or npos when
// the group is never closed.
size_t MatchGroup(const std::string& s, size_t open);

// The length of the command name at s[pos] == '\\' ("frac" for "\frac12" -> 4); for a
// backslash followed by a non-letter the name is that one character; 0 at end of text.
size_t CommandNameLength(const std::string& s, size_t pos);

// Position of the first `token` at or after `from` that is not escaped by a backslash
// ("\$" is not a math delimiter), or npos.
size_t FindUnescaped(const std::string& s, const std::string& token, size_t from);

// Removes math delimiters around the whole text ($$..$$, $..$, \(..\), \[..\]),
// repeatedly, trimming as it goes.
std::string StripMathDelimiters(std::string s);

// Pieces of `s` between occurrences of `separator` at bracket depth 0, each trimmed.
// A single piece (the whole text) when there is no such separator.
std::vector<std::string> SplitTopLevel(const std::string& s, const std::string& separator);

// True when s[0] is an opening bracket ( [ { whose matching closer (any of ) ] }) is the
// last character of `s`, as in "(1,2]" but not "(a+1)(b+2)".
bool WrappedInBrackets(const std::string& s);

}  // namespace steptree::answer_text

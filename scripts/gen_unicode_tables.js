#!/usr/bin/env node
// Generates policy/text/unicode_tables.cc: the Unicode data the Hugging Face tokenizer needs,
// taken from this Node.js (its ICU), which is also what the reference tokenizer
// (@lenml/tokenizers) runs on, so both sides agree on every code point.
//
//   node scripts/gen_unicode_tables.js > policy/text/unicode_tables.cc
//
// Tables (all sorted by code point):
//   - character classes: ranges of \p{L} (letters), \p{N} (numbers), JavaScript's \s
//     (ECMAScript WhiteSpace + LineTerminator, tested with /\s/u), \p{P} (punctuation),
//     \p{S} (symbols) and \p{M} (marks), as bit flags;
//   - canonical decompositions: the full NFD of every code point whose NFD differs from
//     itself, except Hangul syllables (decomposed algorithmically, Unicode 3.12);
//   - canonical combining class ranks: for every code point with a non-zero
//     Canonical_Combining_Class, a rank that orders them as their classes do (equal classes,
//     equal ranks). ICU does not expose the class itself, so the rank is measured: two marks
//     a, b are swapped by NFD("a b") exactly when ccc(a) > ccc(b) > 0 (canonical ordering,
//     Unicode 3.11), and sorting with that comparator orders the marks by class;
//   - primary composites: pairs (A, B) -> C for every C with NFC(C) == C != NFD(C) (not
//     Hangul). With d = NFD(C), canonical composition (Unicode 3.11, D117) builds C from
//     left to right, so its last step joins A = NFC(d without its last code point), a single
//     code point, with B = the last code point of d. The script checks each pair with
//     NFC(A + B) == C and fails if any composite does not fit this shape.
// Nothing here is copied from Unicode data files: everything is measured through
// RegExp \p{...} and String.prototype.normalize.
"use strict";

const MAX = 0x10ffff;
const isSurrogate = (cp) => cp >= 0xd800 && cp <= 0xdfff;
const isHangulSyllable = (cp) => cp >= 0xac00 && cp <= 0xd7a3;
const chr = (cp) => String.fromCodePoint(cp);
const cps = (s) => Array.from(s, (c) => c.codePointAt(0));

// --- character classes -----------------------------------------------------------------
const kLetter = 1, kNumber = 2, kSpace = 4, kPunctuation = 8, kSymbol = 16, kMark = 32;
const letter = /^\p{L}$/u, number = /^\p{N}$/u, space = /^\s$/u;
const punctuation = /^\p{P}$/u, symbol = /^\p{S}$/u, mark = /^\p{M}$/u;
const classRanges = [];
for (let cp = 0; cp <= MAX; ++cp) {
  if (isSurrogate(cp)) continue;
  const c = chr(cp);
  const bits = (letter.test(c) ? kLetter : 0) | (number.test(c) ? kNumber : 0) |
               (space.test(c) ? kSpace : 0) | (punctuation.test(c) ? kPunctuation : 0) |
               (symbol.test(c) ? kSymbol : 0) | (mark.test(c) ? kMark : 0);
  if (bits === 0) continue;
  const last = classRanges[classRanges.length - 1];
  if (last && last.bits === bits && last.last === cp - 1) {
    last.last = cp;
  } else {
    classRanges.push({ first: cp, last: cp, bits });
  }
}

// --- decompositions ----------------------------------------------------------------------
const decompositions = [];  // {cp, parts}
for (let cp = 0; cp <= MAX; ++cp) {
  if (isSurrogate(cp) || isHangulSyllable(cp)) continue;
  const d = chr(cp).normalize("NFD");
  if (d !== chr(cp)) decompositions.push({ cp, parts: cps(d) });
}

// --- combining class ranks ---------------------------------------------------------------
const kOverlay = 0x0334;  // ccc 1, the smallest non-zero class
const kIota = 0x0345;     // ccc 240, the largest class
const swaps = (a, b) => (chr(a) + chr(b)).normalize("NFD") === chr(b) + chr(a);
const marks = [];
for (let cp = 0; cp <= MAX; ++cp) {
  if (isSurrogate(cp) || isHangulSyllable(cp)) continue;
  if (chr(cp).normalize("NFD") !== chr(cp)) continue;  // only NFD-stable code points
  if (cp === kIota || swaps(cp, kOverlay) || swaps(kIota, cp)) marks.push(cp);
}
marks.sort((a, b) => (swaps(a, b) ? 1 : swaps(b, a) ? -1 : 0) || a - b);
const cccRanks = [];  // {cp, rank}
let rank = 0;
for (let i = 0; i < marks.length; ++i) {
  if (i === 0 || swaps(marks[i], marks[i - 1])) ++rank;
  cccRanks.push({ cp: marks[i], rank });
}
cccRanks.sort((a, b) => a.cp - b.cp);
if (rank > 255) throw new Error("more than 255 combining classes");

// --- primary composites ------------------------------------------------------------------
const compositions = [];  // {first, second, composite}
for (const { cp, parts } of decompositions) {
  if (chr(cp).normalize("NFC") !== chr(cp)) continue;  // excluded from composition
  const head = cps(String.fromCodePoint(...parts.slice(0, -1)).normalize("NFC"));
  const second = parts[parts.length - 1];
  if (head.length !== 1 || (chr(head[0]) + chr(second)).normalize("NFC") !== chr(cp)) {
    throw new Error(`composite U+${cp.toString(16)} is not a left-to-right composition`);
  }
  compositions.push({ first: head[0], second, composite: cp });
}
compositions.sort((a, b) => a.first - b.first || a.second - b.second);

// --- output ------------------------------------------------------------------------------
const hex = (cp) => "0x" + cp.toString(16).toUpperCase();
const lines = [];
const out = (s) => lines.push(s);
function emitRows(items, perLine, format) {
  for (let i = 0; i < items.length; i += perLine) {
    out("    " + items.slice(i, i + perLine).map(format).join(", ") + ",");
  }
}
out("// GENERATED by scripts/gen_unicode_tables.js from Node.js " + process.version +
    " (Unicode " + process.versions.unicode + "); do not edit.");
out("// Regenerate: node scripts/gen_unicode_tables.js > policy/text/unicode_tables.cc");
out('#include "policy/text/unicode_tables.h"');
out("");
out("namespace steptree::unicode {");
out("");
out(`const char kUnicodeVersion[] = "${process.versions.unicode}";`);
out("");
out(`const ClassRange kClassRanges[] = {`);
emitRows(classRanges, 4, (r) => `{${hex(r.first)}, ${hex(r.last)}, ${r.bits}}`);
out("};");
out(`const int kClassRangeCount = ${classRanges.length};`);
out("");
const flat = [];
const offsets = [];
for (const d of decompositions) {
  offsets.push({ cp: d.cp, offset: flat.length, length: d.parts.length });
  flat.push(...d.parts);
}
out("const char32_t kDecompositionParts[] = {");
emitRows(flat, 8, hex);
out("};");
out("const Decomposition kDecompositions[] = {");
emitRows(offsets, 4, (d) => `{${hex(d.cp)}, ${d.offset}, ${d.length}}`);
out("};");
out(`const int kDecompositionCount = ${decompositions.length};`);
out("");
out("const CombiningRank kCombiningRanks[] = {");
emitRows(cccRanks, 6, (c) => `{${hex(c.cp)}, ${c.rank}}`);
out("};");
out(`const int kCombiningRankCount = ${cccRanks.length};`);
out("");
out("const Composition kCompositions[] = {");
emitRows(compositions, 3, (c) => `{${hex(c.first)}, ${hex(c.second)}, ${hex(c.composite)}}`);
out("};");
out(`const int kCompositionCount = ${compositions.length};`);
out("");
out("}  // namespace steptree::unicode");
process.stdout.write(lines.join("\n") + "\n");

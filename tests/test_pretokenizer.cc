// The pieces below the Hugging Face tokenizer: the hand-written matchers of the GPT-2,
// Llama-3, Qwen2 and DeepSeek-V3 pre-tokenizer regexes, UTF-8 with invalid bytes, NFC and the byte-level
// alphabet. Expected splits were checked against Node's RegExp running the patterns as
// @lenml/tokenizers rewrites them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policy/text/bpe.h"
#include "policy/text/pretokenizer.h"
#include "policy/text/unicode_nfc.h"
#include "policy/text/unicode_text.h"

using namespace steptree;

namespace {

std::vector<std::string> Split(SplitRegex regex, const std::string& text) {
  std::vector<std::string> pieces;
  for (std::string_view piece : SplitIsolated(regex, text)) pieces.emplace_back(piece);
  return pieces;
}

using Pieces = std::vector<std::string>;

}  // namespace

TEST_SUITE("pretokenizer") {

TEST_CASE("pretokenizer: the three patterns are recognised and nothing else") {
  CHECK(RecognizeSplitRegex(
            R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)") ==
        SplitRegex::kQwen2);
  CHECK(RecognizeSplitRegex(
            R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)") ==
        SplitRegex::kLlama3);
  CHECK(RecognizeSplitRegex(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)") ==
        SplitRegex::kGpt2);
  CHECK_FALSE(RecognizeSplitRegex(R"(\s+)"));
  CHECK_FALSE(RecognizeSplitRegex(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+)"));
}

TEST_CASE("pretokenizer: white space runs before a word keep one space for the word") {
  for (SplitRegex regex : {SplitRegex::kQwen2, SplitRegex::kLlama3, SplitRegex::kGpt2}) {
    CHECK(Split(regex, "Hello  world") == Pieces{"Hello", " ", " world"});
    CHECK(Split(regex, "end   ") == Pieces{"end", "   "});  // \s+(?!\S) takes all at the end
    CHECK(Split(regex, "  \n\n") == Pieces{"  \n\n"});
    CHECK(Split(regex, "  ?!x") == Pieces{" ", " ?!", "x"});
  }
}

TEST_CASE("pretokenizer: newlines (Llama-3 / Qwen2 \\s*[\\r\\n]+ against GPT-2)") {
  CHECK(Split(SplitRegex::kQwen2, "a   \n\n  b") == Pieces{"a", "   \n\n", " ", " b"});
  CHECK(Split(SplitRegex::kGpt2, "a   \n\n  b") == Pieces{"a", "   \n\n ", " b"});
  CHECK(Split(SplitRegex::kLlama3, "x \t\ny") == Pieces{"x", " \t\n", "y"});
  CHECK(Split(SplitRegex::kGpt2, "x \t\ny") == Pieces{"x", " \t", "\n", "y"});
  // Punctuation takes the newlines after it.
  CHECK(Split(SplitRegex::kQwen2, "a.\n\nb") == Pieces{"a", ".\n\n", "b"});
  CHECK(Split(SplitRegex::kGpt2, "a.\n\nb") == Pieces{"a", ".", "\n", "\n", "b"});
  CHECK(Split(SplitRegex::kLlama3, "!!\r\n\r\nz") == Pieces{"!!\r\n\r\n", "z"});
  CHECK(Split(SplitRegex::kGpt2, "!!\r\n\r\nz") == Pieces{"!!", "\r\n\r", "\n", "z"});
}

TEST_CASE("pretokenizer: contractions, case-insensitive in ASCII only for Llama-3 / Qwen2") {
  CHECK(Split(SplitRegex::kQwen2, "I'M you'RE we'Ve") == Pieces{"I", "'M", " you", "'RE", " we", "'Ve"});
  CHECK(Split(SplitRegex::kGpt2, "I'M you'RE") == Pieces{"I", "'", "M", " you", "'", "RE"});
  CHECK(Split(SplitRegex::kLlama3, "don't") == Pieces{"don", "'t"});
  // U+017F (long s) folds to s in Unicode, but the reference's [sS] does not take it.
  CHECK(Split(SplitRegex::kQwen2, "'\xC5\xBF") == Pieces{"'\xC5\xBF"});
  CHECK(Split(SplitRegex::kGpt2, "'\xC5\xBF") == Pieces{"'", "\xC5\xBF"});
}

TEST_CASE("pretokenizer: digits one, three or any at a time") {
  CHECK(Split(SplitRegex::kQwen2, "12345") == Pieces{"1", "2", "3", "4", "5"});
  CHECK(Split(SplitRegex::kLlama3, "12345") == Pieces{"123", "45"});
  CHECK(Split(SplitRegex::kGpt2, "12345") == Pieces{"12345"});
  CHECK(Split(SplitRegex::kLlama3, " 123") == Pieces{" ", "123"});
  CHECK(Split(SplitRegex::kGpt2, " 123") == Pieces{" 123"});
  CHECK(Split(SplitRegex::kQwen2, "x2y") == Pieces{"x", "2", "y"});
  CHECK(Split(SplitRegex::kQwen2, "$\\frac{1}{2}$") == Pieces{"$\\", "frac", "{", "1", "}{", "2", "}$"});
}

TEST_CASE("pretokenizer: one non-letter glues to the word after it (Llama-3 / Qwen2)") {
  CHECK(Split(SplitRegex::kQwen2, "\ta") == Pieces{"\ta"});
  CHECK(Split(SplitRegex::kGpt2, "\ta") == Pieces{"\t", "a"});
  CHECK(Split(SplitRegex::kQwen2, "\xC2\xA0x") == Pieces{"\xC2\xA0x"});          // NBSP
  CHECK(Split(SplitRegex::kQwen2, "\xEF\xBB\xBFx") == Pieces{"\xEF\xBB\xBFx"});  // BOM: a JS \s
  CHECK(Split(SplitRegex::kGpt2, "\xEF\xBB\xBFx") == Pieces{"\xEF\xBB\xBF", "x"});
  CHECK(Split(SplitRegex::kQwen2, "a\xC2\x85" "b") == Pieces{"a", "\xC2\x85" "b"});  // NEL: not \s in JS
}

TEST_CASE("pretokenizer: DeepSeek-V3's three patterns") {
  CHECK(RecognizeSplitRegex(R"(\p{N}{1,3})") == SplitRegex::kDigits1To3);
  CHECK(RecognizeSplitRegex("[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+") == SplitRegex::kCjkKana);
  CHECK(RecognizeSplitRegex("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?"
                            "[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+") ==
        SplitRegex::kDeepSeek);
  CHECK(Split(SplitRegex::kDigits1To3, "1234567") == Pieces{"123", "456", "7"});
  CHECK(Split(SplitRegex::kDigits1To3, "ab12c") == Pieces{"ab", "12", "c"});
  CHECK(Split(SplitRegex::kDigits1To3, "\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6") ==
        Pieces{"\xD9\xA3\xD9\xA4\xD9\xA5", "\xD9\xA6"});  // Arabic-Indic digits
  // 日本語です。カタカナ: the ideographic full stop is no kana.
  CHECK(Split(SplitRegex::kCjkKana, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82"
                                    "\xE3\x82\xAB\xE3\x82\xBF") ==
        Pieces{"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xA7\xE3\x81\x99", "\xE3\x80\x82",
               "\xE3\x82\xAB\xE3\x82\xBF"});
  CHECK(Split(SplitRegex::kCjkKana, "\xE9\xBE\xA6x\xE4\xB8\x80") == Pieces{"\xE9\xBE\xA6x", "\xE4\xB8\x80"});  // U+9FA6 is past
  // Expected pieces printed by Node's RegExp on the pattern of the tokenizer.json.
  CHECK(Split(SplitRegex::kDeepSeek, ".Hello $x+y") == Pieces{".Hello", " $", "x", "+y"});
  CHECK(Split(SplitRegex::kDeepSeek, "don't stop") == Pieces{"don", "'t", " stop"});
  CHECK(Split(SplitRegex::kDeepSeek, " e\xCC\x81t\xC3\xA9 \xCC\x81" "a") ==
        Pieces{" e\xCC\x81t\xC3\xA9", " \xCC\x81" "a"});  // marks join words
  CHECK(Split(SplitRegex::kDeepSeek, "a,,\n\nb") == Pieces{"a", ",,\n\n", "b"});
  CHECK(Split(SplitRegex::kDeepSeek, "x  \n y  ") == Pieces{"x", "  \n", " y", "  "});
  CHECK(Split(SplitRegex::kDeepSeek, "\xF0\x9F\x98\x80\xF0\x9F\x98\x80 ok") ==
        Pieces{"\xF0\x9F\x98\x80\xF0\x9F\x98\x80", " ok"});  // emoji are \p{S}
  CHECK(Split(SplitRegex::kDeepSeek, "3rd \tb") == Pieces{"3rd", " ", "\tb"});
  CHECK(Split(SplitRegex::kDeepSeek, std::string("\0a", 2)) == Pieces{std::string("\0a", 2)});
  CHECK(Split(SplitRegex::kDeepSeek, "(Hello) [x]") == Pieces{"(Hello", ")", " [", "x", "]"});
  CHECK(Split(SplitRegex::kDeepSeek, "  ?!x") == Pieces{" ", " ?!", "x"});
  CHECK(unicode::ClassesOf(U'\u0301') == unicode::kMarkClass);
  CHECK(unicode::ClassesOf(U'+') == unicode::kSymbolClass);
  CHECK(unicode::ClassesOf(U'\u3002') == unicode::kPunctuationClass);
}

TEST_CASE("pretokenizer: invalid UTF-8 bytes are 'other' and survive") {
  const std::string text = "ab\xFF\xFE cd\xC3";
  const std::vector<std::string> pieces = Split(SplitRegex::kQwen2, text);
  CHECK(pieces == Pieces{"ab", "\xFF\xFE", " cd", "\xC3"});
  unicode::DecodedText decoded;
  unicode::Decode(text, &decoded);
  REQUIRE(decoded.code_points.size() == 8);
  CHECK(decoded.code_points[2] == unicode::kInvalidByteBase + 0xFF);
  std::string back;
  for (char32_t c : decoded.code_points) unicode::AppendUtf8(c, &back);
  CHECK(back == text);
  // Overlong, surrogate and out-of-range sequences are invalid bytes too.
  int length;
  CHECK(unicode::DecodeAt("\xC0\x80", 0, &length) == unicode::kInvalidByteBase + 0xC0);
  CHECK(unicode::DecodeAt("\xED\xA0\x80", 0, &length) == unicode::kInvalidByteBase + 0xED);
  CHECK(unicode::DecodeAt("\xF4\x90\x80\x80", 0, &length) == unicode::kInvalidByteBase + 0xF4);
  CHECK(unicode::DecodeAt("\xF0\x9F\x98\x80", 0, &length) == 0x1F600);
  CHECK(length == 4);
}

TEST_CASE("pretokenizer: character classes come from the generated tables") {
  CHECK(unicode::IsLetter(U'a'));
  CHECK(unicode::IsLetter(U'\u00E9'));
  CHECK(unicode::IsLetter(U'\u4E2D'));     // CJK
  CHECK(unicode::IsLetter(U'\U0001D465'));  // mathematical italic x
  CHECK_FALSE(unicode::IsLetter(U'\u0301'));  // combining mark: Mn, not L
  CHECK(unicode::IsNumber(U'7'));
  CHECK(unicode::IsNumber(U'\u00BD'));  // vulgar fraction one half (No)
  CHECK(unicode::IsNumber(U'\u216B'));  // Roman numeral twelve (Nl)
  CHECK(unicode::IsSpace(U'\u3000'));
  CHECK(unicode::IsSpace(U'\uFEFF'));
  CHECK_FALSE(unicode::IsSpace(U'\u0085'));
  CHECK_FALSE(unicode::IsSpace(U'\u200B'));  // zero width space is Cf
  CHECK(unicode::TrimStartSpaces(" \t\xE3\x80\x80x ") == "x ");
  CHECK(unicode::TrimEndSpaces(" x\xC2\xA0\n") == " x");
}

TEST_CASE("pretokenizer: NFC composes, reorders and leaves NFC text alone") {
  CHECK(unicode::Nfc("e\xCC\x81") == "\xC3\xA9");               // e + acute -> é
  CHECK(unicode::Nfc("\xE2\x84\xAB") == "\xC3\x85");            // Angstrom sign -> Å
  CHECK(unicode::Nfc("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB") == "\xED\x95\x9C");  // jamo -> 한
  // s + dot below + dot above in either order -> U+1E69; marks of one class keep order.
  CHECK(unicode::Nfc("s\xCC\x87\xCC\xA3") == "\xE1\xB9\xA9");
  CHECK(unicode::Nfc("s\xCC\xA3\xCC\x87") == "\xE1\xB9\xA9");
  CHECK(unicode::Nfc("a\xCC\x81\xCC\x80") == "\xC3\xA1\xCC\x80");
  CHECK(unicode::Nfc("\xCC\x81" "a") == "\xCC\x81" "a");  // a leading mark has no starter
  const std::string plain = "Already NFC: caf\xC3\xA9, \xE4\xB8\xAD\xE6\x96\x87, \xF0\x9F\x98\x80";
  CHECK(unicode::Nfc(plain) == plain);
  CHECK(unicode::Nfc("bad \xFF bytes e\xCC\x81") == "bad \xFF bytes \xC3\xA9");
}

TEST_CASE("pretokenizer: the byte-level alphabet maps 256 bytes to printable code points") {
  CHECK(ByteLevelCodePoint(' ') == 0x120);   // 'Ġ'
  CHECK(ByteLevelCodePoint('\n') == 0x10A);  // 'Ċ'
  CHECK(ByteLevelCodePoint('a') == 'a');
  CHECK(ByteLevelCodePoint(0xAD) == 0x143);  // the last of the 68 moved bytes
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string mapped = BytesToByteLevel(all);
  CHECK(ByteLevelToBytes(mapped) == all);
  CHECK(ByteLevelToBytes("\xC4\xA0the") == std::string(" the"));
  CHECK_FALSE(ByteLevelToBytes("\xE4\xB8\xAD"));  // U+4E2D is outside the alphabet
}

}  // TEST_SUITE

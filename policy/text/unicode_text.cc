#include "policy/text/unicode_text.h"

#include <algorithm>
#include <array>

namespace steptree::unicode {
namespace {

// Classes of the ASCII code points, looked up without a search.
const std::array<uint8_t, 128>& AsciiClasses() {
  static const std::array<uint8_t, 128> table = [] {
    std::array<uint8_t, 128> t{};
    for (int i = 0; i < kClassRangeCount && kClassRanges[i].first < 128; ++i) {
      const ClassRange& r = kClassRanges[i];
      for (char32_t c = r.first; c <= r.last && c < 128; ++c) t[c] = r.classes;
    }
    return t;
  }();
  return table;
}

}  // namespace

char32_t DecodeAt(std::string_view text, size_t pos, int* length) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const unsigned char lead = s[pos];
  *length = 1;
  if (lead < 0x80) return lead;
  int extra;
  char32_t code;
  if (lead >= 0xC2 && lead <= 0xDF) {
    extra = 1;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    extra = 2;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    extra = 3;
    code = lead & 0x07;
  } else {
    return kInvalidByteBase + lead;
  }
  if (pos + extra >= n) return kInvalidByteBase + lead;  // truncated sequence
  for (int k = 1; k <= extra; ++k) {
    const unsigned char cont = s[pos + k];
    if ((cont & 0xC0) != 0x80) return kInvalidByteBase + lead;
    code = (code << 6) | (cont & 0x3F);
  }
  static const char32_t kMinimum[4] = {0, 0x80, 0x800, 0x10000};
  if (code < kMinimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return kInvalidByteBase + lead;
  }
  *length = extra + 1;
  return code;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c >= kInvalidByteBase) {
    out->push_back(static_cast<char>(c - kInvalidByteBase));
  } else if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::vector<char32_t> CodePointsOf(std::string_view text) {
  std::vector<char32_t> code_points;
  for (size_t pos = 0; pos < text.size();) {
    int length;
    code_points.push_back(DecodeAt(text, pos, &length));
    pos += length;
  }
  return code_points;
}

uint8_t ClassesOf(char32_t c) {
  if (c < 128) return AsciiClasses()[c];
  if (c >= kInvalidByteBase) return 0;
  const ClassRange* end = kClassRanges + kClassRangeCount;
  // The first range whose last code point is >= c.
  const ClassRange* it = std::lower_bound(
      kClassRanges, end, c, [](const ClassRange& r, char32_t value) { return r.last < value; });
  return (it != end && it->first <= c) ? it->classes : 0;
}

void Decode(std::string_view text, DecodedText* decoded) {
  decoded->code_points.clear();
  decoded->classes.clear();
  decoded->offsets.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    int length;
    const char32_t c = DecodeAt(text, pos, &length);
    decoded->code_points.push_back(c);
    decoded->classes.push_back(ClassesOf(c));
    decoded->offsets.push_back(static_cast<uint32_t>(pos));
    pos += length;
  }
  decoded->offsets.push_back(static_cast<uint32_t>(pos));
}

std::string_view TrimStartSpaces(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    int length;
    if (!IsSpace(DecodeAt(text, pos, &length))) break;
    pos += length;
  }
  return text.substr(pos);
}

std::string_view TrimEndSpaces(std::string_view text) {
  // Walk forward (UTF-8 is not decodable backwards with invalid bytes in play) and keep the
  // end of the last non-space code point.
  size_t pos = 0, keep = 0;
  while (pos < text.size()) {
    int length;
    const bool space = IsSpace(DecodeAt(text, pos, &length));
    pos += length;
    if (!space) keep = pos;
  }
  return text.substr(0, keep);
}

}  // namespace steptree::unicode

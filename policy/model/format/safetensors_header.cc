// safetensors header validation from the file's bytes (policy/model/format/safetensors_header.h).
#include "policy/model/format/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "core/jsonl.h"  // IsValidUtf8

namespace steptree {
namespace {

using HeaderJson = nlohmann::ordered_json;  // keeps header order

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};

const DTypeInfo* FindDType(const std::string& name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const DTypeInfo& Info(DType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info;
  }
  throw std::logic_error("unknown DType value " + std::to_string(static_cast<int>(dtype)));
}

std::string KnownDTypeNames() {
  std::string names;
  for (const DTypeInfo& info : kDTypes) {
    if (!names.empty()) names += " ";
    names += info.name;
  }
  return names;
}


uint64_t ReadLe64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Parses the header text as JSON, rejecting duplicate keys in any object (nlohmann would
// silently keep one of them) and nesting deeper than the format needs.
HeaderJson ParseHeaderJson(const std::string& path, const char* begin, const char* end) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  auto callback = [&](int depth, HeaderJson::parse_event_t event, HeaderJson& parsed) -> bool {
    switch (event) {
      case HeaderJson::parse_event_t::object_start:
      case HeaderJson::parse_event_t::array_start:
        if (depth >= kMaxSafetensorsHeaderDepth) {
          throw InputError(path, 0,
                           "a safetensors header nested at most " +
                               std::to_string(kMaxSafetensorsHeaderDepth) + " levels deep");
        }
        if (event == HeaderJson::parse_event_t::object_start) keys.emplace_back();
        break;
      case HeaderJson::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case HeaderJson::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!keys.empty() && !keys.back().insert(key).second) {
          throw InputError(path, 0,
                           "unique names in the safetensors header, " + Quoted(key) +
                               " appears twice");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return HeaderJson::parse(begin, end, callback);
  } catch (const HeaderJson::exception& e) {
    throw InputError(path, 0, "a JSON safetensors header (" + PrintableText(e.what(), 200) + ")");
  }
}

struct Span {
  uint64_t begin;
  uint64_t end;
  size_t index;
};

}  // namespace

std::string Quoted(const std::string& text) { return "\"" + PrintableText(text) + "\""; }

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

DType DTypeFromName(const std::string& name) {
  if (const DTypeInfo* info = FindDType(name)) return info->dtype;
  throw std::invalid_argument("unknown safetensors dtype " + Quoted(name));
}

const char* DTypeName(DType dtype) { return Info(dtype).name; }

size_t DTypeSize(DType dtype) { return Info(dtype).size; }

std::string PrintableText(const std::string& text, size_t limit) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool SafetensorsByteSize(const std::vector<int64_t>& shape, size_t dtype_size, uint64_t* nbytes) {
  uint64_t n = dtype_size;
  for (int64_t dim : shape) {
    if (dim < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(dim), &n)) return false;
  }
  // Element counts must also fit torch's int64 numel.
  if (dtype_size > 0 && n / dtype_size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  *nbytes = n;
  return true;
}

SafetensorsHeader ParseSafetensorsHeader(const std::string& path, const unsigned char* base, uint64_t file_size) {
  if (file_size < 8) {
    throw InputError(path, 0,
                     "a safetensors file of at least 8 bytes, got " + std::to_string(file_size));
  }
  SafetensorsHeader result;
  // Header length, bounded before anything is allocated or read.
  const uint64_t header_size = ReadLe64(base);
  if (header_size > kMaxSafetensorsHeaderBytes) {
    throw InputError(path, 0,
                     "a safetensors header length <= " + std::to_string(kMaxSafetensorsHeaderBytes) +
                         " bytes, header claims " + std::to_string(header_size) + " bytes");
  }
  if (header_size > file_size - 8) {
    throw InputError(path, 0,
                     "a safetensors header length <= file size, header claims " +
                         std::to_string(header_size) + " bytes but only " +
                         std::to_string(file_size - 8) + " follow");
  }
  result.header_bytes = header_size;
  result.data_offset = 8 + header_size;
  const char* text = reinterpret_cast<const char*>(base + 8);
  if (!IsValidUtf8(std::string_view(text, header_size))) {
    throw InputError(path, 0, "a UTF-8 safetensors header");
  }
  const HeaderJson header = ParseHeaderJson(path, text, text + header_size);
  if (!header.is_object()) {
    throw InputError(path, 0,
                     std::string("a JSON object as safetensors header, got ") + header.type_name());
  }

  const uint64_t data_size = file_size - 8 - header_size;
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const HeaderJson& entry = it.value();
    if (name == kSafetensorsMetadataKey) {
      if (!entry.is_object()) {
        throw InputError(path, 0, std::string("__metadata__ to be an object, got ") + entry.type_name());
      }
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string()) {
          throw InputError(path, 0,
                           "__metadata__ of strings to strings, " + Quoted(m.key()) + " is " +
                               m.value().type_name());
        }
        result.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }

    const std::string where = "tensor " + Quoted(name);
    if (!entry.is_object()) {
      throw InputError(path, 0, "an object for " + where + ", got " + entry.type_name());
    }
    for (auto field = entry.begin(); field != entry.end(); ++field) {
      if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets") {
        throw InputError(path, 0,
                         "only dtype, shape and data_offsets in " + where + ", got " +
                             Quoted(field.key()));
      }
    }

    const auto dtype_it = entry.find("dtype");
    if (dtype_it == entry.end() || !dtype_it->is_string()) {
      throw InputError(path, 0, "a string \"dtype\" in " + where);
    }
    const DTypeInfo* info = FindDType(dtype_it->get_ref<const std::string&>());
    if (info == nullptr) {
      throw InputError(path, 0,
                       "a dtype among " + KnownDTypeNames() + " for " + where + ", got " +
                           Quoted(dtype_it->get_ref<const std::string&>()));
    }

    const auto shape_it = entry.find("shape");
    if (shape_it == entry.end() || !shape_it->is_array()) {
      throw InputError(path, 0, "an array \"shape\" in " + where);
    }
    std::vector<int64_t> shape;
    for (const HeaderJson& dim : *shape_it) {
      // nlohmann stores non-negative integers as unsigned, negative ones as signed.
      if (!dim.is_number_unsigned() ||
          dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw InputError(path, 0,
                         "non-negative integer dimensions in the shape of " + where + ", got " +
                             PrintableText(dim.dump()));
      }
      shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
    }
    uint64_t nbytes = 0;
    if (!SafetensorsByteSize(shape, info->size, &nbytes)) {
      throw InputError(path, 0, "a shape whose byte size fits in 64 bits for " + where);
    }

    const auto offsets_it = entry.find("data_offsets");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      throw InputError(path, 0,
                       "\"data_offsets\" [begin, end] of two non-negative integers in " + where);
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end) {
      throw InputError(path, 0,
                       "data_offsets begin <= end in " + where + ", got [" +
                           std::to_string(begin) + ", " + std::to_string(end) + "]");
    }
    if (end > data_size) {
      throw InputError(path, 0,
                       "data_offsets within the " + std::to_string(data_size) +
                           "-byte data buffer in " + where + ", got end " + std::to_string(end) +
                           " (truncated file?)");
    }
    if (end - begin != nbytes) {
      throw InputError(path, 0,
                       std::to_string(nbytes) + " bytes for " + where + " (" + info->name + " x " +
                           ShapeString(shape) + "), data_offsets span " +
                           std::to_string(end - begin));
    }

    spans.push_back({begin, end, result.tensors.size()});
    result.tensors.push_back(SafetensorsEntry{name, info->dtype, std::move(shape), begin, nbytes});
  }

  // Tensors must not share bytes (empty tensors hold none).
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered_end = 0;
  size_t covered_by = 0;
  for (const Span& span : spans) {
    if (span.begin == span.end) continue;
    if (span.begin < covered_end) {
      throw InputError(path, 0,
                       "non-overlapping tensors, " + Quoted(result.tensors[span.index].name) +
                           " overlaps " + Quoted(result.tensors[covered_by].name));
    }
    covered_end = span.end;
    covered_by = span.index;
  }
  return result;
}

}  // namespace steptree

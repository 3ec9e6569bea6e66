// Tests for policy/model/format/safetensors.h (reader validation, writer layout) and policy/model/tensor_io.h
// (torch round trips).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/input_error.h"
#include "policy/model/format/safetensors.h"
#include "policy/model/tensor_io.h"
#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Le64(uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return bytes;
}

// A file as Python's safetensors lays it out: length, header, data.
std::string FileBytes(const std::string& header, const std::string& data) {
  return Le64(header.size()) + header + data;
}

template <typename T>
std::string Bytes(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Opens `path`, expecting an InputError whose message names the file and contains `part`.
void ExpectRejected(const std::string& path, const std::string& part) {
  try {
    SafetensorsFile::Open(path);
    FAIL("expected an InputError for " << part);
  } catch (const InputError& e) {
    const std::string message = e.what();
    CHECK(message.find(path + ": expected ") == 0);
    CHECK_MESSAGE(message.find(part) != std::string::npos, message);
    CHECK(message.find('\n') == std::string::npos);
  }
}

const std::string kEntry = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";

}  // namespace

TEST_SUITE("safetensors") {

TEST_CASE("dtype names and sizes") {
  CHECK(DTypeFromName("BF16") == DType::kBF16);
  CHECK(std::string(DTypeName(DType::kBool)) == "BOOL");
  CHECK(DTypeSize(DType::kF64) == 8);
  CHECK(DTypeSize(DType::kBool) == 1);
  CHECK_THROWS_AS(DTypeFromName("F8"), std::invalid_argument);
}

TEST_CASE("torch round trip of dtypes and shapes") {
  test::TempDir dir;
  const std::string path = dir.path() + "/t.safetensors";
  torch::manual_seed(7);
  std::map<std::string, torch::Tensor> tensors;
  tensors["f32"] = torch::randn({3, 4});
  tensors["f16"] = torch::randn({5}).to(torch::kHalf);
  tensors["bf16"] = torch::randn({2, 3}).to(torch::kBFloat16);
  tensors["f64"] = torch::randn({2, 1, 2}, torch::kFloat64);
  tensors["i64"] = torch::arange(-5, 5, torch::kInt64).reshape({2, 5});
  tensors["i32"] = torch::tensor({INT32_MIN, 0, INT32_MAX}, torch::kInt32);
  tensors["i16"] = torch::tensor({-300, 300}, torch::kInt16);
  tensors["i8"] = torch::tensor({-128, 127}, torch::kInt8);
  tensors["u8"] = torch::tensor({0, 255}, torch::kUInt8);
  tensors["bool"] = torch::tensor({true, false, true});
  tensors["scalar"] = torch::tensor(3.5);  // 0-dim
  tensors["empty"] = torch::zeros({0, 7});
  tensors["strided"] = torch::arange(12, torch::kFloat32).reshape({3, 4}).t();  // non-contiguous

  SaveTensorMap(path, tensors);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  std::map<std::string, std::string> metadata{{"stale", "x"}};
  const auto loaded = LoadTensorMap(path, &metadata);
  CHECK(metadata.empty());
  REQUIRE(loaded.size() == tensors.size());
  for (const auto& [name, original] : tensors) {
    CAPTURE(name);
    REQUIRE(loaded.count(name) == 1);
    const torch::Tensor& t = loaded.at(name);
    CHECK(c10::toString(t.scalar_type()) == std::string(c10::toString(original.scalar_type())));
    CHECK(t.sizes() == original.sizes());
    CHECK(t.device().is_cpu());
    CHECK(torch::equal(t, original));
  }
  CHECK(loaded.at("scalar").dim() == 0);
  CHECK(loaded.at("empty").numel() == 0);

  // The loaded tensors own their memory: they outlive the file and its mapping.
  std::filesystem::remove(path);
  CHECK(loaded.at("f32").sum().item<float>() == doctest::Approx(tensors["f32"].sum().item<float>()));
}

TEST_CASE("metadata round trip and header order") {
  test::TempDir dir;
  const std::string path = dir.path() + "/m.safetensors";
  const std::map<std::string, std::string> metadata{{"format", "steptree-gpt"},
                                                    {"version", "1"},
                                                    {"note", "\xc3\xa9t\xc3\xa9"}};
  const float a[3] = {1, 2, 3};
  const int64_t b[1] = {42};
  WriteSafetensors(path,
                   {{"zeta", DType::kF32, {3}, a, sizeof a}, {"alpha", DType::kI64, {}, b, sizeof b}},
                   metadata);
  const std::string bytes = ReadAll(path);
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes.data(), 8);
  CHECK(header_size % 8 == 0);
  CHECK(bytes.size() == 8 + header_size + sizeof a + sizeof b);
  const auto header = nlohmann::json::parse(bytes.substr(8, header_size));
  CHECK(header["zeta"]["data_offsets"] == nlohmann::json::array({0, 12}));
  CHECK(header["alpha"]["data_offsets"] == nlohmann::json::array({12, 20}));
  CHECK(header["__metadata__"]["version"] == "1");

  auto file = SafetensorsFile::Open(path);
  CHECK(file->metadata() == metadata);
  REQUIRE(file->tensors().size() == 2);
  CHECK(file->tensors()[0].name == "zeta");  // header order = given order
  CHECK(file->tensors()[1].name == "alpha");
  const TensorView* alpha = file->Find("alpha");
  REQUIRE(alpha != nullptr);
  CHECK(alpha->shape.empty());
  CHECK(alpha->nbytes == 8);
  int64_t value = 0;
  std::memcpy(&value, alpha->data, 8);
  CHECK(value == 42);
  CHECK(file->Find("beta") == nullptr);

  std::map<std::string, std::string> loaded_metadata;
  LoadTensorMap(path, &loaded_metadata);
  CHECK(loaded_metadata == metadata);
}

TEST_CASE("writer rejects bad requests") {
  test::TempDir dir;
  const std::string path = dir.path() + "/w.safetensors";
  const float a[2] = {1, 2};
  CHECK_THROWS_AS(WriteSafetensors(path, {{"a", DType::kF32, {3}, a, sizeof a}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WriteSafetensors(path, {{"a", DType::kF32, {2}, a, sizeof a},
                                          {"a", DType::kF32, {2}, a, sizeof a}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WriteSafetensors(path, {{"__metadata__", DType::kF32, {2}, a, sizeof a}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WriteSafetensors(dir.path() + "/missing/x.safetensors",
                                   {{"a", DType::kF32, {2}, a, sizeof a}}),
                  std::runtime_error);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("reads a hand-built python-style file") {
  test::TempDir dir;
  // Python pads the header with spaces to a multiple of 8 and may list __metadata__ first.
  std::string header =
      R"({"__metadata__":{"format":"pt"},"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("bias":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},)"
      R"("flags":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]},)"
      R"("nothing":{"dtype":"I32","shape":[0,4],"data_offsets":[23,23]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  const std::string data = Bytes<float>({1.5f, -2.0f, 0.25f, 8.0f}) +
                           Bytes<uint16_t>({0x3C00, 0xC000}) + std::string("\x01\x00\x01", 3);
  const std::string path = dir.Write("py.safetensors", FileBytes(header, data));

  auto file = SafetensorsFile::Open(path);
  CHECK(file->metadata().at("format") == "pt");
  REQUIRE(file->tensors().size() == 4);
  CHECK(file->tensors()[0].name == "weight");
  CHECK(file->tensors()[2].dtype == DType::kBool);

  std::map<std::string, std::string> metadata;
  const auto tensors = LoadTensorMap(path, &metadata);
  CHECK(metadata.at("format") == "pt");
  CHECK(torch::equal(tensors.at("weight"), torch::tensor({{1.5f, -2.0f}, {0.25f, 8.0f}})));
  CHECK(torch::equal(tensors.at("bias"), torch::tensor({1.0f, -2.0f}).to(torch::kHalf)));
  CHECK(torch::equal(tensors.at("flags"), torch::tensor({true, false, true})));
  CHECK(tensors.at("nothing").sizes() == torch::IntArrayRef({0, 4}));
  CHECK(c10::toString(tensors.at("nothing").scalar_type()) == std::string("Int"));
}

TEST_CASE("rejects broken files with InputError naming the file") {
  test::TempDir dir;
  int counter = 0;
  auto write = [&](const std::string& bytes) {
    return dir.Write("bad" + std::to_string(counter++) + ".safetensors", bytes);
  };
  const std::string eight_bytes = Bytes<float>({1, 2});

  ExpectRejected(dir.path() + "/absent.safetensors", "readable");
  ExpectRejected(dir.path(), "regular");
  ExpectRejected(write(""), "at least 8 bytes, got 0");
  ExpectRejected(write("abcde"), "at least 8 bytes, got 5");
  ExpectRejected(write(Le64(999999) + "{}"),
                 "header length <= file size, header claims 999999 bytes");
  ExpectRejected(write(Le64(uint64_t{1} << 63) + "{}"), "header claims 9223372036854775808");
  ExpectRejected(write(Le64(~uint64_t{0}) + "{}"), "header length <=");
  ExpectRejected(write(FileBytes("", "")), "JSON");
  ExpectRejected(write(FileBytes("not json", "")), "JSON");
  ExpectRejected(write(FileBytes(R"({"a":{)" + kEntry, eight_bytes)), "JSON");
  ExpectRejected(write(FileBytes("[1,2,3]", "")), "JSON object");
  ExpectRejected(write(FileBytes("\"str\"", "")), "JSON object");
  ExpectRejected(write(FileBytes("{\"a\xff\":{" + kEntry + "}}", eight_bytes)), "UTF-8");
  ExpectRejected(write(FileBytes("{\"\xc0\xaf\":1}", "")), "UTF-8");  // overlong
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})",
                                 "ab")),
                 "dtype among");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "string \"dtype\"");
  ExpectRejected(write(FileBytes(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight_bytes)),
                 "string \"dtype\"");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "non-negative integer dimensions");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "non-negative integer dimensions");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "array \"shape\"");
  ExpectRejected(
      write(FileBytes(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                      eight_bytes)),
      "fits in 64 bits");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "12 bytes for tensor \"a\" (F32 x [3]), data_offsets span 8");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                 eight_bytes)),
                 "within the 8-byte data buffer");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[9,9]}})",
                                 eight_bytes)),
                 "within the 8-byte data buffer");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",
                                 eight_bytes)),
                 "begin <= end");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})",
                                 eight_bytes)),
                 "data_offsets");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-1,7]}})",
                                 eight_bytes)),
                 "data_offsets");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})",
                                 eight_bytes)),
                 "only dtype, shape and data_offsets");
  ExpectRejected(write(FileBytes(R"({"a":[1]})", "")), "object for tensor \"a\"");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"I32","shape":[2],"data_offsets":[4,12]}})",
                                 eight_bytes + eight_bytes)),
                 "non-overlapping tensors, \"b\" overlaps \"a\"");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                 R"("b":{"dtype":"I32","shape":[0],"data_offsets":[4,4]},)"
                                 R"("c":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}})",
                                 eight_bytes + eight_bytes)),
                 "non-overlapping tensors, \"c\" overlaps \"a\"");
  ExpectRejected(write(FileBytes("{\"a\":{" + kEntry + "},\"a\":{" + kEntry + "}}", eight_bytes)),
                 "unique names in the safetensors header, \"a\" appears twice");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "appears twice");
  ExpectRejected(write(FileBytes(R"({"__metadata__":{"k":1}})", "")), "strings to strings");
  ExpectRejected(write(FileBytes(R"({"__metadata__":["k"]})", "")), "__metadata__ to be an object");
  ExpectRejected(write(FileBytes(R"({"__metadata__":{"k":{"x":"y"}}})", "")), "strings to strings");
  ExpectRejected(write(FileBytes(R"({"a":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}})",
                                 eight_bytes)),
                 "nested");
  ExpectRejected(write(FileBytes(std::string(100, '[') + std::string(100, ']'), "")), "nested");
  // Truncated data: the header promises more bytes than the file holds.
  ExpectRejected(write(FileBytes("{\"a\":{" + kEntry + "}}", eight_bytes.substr(0, 5))),
                 "truncated");

  // Bad BOOL bytes pass the header check but not the torch loader.
  const std::string bools = write(
      FileBytes(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x01\x02", 2)));
  CHECK_NOTHROW(SafetensorsFile::Open(bools));
  CHECK_THROWS_AS(LoadTensorMap(bools), InputError);

  // An empty header object is a valid file with no tensors.
  const auto empty = SafetensorsFile::Open(write(FileBytes("{}      ", "")));
  CHECK(empty->tensors().empty());
}

TEST_CASE("mutated files load or throw InputError, never crash") {
  test::TempDir dir;
  const std::string valid_path = dir.path() + "/valid.safetensors";
  std::map<std::string, torch::Tensor> tensors;
  tensors["w"] = torch::arange(6, torch::kFloat32).reshape({2, 3});
  tensors["b"] = torch::tensor({true, false});
  tensors["s"] = torch::tensor(int64_t{9});
  tensors["e"] = torch::zeros({0}, torch::kFloat16);
  SaveTensorMap(valid_path, tensors, {{"k", "v"}});
  const std::string valid = ReadAll(valid_path);
  REQUIRE(valid.size() > 100);

  std::vector<std::string> variants;
  std::mt19937 rng(12345);
  // Every byte position with a few replacements that matter to the parser, then random
  // bytes and truncations at every length.
  const std::string replacements = std::string("\xff\x00\"{}[]-9,:\x80", 12);
  for (size_t pos = 0; pos < valid.size(); ++pos) {
    std::string v = valid;
    v[pos] = static_cast<char>(v[pos] ^ 0xff);
    variants.push_back(v);
    v = valid;
    v[pos] = replacements[rng() % replacements.size()];
    variants.push_back(v);
    variants.push_back(valid.substr(0, pos));
  }
  for (int i = 0; i < 200; ++i) {
    std::string v = valid;
    for (int k = 0; k < 3; ++k) v[rng() % v.size()] = static_cast<char>(rng() & 0xff);
    variants.push_back(v);
  }
  REQUIRE(variants.size() > 300);

  int loaded = 0;
  int rejected = 0;
  const std::string path = dir.path() + "/variant.safetensors";
  for (size_t i = 0; i < variants.size(); ++i) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << variants[i];
    }
    try {
      auto file = SafetensorsFile::Open(path);
      for (const TensorView& view : file->tensors()) {
        // Touch every byte the views claim, to catch out-of-bounds views.
        unsigned sum = 0;
        for (size_t k = 0; k < view.nbytes; ++k) sum += static_cast<unsigned>(view.data[k]);
        (void)sum;
      }
      LoadTensorMap(path);
      ++loaded;
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find(path + ": expected ") == 0);
      ++rejected;
    } catch (const std::exception& e) {
      FAIL("variant " << i << " threw a non-InputError: " << e.what());
    }
  }
  MESSAGE(loaded << " variants loaded, " << rejected << " rejected");
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}

}  // TEST_SUITE("safetensors")

// Replays the fuzz targets' inputs through the same functions libFuzzer calls
// (fuzz/fuzz_targets.h): every seed (fuzz/corpus/<target>/) and every input a fuzzer once
// crashed on (tests/fuzz_regressions/<target>/, copied there by scripts/fuzz.sh). Each
// target catches the documented input errors (InputError, UsageError) itself, so nothing
// may escape; crashes and sanitizer reports show under the sanitizer builds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "tests/test_util.h"

namespace steptree {
namespace {

namespace fs = std::filesystem;

// The files under `dir` (none when it does not exist), sorted.
std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs every file of `dir` through `target`; returns how many ran.
int Replay(const fuzz::FuzzTarget& target, const fs::path& dir) {
  int count = 0;
  for (const fs::path& file : FilesUnder(dir)) {
    const std::string bytes = ReadBytes(file);
    INFO("fuzz target " << std::string(target.name) << ", input " << file.string());
    CHECK_NOTHROW(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("every fuzz target runs its seed corpus without an escaping exception") {
  for (const fuzz::FuzzTarget& target : fuzz::AllFuzzTargets()) {
    INFO("fuzz target " << std::string(target.name));
    CHECK(Replay(target, fs::path(test::SourceDir()) / "fuzz" / "corpus" / target.name) >= 1);
  }
}

TEST_CASE("every input a fuzzer found replays without an escaping exception") {
  const fs::path root = fs::path(test::SourceDir()) / "tests" / "fuzz_regressions";
  for (const fuzz::FuzzTarget& target : fuzz::AllFuzzTargets()) Replay(target, root / target.name);
  // No folder may name a target that does not exist (a renamed target would skip its inputs).
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    const auto& targets = fuzz::AllFuzzTargets();
    const bool known =
        std::any_of(targets.begin(), targets.end(), [&](const fuzz::FuzzTarget& t) { return name == t.name; });
    CHECK_MESSAGE(known, "tests/fuzz_regressions/" << name << " names no fuzz target");
  }
}

TEST_CASE("empty and tiny inputs reach every fuzz target") {
  const uint8_t bytes[] = {0, '{', '[', 0xff, '\n'};
  for (const fuzz::FuzzTarget& target : fuzz::AllFuzzTargets()) {
    INFO("fuzz target " << std::string(target.name));
    for (size_t n = 0; n <= sizeof bytes; ++n) CHECK_NOTHROW(target.run(bytes, n));
  }
}

}  // namespace steptree

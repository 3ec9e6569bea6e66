// Helpers shared by the test suites: temporary folders, paths to the shared data sets and
// the built binary, and running the CLI.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace steptree::test {

// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("steptree-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// Folder with gsm8k/ and math500/: $STEPTREE_DATA_DIR, else the configured default.
inline std::string DataDir() {
  if (const char* env = std::getenv("STEPTREE_DATA_DIR")) return env;
  return STEPTREE_DATA_DIR;
}
inline bool HaveData(const std::string& relative) {
  return std::filesystem::exists(DataDir() + "/" + relative);
}

// Records that the running test case skipped its work, or part of it, because a prerequisite
// is absent (the data sets, the npm reference, python3-torch); prints `SKIPPED: reason`.
// Only cases in a needs-* suite (needs-data, needs-npm, needs-python) may skip: their ctest
// entry then reports "skipped", scripts/test.sh lists them, and under CI=true fails.
// Defined in tests/test_main.cc.
void RecordSkip(const std::string& reason);

// Skips the rest of the running test case (see RecordSkip).
#define STEPTREE_SKIP_TEST(reason)            \
  do {                                        \
    ::steptree::test::RecordSkip(reason);     \
    return;                                   \
  } while (0)

inline std::string SourceDir() { return STEPTREE_SOURCE_DIR; }
// The steptree executable. The sanitizer builds do not build it (cmake/sanitize_build.cmake):
// a case of a torch-side test file that runs it carries `* doctest::test_suite("runs-binary")`,
// which those builds leave out; an unmarked one fails there, as the path does not exist.
inline std::string Binary() { return STEPTREE_BINARY; }

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing stdout+stderr.
inline CommandResult Run(const std::string& command) {
  TempDir dir;
  const std::string out = dir.path() + "/out.txt";
  const int status = std::system((command + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

// The last line of `output` that parses as a JSON object (a command's --json summary
// after its progress lines); null when there is none.
inline nlohmann::json LastJsonObject(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  nlohmann::json found;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) found = std::move(parsed);
  }
  return found;
}

}  // namespace steptree::test

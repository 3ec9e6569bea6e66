// The target table and the scratch files of the fuzz targets (fuzz/fuzz_targets.h).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "fuzz/fuzz_targets.h"

namespace steptree::fuzz {
namespace {

// This process's scratch folder, removed when the process exits normally.
class ScratchDir {
 public:
  ScratchDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("steptree-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

const std::vector<FuzzTarget>& AllFuzzTargets() {
  static const std::vector<FuzzTarget> targets = {
      {"problem_records", FuzzProblemRecords}, {"tree_reader", FuzzTreeReader},
      {"grader", FuzzGrader},                  {"calculator", FuzzCalculator},
      {"hf_tokenizer", FuzzHfTokenizer},       {"model_config", FuzzModelConfig},
      {"safetensors", FuzzSafetensors},        {"weight_index", FuzzWeightIndex},
      {"sweep_config", FuzzSweepConfig},       {"chat_template", FuzzChatTemplate},
  };
  return targets;
}

std::string WriteScratchFile(const std::string& name, const uint8_t* data, size_t size) {
  static ScratchDir dir;
  const std::string path = (dir.path() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) throw std::runtime_error("fuzz: cannot write the scratch file " + path);
  return path;
}

}  // namespace steptree::fuzz

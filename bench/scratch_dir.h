// A working folder for a bench run: the one the user named (kept), or a fresh folder under
// the system temp dir, removed with its contents when this goes out of scope. No torch.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace steptree::bench {

class ScratchDir {
 public:
  // keep: a folder to use and keep; empty for a temporary "<prefix>-<random>" folder.
  ScratchDir(const std::string& keep, const std::string& prefix) {
    if (!keep.empty()) {
      path_ = keep;
    } else {
      std::random_device rd;
      path_ = (std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(rd()))).string();
      remove_ = true;
    }
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    if (remove_) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool remove_ = false;
};

}  // namespace steptree::bench

// Write to a temporary file, rename into place (export/atomic_output.h).
#include "export/atomic_output.h"

#include <unistd.h>

#include <filesystem>

#include "datasets/input_error.h"

namespace steptree {

AtomicOutputFile::AtomicOutputFile(const std::string& path)
    : path_(path), temporary_(path + ".tmp-" + std::to_string(::getpid())) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw InputError(path, 0, "a writable output file (cannot create " + temporary_ + ")");
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temporary_, ec);
}

void AtomicOutputFile::WriteLine(const std::string& line) {
  out_ << line << '\n';
}

void AtomicOutputFile::Commit() {
  out_.flush();
  const bool written = static_cast<bool>(out_);
  out_.close();
  if (!written) throw InputError(path_, 0, "a writable output file (writing " + temporary_ + " failed)");
  std::error_code ec;
  std::filesystem::rename(temporary_, path_, ec);
  if (ec) throw InputError(path_, 0, "a writable output file (rename failed: " + ec.message() + ")");
  committed_ = true;
}

}  // namespace steptree

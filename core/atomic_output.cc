// Write to a temporary file, rename into place (core/atomic_output.h).
#include "core/atomic_output.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "core/input_error.h"
#include "core/output_path.h"

namespace steptree {

AtomicOutputFile::AtomicOutputFile(const std::string& path, const std::string& flag)
    : path_(path), to_stdout_(IsStdoutPath(path)) {
  CheckOutputFile(path, flag, /*stdout_allowed=*/true);
  if (to_stdout_) return;
  path_ = OutputTarget(path);  // a symbolic link stays; the file it names is replaced
  temporary_ = path_ + ".tmp-" + std::to_string(::getpid());
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw InputError(path, 0, "a writable output file (cannot create " + temporary_ + ")");
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed_ || to_stdout_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temporary_, ec);
}

void AtomicOutputFile::WriteLine(const std::string& line) {
  if (to_stdout_) {
    std::cout << line << '\n';
    return;
  }
  out_ << line << '\n';
}

void AtomicOutputFile::Commit() {
  if (to_stdout_) {
    std::cout.flush();
    if (!std::cout) throw InputError("-", 0, "a writable standard output");
    committed_ = true;
    return;
  }
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

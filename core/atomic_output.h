// An output file that appears whole or not at all: lines go to "<path>.tmp-<pid>" beside
// the target, and Commit() renames that over `path` (rename(2) within one folder is
// atomic). Destroyed without Commit() (an InputError halfway through the input), the
// temporary file is removed and whatever `path` held before is left untouched.
// The path "-" writes to standard output instead (no temporary file; lines go out as they
// are written).
#pragma once

#include <fstream>
#include <string>

namespace steptree {

class AtomicOutputFile {
 public:
  // Checks the path as CheckOutputFile(path, flag, stdout_allowed = true) does
  // (core/output_path.h), then creates the temporary file. Throws UsageError or
  // InputError(path, 0, ...) when the output cannot be written.
  explicit AtomicOutputFile(const std::string& path, const std::string& flag = "output");
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  // Appends `line` and a newline.
  void WriteLine(const std::string& line);
  // Flushes, closes and renames into place. Throws InputError on an I/O failure.
  void Commit();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream out_;
  bool to_stdout_ = false;
  bool committed_ = false;
};

}  // namespace steptree

// An output file that appears whole or not at all: lines go to "<path>.tmp-<pid>", and
// Commit() renames that over `path` (rename(2) within one folder is atomic). Destroyed
// without Commit() (an InputError halfway through the input), the temporary file is
// removed and whatever `path` held before is left untouched.
#pragma once

#include <fstream>
#include <string>

namespace steptree {

class AtomicOutputFile {
 public:
  // Creates the parent folder when missing. Throws InputError(path, 0, ...) when the
  // temporary file cannot be created.
  explicit AtomicOutputFile(const std::string& path);
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
  bool committed_ = false;
};

}  // namespace steptree

// Errors in user-supplied input (data files, checkpoints, flags).
//
// Invariant: what() is exactly one line, "FILE:LINE: expected WHAT" (or "FILE: expected
// WHAT" when no line applies), so the command line can print it as it is and exit 2.
// Programmer errors are not InputErrors: they use assert or std::logic_error (exit 1).
#pragma once

#include <stdexcept>
#include <string>

namespace steptree {

class InputError : public std::runtime_error {
 public:
  // line <= 0 means "no line applies" (a binary file, a flag).
  InputError(const std::string& file, long line, const std::string& expected);

  const std::string& file() const { return file_; }
  long line() const { return line_; }

 private:
  std::string file_;
  long line_;
};

// Bad command-line usage (unknown flag value, missing required flag): exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Work handed to something outside steptree did not get done (a cluster launcher's shards
// still unfinished after every resubmission): neither the input's fault nor a bug. Exit 3.
class ExternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace steptree

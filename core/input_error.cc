#include "core/input_error.h"

namespace steptree {
namespace {

std::string FormatInputError(const std::string& file, long line, const std::string& expected) {
  std::string message = file;
  if (line > 0) message += ":" + std::to_string(line);
  message += ": expected " + expected;
  // One line, always: fold any newline the caller let through.
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

}  // namespace

InputError::InputError(const std::string& file, long line, const std::string& expected)
    : std::runtime_error(FormatInputError(file, line, expected)), file_(file), line_(line) {}

}  // namespace steptree

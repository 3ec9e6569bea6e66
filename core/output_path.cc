// Output path checks (core/output_path.h).
#include "core/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/input_error.h"

namespace steptree {
namespace fs = std::filesystem;
namespace {

std::string Refusal(const std::string& flag, const std::string& path, const std::string& why) {
  return flag + " " + path + ": " + why;
}

// What sits at `path` (following symbolic links), described for a refusal; empty when it
// is a regular file or nothing.
std::string NotARegularFile(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return "";
  if (S_ISREG(info.st_mode)) return "";
  if (S_ISDIR(info.st_mode)) return "is a folder, not a file";
  if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) return "is a device, not a regular file (use - for standard output where the command allows it)";
  if (S_ISFIFO(info.st_mode)) return "is a pipe, not a regular file (use - for standard output where the command allows it)";
  return "is not a regular file";
}

bool InSystemTree(const std::string& path) {
  for (const char* root : {"/dev/", "/proc/", "/sys/"}) {
    if (path.rfind(root, 0) == 0) return true;
  }
  return false;
}

// Creates the folder (and its parents) and proves it writable with a probe file.
void RequireWritableFolder(const fs::path& folder, const std::string& flag, const std::string& path) {
  std::error_code ec;
  const fs::path where = folder.empty() ? fs::path(".") : folder;
  if (!fs::exists(where, ec)) {
    fs::create_directories(where, ec);
    if (ec) throw UsageError(Refusal(flag, path, "cannot create the folder " + where.string() + " (" + ec.message() + ")"));
  }
  if (!fs::is_directory(where, ec)) {
    throw UsageError(Refusal(flag, path, where.string() + " is not a folder"));
  }
  const std::string probe = (where / (".steptree-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    throw UsageError(Refusal(flag, path, "the folder " + where.string() + " is not writable (" + std::strerror(errno) + ")"));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

bool IsStdoutPath(const std::string& path) { return path == "-"; }

void CheckOutputFile(const std::string& path, const std::string& flag, bool stdout_allowed) {
  if (path.empty()) throw UsageError(flag + ": an output path is required");
  if (IsStdoutPath(path)) {
    if (stdout_allowed) return;
    throw UsageError(Refusal(flag, path, "this output cannot go to standard output; give a file"));
  }
  const std::string target = OutputTarget(path);
  if (InSystemTree(fs::absolute(path).lexically_normal().string()) || InSystemTree(target)) {
    throw UsageError(Refusal(flag, path, "is a system file (/dev, /proc, /sys), not an output file "
                                         "(use - for standard output where the command allows it)"));
  }
  const std::string special = NotARegularFile(target);
  if (!special.empty()) throw UsageError(Refusal(flag, path, special));
  RequireWritableFolder(fs::path(target).parent_path(), flag, path);
}

std::string OutputTarget(const std::string& path) {
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) return path;
  const fs::path resolved = fs::weakly_canonical(path, ec);
  return ec ? path : resolved.string();
}

void CheckOutputDir(const std::string& path, const std::string& flag) {
  if (path.empty()) throw UsageError(flag + ": an output folder is required");
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
    throw UsageError(Refusal(flag, path, "exists and is not a folder"));
  }
  RequireWritableFolder(fs::path(path), flag, path);
}

void CheckDistinctOutputs(const std::string& a, const std::string& flag_a, const std::string& b,
                          const std::string& flag_b) {
  if (IsStdoutPath(a) || IsStdoutPath(b)) return;
  std::error_code ec;
  const fs::path ca = fs::weakly_canonical(a, ec);
  const fs::path cb = fs::weakly_canonical(b, ec);
  if (ca == cb) throw UsageError(flag_a + " and " + flag_b + " name the same file " + a);
}

}  // namespace steptree

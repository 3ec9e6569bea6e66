// Output paths checked before any work starts, so that no mistake found later (a missing
// folder for a second output, a typo in a path, a bad input line) can cost what a file
// already holds.
//
// Invariant kept by every command: an existing output file is either left byte-identical
// or replaced whole by a finished result (outputs are written beside the target and renamed
// into place, see AtomicOutputFile and search/run_to_file.h). The checks here run before the
// first byte of work:
//   - "-" means standard output, only where the command streams (stdout_allowed);
//   - an existing target must be a regular file (a directory, device, FIFO or socket is
//     refused, also behind a symbolic link), and nothing under /dev, /proc or /sys is an
//     output file (renaming over /dev/stdout would replace the link with a file);
//   - a symbolic link to a regular file is followed: the file it names is replaced and the
//     link kept (OutputTarget);
//   - the parent folder is created when missing, and must then be a writable folder
//     (a probe file is created in it and removed).
// Every refusal is a UsageError naming the flag and the path: exit 2, one line.
#pragma once

#include <string>

namespace steptree {

// True for the path "-" (standard output).
bool IsStdoutPath(const std::string& path);

// Checks an output file given by `flag` (e.g. "--output"). Creates its parent folder.
void CheckOutputFile(const std::string& path, const std::string& flag, bool stdout_allowed = false);

// The file an output at `path` replaces: the target of a symbolic link, else `path`.
std::string OutputTarget(const std::string& path);

// Checks an output folder given by `flag`: an existing path must be a folder; a missing
// one is created; it must be writable.
void CheckOutputDir(const std::string& path, const std::string& flag);

// Two outputs of one command must not be the same file (one would overwrite the other).
void CheckDistinctOutputs(const std::string& a, const std::string& flag_a, const std::string& b,
                          const std::string& flag_b);

}  // namespace steptree

// Child processes of the command line (evolve's steps, a cluster launcher).
#pragma once

#include <string>
#include <vector>

namespace steptree::app {

// Runs `program` with `argv` (argv[0] included) as a child process and waits for it. The
// child's standard output goes to our standard error: our standard output carries only the
// command's own table or --json. Returns the exit status, or 128 + the signal that ended
// it; 127 when `program` cannot be run (the child says why on standard error).
int RunChildProcess(const std::string& program, const std::vector<std::string>& argv);

}  // namespace steptree::app

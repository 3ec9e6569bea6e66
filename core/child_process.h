// Child processes: evolve's steps, a cluster launcher, bench's shard processes.
#pragma once

#include <string>
#include <vector>

namespace steptree {

// Runs `program` with `argv` (argv[0] included) as a child process and waits for it. The
// child's standard output goes to our standard error: our standard output carries only the
// command's own table or --json. Returns the exit status, or 128 + the signal that ended
// it; 127 when `program` cannot be run (the child says why on standard error).
int RunChildProcess(const std::string& program, const std::vector<std::string>& argv);

// The same in two halves: StartChildProcess returns the running child's pid (throws
// std::runtime_error when no process can be made), WaitChildProcess its exit status as
// above. Children started together run concurrently.
int StartChildProcess(const std::string& program, const std::vector<std::string>& argv);
int WaitChildProcess(int pid);

}  // namespace steptree

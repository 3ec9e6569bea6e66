// Child processes (core/child_process.h).
#include "core/child_process.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace steptree {

int StartChildProcess(const std::string& program, const std::vector<std::string>& argv) {
  std::vector<std::string> words = argv;
  std::vector<char*> pointers;
  for (std::string& word : words) pointers.push_back(word.data());
  pointers.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(errno));
  if (pid == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execv(program.c_str(), pointers.data());
    const std::string message = "cannot run " + program + ": " + std::strerror(errno) + "\n";
    if (write(STDERR_FILENO, message.data(), message.size()) < 0) _exit(127);
    _exit(127);
  }
  return pid;
}

int WaitChildProcess(int pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int RunChildProcess(const std::string& program, const std::vector<std::string>& argv) {
  return WaitChildProcess(StartChildProcess(program, argv));
}

}  // namespace steptree

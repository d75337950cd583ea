#pragma once
// Starts and stops the shipped binaries from tests (the worker must be SIGKILLable).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace paynotify::testing {

class ChildProcess {
 public:
  // argv[0] is the program path; stdout and stderr go to log_path.
  ChildProcess(std::vector<std::string> argv, const std::string& log_path);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void signal(int sig);
  int wait();  // exit code, or 128 + signal
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

uint16_t free_port();

// Runs a shell command; its exit code and standard output (add 2>&1 for its errors too).
struct ShellRun {
  int exit_code = -1;
  std::string output;
};
ShellRun run_shell(const std::string& command);

// True once something accepts connections on 127.0.0.1:port (polls up to `timeout`).
bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace paynotify::testing

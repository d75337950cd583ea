#include "common/service/service_main.hpp"

#include <pthread.h>
#include <sys/resource.h>

#include <iostream>

namespace paynotify {

std::optional<int> start_service(const std::string& program, Options& options, int argc,
                                 char** argv, const std::function<void()>& configure) {
  try {
    switch (options.parse({argv + 1, argv + argc}, process_environment())) {
      case Options::Outcome::help: std::cout << options.help_text(); return 0;
      case Options::Outcome::version:
        std::cout << program << " " << PAYNOTIFY_VERSION << "\n";
        return 0;
      case Options::Outcome::run: break;
    }
    if (!options.positional().empty()) {
      throw ConfigError("unexpected argument '" + options.positional().front() + "'");
    }
    configure();
    raise_open_file_limit();
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 2;
  }
  return std::nullopt;
}

void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // best effort: the soft limit only ever goes up
}

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

int wait_for_stop_signal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

}  // namespace paynotify

#pragma once
// What every paynotify service's main() does first: read its options (--help, --version, and
// start-up errors that exit 2), and block the stop signals so one thread can wait for them.

#include <csignal>
#include <functional>
#include <optional>
#include <string>

#include "common/service/options.hpp"

namespace paynotify {

// Parses argv and the environment, then calls `configure` (which may throw ConfigError and the
// like). Returns an exit code when main should return at once, nullopt to go on.
std::optional<int> start_service(const std::string& program, Options& options, int argc,
                                 char** argv, const std::function<void()>& configure);

// Raises the soft limit of open files to the hard limit (start_service does it): connections
// are files, and a low default soft limit (1024) is an easy target for a connection flood.
void raise_open_file_limit();

// Blocks SIGTERM and SIGINT in this thread and every thread started after, ignores SIGPIPE.
// Returns the set to sigwait() on.
sigset_t block_stop_signals();

// Waits for SIGTERM or SIGINT; returns the signal.
int wait_for_stop_signal(const sigset_t& signals);

}  // namespace paynotify

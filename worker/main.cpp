// paynotify-worker: reads its configuration, starts the Worker, waits for SIGTERM/SIGINT and
// drains. Start-up failures exit 2 with a message naming the option and its value.
#include <iostream>

#include "common/service/log.hpp"
#include "common/service/service_main.hpp"
#include "worker/worker.hpp"

using namespace paynotify;
using namespace paynotify::worker;

int main(int argc, char** argv) {
  Options options = worker_options();
  WorkerConfig config;
  if (const auto exit_code = start_service("paynotify-worker", options, argc, argv, [&] {
        config = worker_config_from(options);
        init_logging("worker", config.log_level);
      })) {
    return *exit_code;
  }
  const sigset_t stop_signals = block_stop_signals();
  Worker worker(std::move(config));
  try {
    worker.start();
  } catch (const std::exception& e) {
    worker.stop();
    log_event(spdlog::level::critical, "start_failed", {{"error", e.what()}});
    std::cerr << "paynotify-worker: " << e.what() << "\n";
    return 2;
  }
  const int sig = wait_for_stop_signal(stop_signals);
  log_event(spdlog::level::info, "stop_signal", {{"signal", sig}});
  return worker.stop() == 0 ? 0 : 1;
}

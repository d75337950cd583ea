#pragma once
// paynotify-worker's options (DESIGN.md "Configuration") and their translation into settings.

#include <map>
#include <optional>
#include <string>

#include "common/antom/antom_api_client.hpp"
#include "common/service/options.hpp"
#include "worker/order_service_client.hpp"
#include "worker/redis/redis_dedupe_store.hpp"
#include "worker/worker_engine.hpp"

namespace paynotify::worker {

Options worker_options();

struct WorkerConfig {
  EngineSettings engine;
  OrderServiceSettings order_service;
  RedisSettings redis;
  std::size_t redis_connections = 4;
  std::string kafka_brokers;
  std::string group;
  std::map<std::string, std::string> kafka_properties;
  int kafka_max_in_flight = 5;  // the producer's; above 5 the idempotent producer refuses to start
  std::string admin_host;
  uint16_t admin_port = 9103;
  std::chrono::milliseconds drain_timeout{20000};
  std::string log_level;
  // Reconciliation: on when a merchant private key is given (engine.reconcile_after_ms > 0 then).
  std::optional<AntomApiSettings> antom_api;
  int reconcile_rate = 5;  // inquiries per second at most
};

// Throws ConfigError naming the option.
WorkerConfig worker_config_from(const Options& options);

}  // namespace paynotify::worker

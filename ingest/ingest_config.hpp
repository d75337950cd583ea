#pragma once
// paynotify-ingest's options (DESIGN.md "Configuration") and their translation into the
// settings of each part. Every mistake is a ConfigError that names the option.

#include <map>
#include <memory>
#include <string>

#include "common/antom/key_registry.hpp"
#include "common/service/options.hpp"
#include "ingest/http_server.hpp"
#include "ingest/notification_intake.hpp"

namespace paynotify::ingest {

Options ingest_options();

struct IngestConfig {
  ServerLimits server;
  IntakeSettings intake;
  std::shared_ptr<KeyRegistry> keys;
  std::string admin_host;
  uint16_t admin_port = 9102;
  std::string kafka_brokers;
  std::map<std::string, std::string> kafka_properties;
  int producer_queue_max = 100000;
  int kafka_max_in_flight = 5;  // above 5 the idempotent producer refuses to start
  std::chrono::milliseconds drain_timeout{20000};
  std::string log_level;
};

// Reads key files too; throws ConfigError (or std::runtime_error for unreadable files).
IngestConfig ingest_config_from(const Options& options);

}  // namespace paynotify::ingest

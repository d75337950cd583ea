#pragma once
// Whether this worker may trust what Redis says about parking. Order per payment rests on the
// parking keys: lose them (a restart without persistence, a failover to a replica that lagged,
// a FLUSHALL) and a capture can overtake the authorization waiting in the retry topic.
//
// So Redis carries a generation key, minted only after the parking has been rebuilt from the
// retry topic (ParkingRecovery), and every claim checks it atomically in its script: once the
// key is gone, no worker claims anything until a rebuild mints a new one. Its value names the
// Redis run_id it was minted under, so a restart or failover that kept the key (AOF, replica)
// but may have lost the last writes is noticed too, on the reconnect that must follow it.

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "worker/store/key_pieces.hpp"

namespace paynotify::worker {

// Per deployment (`scope`: its main topic): a deployment's parking is rebuilt from its own
// retry topic, so each has its own generation, rebuild lock and audit of rebuilt parkings.
KeyPieces generation_key_pieces(std::string_view scope);
inline std::string generation_key(std::string_view scope) {
  return generation_key_pieces(scope).str();
}
std::string rebuild_lock_key(const std::string& scope);
std::string parking_audit_key(const std::string& scope);

// Shared by every Redis connection of one worker. Thread-safe.
class StoreGeneration {
 public:
  bool trusted() const;
  // The value claims must find in Redis; empty while not trusted.
  std::string value() const;
  // The Redis run_id the trusted generation belongs to (empty when unknown).
  std::string run_id() const;
  std::string distrust_reason() const;

  void adopt(const std::string& value, const std::string& run_id);
  // Claims stop until the next adopt(). Returns true when it was trusted until now.
  bool distrust(const std::string& reason);

 private:
  mutable std::mutex mu_;
  bool trusted_ = false;
  std::string value_, run_id_, reason_ = "not checked yet";
};

// "<random>@<run_id>"
std::string mint_generation(const std::string& run_id);
std::string run_id_of_generation(const std::string& value);

// What a worker does on a check, from what it trusts and what Redis shows now. Pure.
enum class GenerationStep {
  keep,     // trusted, and Redis shows the same generation under the same server
  adopt,    // another worker (or an earlier run) rebuilt: trust the generation Redis shows
  rebuild,  // the key is gone, or the server restarted or changed since it was minted
};
GenerationStep decide_generation(bool trusted, const std::string& trusted_value,
                                 const std::optional<std::string>& seen_value,
                                 const std::string& seen_run_id);

}  // namespace paynotify::worker

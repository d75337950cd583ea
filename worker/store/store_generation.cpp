#include "worker/store/store_generation.hpp"

#include "common/service/ids.hpp"

namespace paynotify::worker {

bool StoreGeneration::trusted() const {
  std::lock_guard lock(mu_);
  return trusted_;
}

std::string StoreGeneration::value() const {
  std::lock_guard lock(mu_);
  return trusted_ ? value_ : std::string();
}

std::string StoreGeneration::run_id() const {
  std::lock_guard lock(mu_);
  return run_id_;
}

std::string StoreGeneration::distrust_reason() const {
  std::lock_guard lock(mu_);
  return trusted_ ? std::string() : reason_;
}

void StoreGeneration::adopt(const std::string& value, const std::string& run_id) {
  std::lock_guard lock(mu_);
  trusted_ = true;
  value_ = value;
  run_id_ = run_id;
  reason_.clear();
}

bool StoreGeneration::distrust(const std::string& reason) {
  std::lock_guard lock(mu_);
  const bool was = trusted_;
  if (was || reason_.empty()) reason_ = reason;
  trusted_ = false;
  return was;
}

KeyPieces generation_key_pieces(std::string_view scope) {
  return {{"paynotify:generation:", scope}};
}
std::string rebuild_lock_key(const std::string& scope) {
  return "paynotify:generation-rebuild:" + scope;
}
std::string parking_audit_key(const std::string& scope) {
  return "paynotify:parking-audit:" + scope;
}

std::string mint_generation(const std::string& run_id) { return random_hex(8) + "@" + run_id; }

std::string run_id_of_generation(const std::string& value) {
  const auto at = value.rfind('@');
  return at == std::string::npos ? std::string() : value.substr(at + 1);
}

GenerationStep decide_generation(bool trusted, const std::string& trusted_value,
                                 const std::optional<std::string>& seen_value,
                                 const std::string& seen_run_id) {
  if (!seen_value) return GenerationStep::rebuild;
  // A server that does not tell its run_id (INFO disabled) is judged by the key alone.
  if (!seen_run_id.empty() && run_id_of_generation(*seen_value) != seen_run_id)
    return GenerationStep::rebuild;
  if (trusted && *seen_value == trusted_value) return GenerationStep::keep;
  return GenerationStep::adopt;
}

}  // namespace paynotify::worker

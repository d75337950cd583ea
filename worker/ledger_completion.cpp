#include "worker/ledger_completion.hpp"

#include "common/service/log.hpp"

namespace paynotify::worker {

LedgerCompletion::LedgerCompletion(LedgerCompletionSettings settings, LeaseStore& leases,
                                   DedupePool& dedupe, Publisher& publisher, WorkerMetrics& metrics,
                                   std::shared_ptr<DeliveryInbox> deliveries, Clock clock)
    : settings_(std::move(settings)),
      leases_(leases),
      dedupe_(dedupe),
      publisher_(publisher),
      metrics_(metrics),
      deliveries_(std::move(deliveries)),
      clock_(std::move(clock)) {}

boost::asio::awaitable<StoreResult<LedgerWrite>> LedgerCompletion::complete(
    EventKey key, std::string owner, std::shared_ptr<const LedgerFacts> facts,
    int64_t received_at_ms, std::optional<StoredLedger> claimed_read) {
  const std::string payment = key.order_key;
  for (int attempt = 0; attempt < kLedgerWriteTries; ++attempt) {
    std::optional<StoredLedger> stored = std::exchange(claimed_read, std::nullopt);
    if (!stored) {
      auto read =
          dedupe_.call([payment](StoreSeams& s) { return s.ledgers->read_ledger(payment); });
      StoreResult<StoredLedger> r = co_await std::move(read);
      if (!r) co_return r.error();
      stored = std::move(*r);
    }
    if (!stored->outbox.empty()) {
      auto left = publish(payment, stored->outbox);
      co_await std::move(left);
    }
    std::optional<LedgerPlan> plan =
        plan_event(*stored, *facts, received_at_ms, clock_(), settings_.policy);
    if (!plan) {
      metrics_.ledgers_unreadable.Increment();
      log_event(spdlog::level::warn, "ledger_unreadable",
                {{"paymentId", payment}, {"eventId", key.event_id}});
      auto plain = leases_.complete(CompleteRequest{key, owner, settings_.dedupe_ttl_s, nullptr});
      co_return co_await std::move(plain);
    }
    // Shared with the store's thread, not copied: it holds the ledger twice (as read, as written).
    const auto update = std::make_shared<const LedgerUpdate>(std::move(plan->update));
    auto write = leases_.complete(CompleteRequest{key, owner, settings_.dedupe_ttl_s, update});
    const StoreResult<LedgerWrite> written = co_await std::move(write);
    if (!written) co_return written;
    if (*written == LedgerWrite::changed_meanwhile) continue;
    report_anomalies(metrics_, plan->step.anomalies);
    auto publication = publish(payment, update->anomalies);
    co_await std::move(publication);
    co_return written;
  }
  co_return LedgerWrite::changed_meanwhile;  // the flow tries again shortly
}

boost::asio::awaitable<void> LedgerCompletion::publish(std::string payment_id,
                                                       AnomalyOutbox anomalies) {
  for (auto& [id, text] : anomalies) {
    auto delivery = publish_and_wait(
        publisher_, OutgoingRecord{settings_.anomalies_topic, payment_id, text, {}},
        settings_.publish_timeout, deliveries_);
    const DeliveryResult result = co_await std::move(delivery);
    if (!result) {
      log_event(spdlog::level::warn, "anomaly_publish_failed",
                {{"anomalyId", id}, {"error", describe(result.error())}});
      continue;  // it stays in the outbox
    }
    auto clear = dedupe_.call([payment_id, anomaly = id](StoreSeams& s) {
      return s.ledgers->clear_outbox(payment_id, anomaly);
    });
    co_await std::move(clear);
  }
}

}  // namespace paynotify::worker

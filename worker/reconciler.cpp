#include "worker/reconciler.hpp"

#include <thread>

#include "common/antom/recovered_record.hpp"
#include "common/service/log.hpp"
#include "worker/payment_event.hpp"

namespace paynotify::worker {

namespace {

constexpr const char* kInquiries = "paynotify_worker_inquiries_total";
constexpr const char* kInquiriesHelp =
    "Inquiries to Antom by reconciliation, by outcome (answered, refused: Antom answered that it "
    "cannot, unanswered: no answer or U after every try, unsigned: the answer's signature did not "
    "verify)";
constexpr const char* kPublished = "paynotify_worker_reconciled_records_total";
constexpr const char* kPublishedHelp =
    "Final results Antom's inquiry answers stood for, published to the main topic by kind (a "
    "result applied before is a duplicate there)";

}  // namespace

Reconciler::Reconciler(ReconcilerSettings settings, std::unique_ptr<AntomApiClient> client,
                       Publisher& publisher, MetricsRegistry& registry, Clock clock)
    : settings_(std::move(settings)),
      client_(std::move(client)),
      publisher_(publisher),
      clock_(clock),
      answered_(registry.counter(kInquiries, kInquiriesHelp, {{"outcome", "answered"}})),
      refused_(registry.counter(kInquiries, kInquiriesHelp, {{"outcome", "refused"}})),
      unanswered_(registry.counter(kInquiries, kInquiriesHelp, {{"outcome", "unanswered"}})),
      unsigned_(registry.counter(kInquiries, kInquiriesHelp, {{"outcome", "unsigned"}})),
      published_payment_(
          registry.counter(kPublished, kPublishedHelp, {{"kind", "PAYMENT_RESULT"}})),
      published_capture_(
          registry.counter(kPublished, kPublishedHelp, {{"kind", "CAPTURE_RESULT"}})),
      published_refund_(registry.counter(kPublished, kPublishedHelp, {{"kind", "REFUND_RESULT"}})) {
}

void Reconciler::wait_turn() {
  const auto now = std::chrono::steady_clock::now();
  if (next_call_ > now) std::this_thread::sleep_until(next_call_);
  const auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / std::max(settings_.calls_per_second, 0.001)));
  next_call_ = std::max(next_call_, now) + gap;
}

InquiryOutcome Reconciler::ask(const std::string& payment_id) {
  wait_turn();
  const AntomApiResult answer = client_->inquire({InquiryTarget::By::payment_id, payment_id});
  if (!answer) {
    const auto& code = answer.error().code;
    // Antom answered that it cannot: nothing to learn, and asking again soon would not change
    // it; noted as answered, with no results.
    if (code == AntomApiError::failed) {
      refused_.Increment();
      log_event(spdlog::level::warn, "inquiry_refused",
                {{"paymentId", payment_id}, {"error", describe(answer.error())}});
      return {InquiryOutcome::Asked::answered, {}};
    }
    (code == AntomApiError::unsigned_answer ? unsigned_ : unanswered_).Increment();
    log_event(spdlog::level::warn, "inquiry_unanswered",
              {{"paymentId", payment_id}, {"error", describe(answer.error())}});
    return {InquiryOutcome::Asked::unanswered, {}};
  }
  answered_.Increment();
  InquiryOutcome outcome{InquiryOutcome::Asked::answered, {}};
  const int64_t now = clock_();
  for (const auto& n : recovered_notifications(InquiryApi::payment, answer->json)) {
    const DeliveryResult written =
        publish_and_wait(publisher_, recovered_record(settings_.main_topic, *answer, n, now),
                         settings_.publish_timeout);
    if (!written) {
      log_event(
          spdlog::level::warn, "reconciled_record_not_written",
          {{"paymentId", payment_id}, {"kind", n.kind}, {"error", describe(written.error())}});
      return {InquiryOutcome::Asked::unanswered, {}};  // asked again: what was written dedupes
    }
    (n.kind == "PAYMENT_RESULT"   ? published_payment_
     : n.kind == "CAPTURE_RESULT" ? published_capture_
                                  : published_refund_)
        .Increment();
    const EventDerivation derived = derive_event(n.body, now);
    if (derived.event) {
      outcome.answered.push_back(derived.event->ledger);
    } else {
      // Published all the same (the worker dead-letters it with this reason): Antom's word, in
      // a shape this worker cannot apply, e.g. a capture without its transactionRequestId.
      log_event(spdlog::level::warn, "reconciled_result_not_an_event",
                {{"paymentId", payment_id}, {"kind", n.kind}, {"error", derived.error}});
    }
  }
  log_event(spdlog::level::info, "payment_reconciled",
            {{"paymentId", payment_id},
             {"results", static_cast<int64_t>(outcome.answered.size())},
             {"tries", answer->tries}});
  return outcome;
}

}  // namespace paynotify::worker

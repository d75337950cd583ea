// Every kind the worker models, through derivation, the ledger and the order request: one row
// per kind, and a kind in worker/kinds/ without a row here fails the first test.
#include "worker/kinds/kind_spec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/antom/inquiry.hpp"
#include "common/service/http_field.hpp"
#include "worker/payment_event.hpp"
#include "worker/payment_ledger.hpp"

#include "tests/support/notifications.hpp"

namespace paynotify::worker {
namespace {

namespace json = boost::json;

std::string dispute(const std::string& type, const std::string& extra = "") {
  return R"({"paymentRequestId":"pr-01","disputeId":"D1","paymentId":"P1",)"
         R"("disputeTime":"2026-11-26T10:00:00+08:00",)"
         R"("disputeAmount":{"currency":"SGD","value":"4200"},"disputeNotificationType":")" +
         type + "\"" + extra + "}";
}

struct Row {
  std::string_view kind;
  std::string_view subtype;
  std::string body;
  std::string_view type;  // the order service's
  std::string event_id;
  LedgerEffect effect;
  std::function<bool(const LedgerStep&)> ledger;  // what the ledger shows after the event alone
};

bool unchanged(const LedgerStep& s) {
  PaymentLedger fresh;
  fresh.payment_id = s.ledger.payment_id;
  return ledger_json(s.ledger) == ledger_json(fresh) && s.anomalies.empty();
}

std::vector<Row> rows() {
  const std::string pending =
      R"({"notifyType":"PAYMENT_PENDING","result":{"resultCode":"X","resultStatus":"U"},)"
      R"("paymentRequestId":"r","paymentId":"P1"})";
  return {
      {"PAYMENT_RESULT", "", testing::payment_result_body("P1"), "PAYMENT_AUTHORIZED",
       "PAYMENT_RESULT:P1:S", LedgerEffect::authorize,
       [](const LedgerStep& s) {
         return s.ledger.authorization == PaymentLedger::Authorization::authorized &&
                s.ledger.authorized->minor == 4200 && s.ledger.expires_at_ms > 0;
       }},
      {"PAYMENT_PENDING", "", pending, "PAYMENT_PENDING", "PAYMENT_PENDING:P1", LedgerEffect::none,
       unchanged},
      {"CAPTURE_RESULT", "", testing::capture_result_body("P1", "C1"), "CAPTURE_SUCCEEDED",
       "CAPTURE_RESULT:P1:C1:S", LedgerEffect::capture,
       [](const LedgerStep& s) {
         return s.ledger.captures.size() == 1 && s.ledger.captures[0].capture_id == "C1";
       }},
      {"REFUND_RESULT", "", testing::kRefundResultBody, "REFUND_SUCCEEDED",
       "REFUND_RESULT:rr-01:2023REFUND01:SUCCESS", LedgerEffect::none, unchanged},
      {"UPDATE_AMOUNT_RESULT", "", testing::kUpdateAmountResultBody, "AUTHORIZATION_AMOUNT_UPDATED",
       "UPDATE_AMOUNT_RESULT:202611250001:upd-01:S", LedgerEffect::update_authorized_amount,
       [](const LedgerStep& s) { return s.ledger.authorized->minor == 5200; }},
      {"DISPUTE", "DISPUTE_CREATED", dispute("DISPUTE_CREATED", R"(,"defendable":true)"),
       "DISPUTE_CREATED", "DISPUTE:P1:D1:DISPUTE_CREATED", LedgerEffect::open_dispute,
       [](const LedgerStep& s) {
         return s.ledger.disputes_open == std::vector<std::string>{"D1"} &&
                s.anomalies.size() == 1 && s.anomalies[0].kind == AnomalyKind::dispute_opened;
       }},
      {"DISPUTE", "DISPUTE_JUDGED",
       dispute("DISPUTE_JUDGED", R"(,"disputeJudgedResult":"ACCEPT_BY_MERCHANT")"),
       "DISPUTE_JUDGED", "DISPUTE:P1:D1:DISPUTE_JUDGED", LedgerEffect::judge_dispute,
       [](const LedgerStep& s) {
         return s.ledger.disputes_lost == std::vector<std::string>{"D1"};
       }},
      {"DISPUTE", "DISPUTE_CANCELLED", dispute("DISPUTE_CANCELLED"), "DISPUTE_CANCELLED",
       "DISPUTE:P1:D1:DISPUTE_CANCELLED", LedgerEffect::cancel_dispute, unchanged},
      {"DISPUTE", "DEFENSE_SUPPLIED", dispute("DEFENSE_SUPPLIED"), "DISPUTE_DEFENSE_SUPPLIED",
       "DISPUTE:P1:D1:DEFENSE_SUPPLIED", LedgerEffect::none, unchanged},
      {"DISPUTE", "DEFENSE_DUE_ALERT", dispute("DEFENSE_DUE_ALERT", R"(,"defendable":"false")"),
       "DISPUTE_DEFENSE_DUE_ALERT", "DISPUTE:P1:D1:DEFENSE_DUE_ALERT", LedgerEffect::none,
       unchanged},
      {"DISPUTE", "RDR_RESOLVED", dispute("RDR_RESOLVED"), "DISPUTE_RDR_RESOLVED",
       "DISPUTE:P1:D1:RDR_RESOLVED", LedgerEffect::none, unchanged},
      {"DISPUTE", "DISPUTE_ACCEPTED",
       dispute("DISPUTE_ACCEPTED",
               R"(,"disputeAcceptReason":"TIMEOUT","disputeType":"CHARGEBACK")"),
       "DISPUTE_ACCEPTED", "DISPUTE:P1:D1:DISPUTE_ACCEPTED", LedgerEffect::lose_dispute,
       [](const LedgerStep& s) {
         return s.ledger.disputes_lost == std::vector<std::string>{"D1"} &&
                s.anomalies.size() == 1 && s.anomalies[0].kind == AnomalyKind::dispute_lost &&
                s.anomalies[0].figures.at("disputeAcceptReason") == "TIMEOUT";
       }},
  };
}

TEST(Kinds, EveryModelledKindHasARowAndEveryRowAKind) {
  std::set<std::pair<std::string_view, std::string_view>> modelled, tested;
  for (const KindSpec& spec : all_kinds()) {
    EXPECT_TRUE(modelled.emplace(spec.kind, spec.subtype).second)
        << spec.kind << "/" << spec.subtype << " is listed twice";
  }
  for (const Row& row : rows()) tested.emplace(row.kind, row.subtype);
  EXPECT_EQ(modelled, tested);
}

TEST(Kinds, EachKindDerivesItsEventLedgerEffectAndOrderRequest) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(std::string(row.kind) + "/" + std::string(row.subtype));
    const EventDerivation d = derive_event(row.body, 1'800'000'000'000);
    ASSERT_TRUE(d.event) << d.error;
    const PaymentEvent& e = *d.event;
    EXPECT_EQ(d.kind, row.kind);
    EXPECT_EQ(e.type, row.type);
    EXPECT_EQ(e.event_id, row.event_id);
    EXPECT_EQ(e.ledger.effect, row.effect);
    EXPECT_EQ(e.ledger.event_id, e.event_id);
    EXPECT_EQ(e.ledger.payment_id, e.payment_id);

    // The order call: the id goes out as a header, the request as the contract's JSON.
    EXPECT_TRUE(is_sendable_field_value(e.event_id));
    const json::object request = json::parse(json::serialize(e.order_request)).as_object();
    EXPECT_EQ(request.at("eventId").as_string(), e.event_id);
    EXPECT_EQ(request.at("type").as_string(), row.type);
    for (const char* field : {"paymentId", "paymentRequestId", "amount", "occurredAt", "receivedAt",
                              "resultCode", "notification"}) {
      EXPECT_TRUE(request.contains(field)) << field;
    }

    const LedgerStep step = apply_event(PaymentLedger{}, e, 1'800'000'000'000);
    EXPECT_TRUE(row.ledger(step)) << json::serialize(ledger_json(step.ledger));
  }
}

TEST(Kinds, DefendableIsABooleanForTheOrderServiceWhicheverWayAntomSendsIt) {
  for (const auto& [sent, want] : std::vector<std::pair<std::string, bool>>{
           {"true", true}, {"false", false}, {R"("true")", true}, {R"("false")", false}}) {
    const auto d = derive_event(dispute("DISPUTE_CREATED", R"(,"defendable":)" + sent), 0);
    ASSERT_TRUE(d.event) << d.error;
    EXPECT_EQ(d.event->order_request.at("defendable"), json::value(want)) << sent;
  }
  for (const std::string sent : {R"("yes")", "1", "null", "{}"}) {
    const auto d = derive_event(dispute("DISPUTE_CREATED", R"(,"defendable":)" + sent), 0);
    EXPECT_FALSE(d.event) << sent;
    EXPECT_EQ(d.why_not, NoEvent::invalid_record);
    EXPECT_NE(d.error.find("defendable"), std::string::npos) << d.error;
  }
}

TEST(Kinds, AnAcceptedDisputeAfterItsJudgementIsLostOnce) {
  const auto accepted =
      derive_event(dispute("DISPUTE_ACCEPTED", R"(,"disputeAcceptReason":"MERCHANT_ACCEPTED")"), 0);
  const auto judged =
      derive_event(dispute("DISPUTE_JUDGED", R"(,"disputeJudgedResult":"ACCEPT_BY_MERCHANT")"), 0);
  ASSERT_TRUE(accepted.event && judged.event);
  LedgerStep first = apply_event(PaymentLedger{}, *judged.event, 0);
  const LedgerStep second = apply_event(first.ledger, *accepted.event, 0);
  EXPECT_EQ(first.anomalies.size(), 1u);
  EXPECT_TRUE(second.anomalies.empty());  // DISPUTE_LOST for D1 was raised already
  EXPECT_EQ(second.ledger.disputes_lost, std::vector<std::string>{"D1"});
}

TEST(Kinds, AKindOrSubtypeNotModelledIsUnsupportedAndAMissingSubtypeInvalid) {
  const auto escalated = derive_event(dispute("DISPUTE_ESCALATED"), 0);
  EXPECT_EQ(escalated.why_not, NoEvent::unsupported_kind);
  EXPECT_EQ(escalated.kind, "DISPUTE");
  const auto vaulting = derive_event(testing::kVaultingBody, 0);
  EXPECT_EQ(vaulting.why_not, NoEvent::unsupported_kind);
  const auto no_subtype = derive_event(R"({"disputeNotificationType":7,"paymentId":"P1"})", 0);
  EXPECT_EQ(no_subtype.why_not, NoEvent::invalid_record) << no_subtype.error;
}

// Reconciliation publishes what an inquiry answer stands for (common/antom/inquiry.hpp): each must
// be the same business event as Antom's own notification, or a late notification would apply
// twice.
TEST(Kinds, ARecoveredNotificationIsTheSameEventAsAntomsOwn) {
  const std::string answer = testing::payment_inquiry_answer("P1", "C1");
  const auto found = recovered_notifications(InquiryApi::payment, json::parse(answer).as_object());
  ASSERT_EQ(found.size(), 2u);
  const std::pair<std::string, std::string> pairs[] = {
      {found[0].body, testing::payment_result_body("P1", "S")},
      {found[1].body, testing::capture_result_body("P1", "C1", "S")}};
  for (const auto& [recovered, notified] : pairs) {
    const auto a = derive_event(recovered, 0);
    const auto b = derive_event(notified, 0);
    ASSERT_TRUE(a.event && b.event) << a.error << b.error;
    EXPECT_EQ(a.event->event_id, b.event->event_id);
    EXPECT_EQ(a.event->type, b.event->type);
    EXPECT_EQ(a.event->order_key, b.event->order_key);
  }

  const std::string refund_answer =
      R"({"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},)"
      R"("refundStatus":"SUCCESS","refundRequestId":"rr-01","refundId":"2023REFUND01",)"
      R"("refundAmount":{"currency":"SGD","value":"1000"},"refundTime":"2023-01-01T10:00:00+08:00"})";
  const auto refund =
      recovered_notifications(InquiryApi::refund, json::parse(refund_answer).as_object());
  ASSERT_EQ(refund.size(), 1u);
  const auto a = derive_event(refund[0].body, 0);
  const auto b = derive_event(testing::kRefundResultBody, 0);
  ASSERT_TRUE(a.event && b.event) << a.error;
  EXPECT_EQ(a.event->event_id, b.event->event_id);
}

}  // namespace
}  // namespace paynotify::worker

// classify and describe, row by row: DESIGN.md's order-service contract (2xx and 409 applied,
// 404 retried as not yet known, other 4xx dead-lettered, 5xx/408/429/no answer retried).
#include "worker/apply_result.hpp"

#include <gtest/gtest.h>

namespace paynotify::worker {
namespace {

ApplyResult answered(unsigned status, std::string body = "") {
  return OrderAnswer{status, std::move(body)};
}

ApplyResult failed(OrderCallError e, std::string detail = "") {
  return failure(e, std::move(detail));
}

std::string shown(const ApplyResult& r) {
  return r ? "status " + std::to_string(r->status) : "failure " + r.error().code.message();
}

TEST(ApplyResult, EveryAnswerFallsInTheContractsClass) {
  const struct Row {
    ApplyResult result;
    ErrorClass want;
  } rows[] = {
      {answered(200), ErrorClass::none},
      {answered(201), ErrorClass::none},
      {answered(204), ErrorClass::none},
      {answered(299), ErrorClass::none},
      {answered(409), ErrorClass::none},       // applied before with this Idempotency-Key
      {answered(404), ErrorClass::not_found},  // the order write may not have landed yet
      {answered(408), ErrorClass::transient},
      {answered(429), ErrorClass::transient},
      {answered(500), ErrorClass::transient},
      {answered(502), ErrorClass::transient},
      {answered(503), ErrorClass::transient},
      {answered(599), ErrorClass::transient},
      {answered(400), ErrorClass::permanent},
      {answered(401), ErrorClass::permanent},
      {answered(403), ErrorClass::permanent},
      {answered(405), ErrorClass::permanent},
      {answered(410), ErrorClass::permanent},
      {answered(413), ErrorClass::permanent},
      {answered(422), ErrorClass::permanent},  // a business conflict
      {answered(499), ErrorClass::permanent},
      // The contract names neither: the client skips interim answers and follows no redirect,
      // so a 3xx is taken for a service not (yet) answering properly, and retried.
      {answered(100), ErrorClass::transient},
      {answered(301), ErrorClass::transient},
      {answered(307), ErrorClass::transient},
      {failed(OrderCallError::timeout, "timeout"), ErrorClass::transient},
      {failed(OrderCallError::unreachable, "connection refused"), ErrorClass::transient},
      {failed(OrderCallError::connection_lost), ErrorClass::transient},
      {failed(OrderCallError::bad_answer), ErrorClass::transient},
      {failed(OrderCallError::worker_fault), ErrorClass::transient},
      // Never sent: sending it again cannot help.
      {failed(OrderCallError::unsendable, "a control character"), ErrorClass::permanent},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(error_class_name(classify(row.result)), error_class_name(row.want))
        << shown(row.result);
  }
}

TEST(ApplyResult, TheDescriptionSaysWhatTheServiceAnsweredOrWhyItDidNot) {
  EXPECT_EQ(describe(answered(422, R"({"error":"amount"})")),
            R"(order service answered 422: {"error":"amount"})");
  EXPECT_EQ(describe(answered(503)), "order service answered 503");
  EXPECT_EQ(describe(failed(OrderCallError::unreachable, "connection refused")),
            "order service unreachable: connection refused");
  EXPECT_EQ(describe(failed(OrderCallError::timeout, "timeout")),
            "order service call failed (timed out): timeout");
  EXPECT_EQ(
      describe(failed(OrderCallError::connection_lost)),
      "order service call failed (connection lost)");  // the code says it when nothing else does
  EXPECT_EQ(describe(failed(OrderCallError::unsendable, "a CR in a header")),
            "not sent to the order service: a CR in a header");
}

TEST(ApplyResult, TheDescriptionIsBoundedAndNeverEmpty) {
  const std::string huge(64 * 1024, 'x');  // the client keeps at most 512 bytes of a body
  for (const auto& r : {answered(500, huge), answered(422, huge), answered(200),
                        failed(OrderCallError::timeout), failed(OrderCallError::unsendable, "?")}) {
    const std::string text = describe(r);
    EXPECT_FALSE(text.empty()) << shown(r);
    EXPECT_LE(text.size(), 256u) << shown(r);
  }
  EXPECT_NE(describe(answered(500, huge)).find(std::string(200, 'x')), std::string::npos)
      << "the body's first 200 bytes are kept";
}

TEST(ApplyResult, OnlyATransientFailureCountsAgainstTheServiceAndEveryRetryableIsRetried) {
  EXPECT_TRUE(service_failing(ErrorClass::transient));
  EXPECT_TRUE(call_retried(ErrorClass::transient));
  EXPECT_FALSE(service_failing(ErrorClass::not_found));  // the service answered: the order is new
  EXPECT_TRUE(call_retried(ErrorClass::not_found));
  for (const ErrorClass c : {ErrorClass::none, ErrorClass::permanent, ErrorClass::invalid_record}) {
    EXPECT_FALSE(service_failing(c)) << error_class_name(c);
    EXPECT_FALSE(call_retried(c)) << error_class_name(c);
  }
}

}  // namespace
}  // namespace paynotify::worker

// Reconciliation end to end (README "Reconciliation"): a result Antom never notified is
// recovered by asking Antom (paynotify-antom-simulator), published, applied once by the worker,
// and the notification arriving late after all is a duplicate.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/service/ids.hpp"
#include "tests/support/antom_simulator.hpp"
#include "tests/support/kafka_topic.hpp"
#include "tests/support/notifications.hpp"
#include "tests/support/pipeline.hpp"
#include "tests/support/test_keys.hpp"

namespace paynotify::testing {
namespace {

namespace json = boost::json;

// `paynotify reconcile` for `payment` (none: `more` says what), as an operator runs it: its exit
// code and everything it printed (kept in the pipeline's log folder too).
ShellRun reconcile(Pipeline& p, AntomSimulator& antom, const std::string& payment,
                   const std::string& more = "") {
  const std::string command =
      std::string(PAYNOTIFY_CLI_BIN) + " reconcile " +
      (payment.empty() ? std::string() : "--payment-id " + payment) + " --kafka-brokers " +
      kafka_brokers() + " --topic " + p.topic() + " --client-id " + kClientId +
      " --antom-public-key " + test_public_key_file() + " --antom-api-url " + antom.url() +
      " --merchant-private-key " + antom.merchant_private_key_file() + " " + more +
      " 2>&1 | tee -a " + p.log_dir() + "/reconcile.log; exit ${PIPESTATUS[0]}";
  return run_shell("bash -c '" + command + "'");
}

std::string file_text(const std::string& path) {
  std::ostringstream out;
  out << std::ifstream(path).rdbuf();
  return out.str();
}

// The merchant's private key is in none of these logs: no line of its PEM body.
void expect_no_merchant_key_in(Pipeline& p, std::initializer_list<const char*> logs) {
  std::istringstream pem(test_key(2).pair.private_pem);
  std::vector<std::string> lines;
  for (std::string line; std::getline(pem, line);) {
    if (!line.starts_with("-----")) lines.push_back(line);
  }
  ASSERT_GT(lines.size(), 10u);
  for (const char* log : logs) {
    const std::string text = file_text(p.log_dir() + log);
    ASSERT_FALSE(text.empty()) << log;
    for (const auto& line : lines) EXPECT_EQ(text.find(line), std::string::npos) << log;
  }
}

TEST(Reconciliation, ACaptureNeverNotifiedIsRecoveredAndAppliedOnceAndTheLateOneIsADuplicate) {
  Pipeline p("reconcile");
  AntomSimulator antom(p.log_dir(), kClientId);  // a SANDBOX_ client: the sandbox path
  p.start_worker();
  const std::string id = "pay-rec-" + random_hex(3), capture = "cap-" + id;
  ASSERT_EQ(p.ingest().send(payment_result_body(id)), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 1; }, std::chrono::seconds(30)));
  // Antom captured it, and its capture notification never came.
  antom.control(R"({"payments":[)" + payment_inquiry_answer(id, capture) + "]}");

  const ShellRun dry = reconcile(p, antom, id, "--dry-run --redis " + redis_address());
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  // Compared with what the worker holds: the authorization was applied, the capture is new.
  EXPECT_NE(dry.output.find("would publish CAPTURE_RESULT key=" + id + " (new: never applied)"),
            std::string::npos)
      << dry.output;
  EXPECT_NE(
      dry.output.find("would publish PAYMENT_RESULT key=" + id + " (applied already: a duplicate)"),
      std::string::npos)
      << dry.output;
  EXPECT_NE(dry.output.find("1 new, 1 applied already, 0 disagreeing"), std::string::npos)
      << dry.output;
  EXPECT_NE(dry.output.find("nothing published"), std::string::npos) << dry.output;
  EXPECT_EQ(read_topic(p.topic(), 2, std::chrono::seconds(3)).size(), 1u) << "a dry run published";

  const ShellRun run = reconcile(p, antom, id);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("published 2 of 2"), std::string::npos) << run.output;
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(30)))
      << "applied " << p.applied_count() << "; logs in " << p.log_dir();
  // The recovered PAYMENT_RESULT is the one applied already: skipped as a duplicate.
  ASSERT_TRUE(wait_until(
      [&] { return p.worker_metric(0, "paynotify_worker_duplicates_skipped_total") >= 1.0; },
      std::chrono::seconds(30)));

  // The capture notification arrives after all: a duplicate too.
  ASSERT_EQ(p.ingest().send(capture_result_body(id, capture)), 200u);
  ASSERT_TRUE(wait_until(
      [&] { return p.worker_metric(0, "paynotify_worker_duplicates_skipped_total") >= 2.0; },
      std::chrono::seconds(30)));
  const json::object applied = p.applied();
  EXPECT_EQ(applied.at("applied").to_number<uint64_t>(), 2u);
  EXPECT_EQ(applied.at("conflicts").to_number<uint64_t>(), 0u);
  const auto& events = applied.at("payments").at(id).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].as_string(), "PAYMENT_RESULT:" + id + ":S");
  EXPECT_EQ(events[1].as_string(), "CAPTURE_RESULT:" + id + ":" + capture + ":S");
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 2);  // the dry run and the run
  EXPECT_EQ(antom.calls().at("badRequestSignatures").as_int64(), 0);

  expect_no_merchant_key_in(p, {"/reconcile.log", "/worker-0.log", "/antom-simulator.log"});
}

// Antom's answer contradicts what a notification said: the capture failed, Antom says it
// succeeded. The operator's run says so (the worker's reconciliation raises INQUIRY_DISAGREES).
TEST(Reconciliation, AnAnswerThatContradictsAnAppliedResultIsSaid) {
  Pipeline p("reconcile-disagree");
  AntomSimulator antom(p.log_dir(), kClientId);
  p.start_worker();
  const std::string id = "pay-disagree-" + random_hex(3);
  ASSERT_EQ(p.ingest().send(payment_result_body(id)), 200u);
  ASSERT_EQ(p.ingest().send(capture_result_body(id, "c1", "F")), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(30)));
  antom.control(R"({"payments":[)" + payment_inquiry_answer(id, "c1", "SUCCESS") + "]}");
  const ShellRun run = reconcile(p, antom, id, "--dry-run --redis " + redis_address());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("DISAGREES: Antom's inquiry answer says the capture c1 succeeded; "
                            "its notification said it failed"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("1 disagreeing"), std::string::npos) << run.output;
}

// An operator's sweep: every authorization the ledger holds with nothing captured, asked about.
TEST(Reconciliation, TheUncapturedAuthorizationsOfTheLedgerAreAskedAboutAndTheirCapturesApplied) {
  Pipeline p("reconcile-bulk");
  AntomSimulator antom(p.log_dir(), kClientId);
  p.start_worker();
  const std::string captured = "pay-bulk-c-" + random_hex(3), open = "pay-bulk-o-" + random_hex(3);
  ASSERT_EQ(p.ingest().send(payment_result_body(captured)), 200u);
  ASSERT_EQ(p.ingest().send(payment_result_body(open)), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(30)));
  // Antom captured one of them and never said so; the other is still only authorized.
  antom.control(R"({"payments":[)" + payment_inquiry_answer(captured, "cap-" + captured) + "," +
                payment_inquiry_answer(open, "") + "]}");
  const ShellRun run = reconcile(p, antom, "", "--uncaptured --redis " + redis_address());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("2 uncaptured authorization(s)"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2 of 2 inquiries answered"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("published 3 of 3"), std::string::npos) << run.output;
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 3; }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const json::object applied = p.applied();
  EXPECT_EQ(applied.at("applied").to_number<uint64_t>(), 3u);  // the capture; 2 duplicates
  EXPECT_EQ(applied.at("payments").at(captured).at("events").as_array().size(), 2u);
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 2);
}

TEST(Reconciliation, AWronglySignedAnswerIsRefusedAndPublishesNothing) {
  Pipeline p("reconcile-forged");
  AntomSimulator antom(p.log_dir(), kClientId);
  const std::string id = "pay-forged-" + random_hex(3);
  antom.control(R"({"mode":"badSignature","payments":[)" + payment_inquiry_answer(id, "c1") + "]}");
  const ShellRun run = reconcile(p, antom, id);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("not signed with Antom's key"), std::string::npos) << run.output;
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 1);  // not asked again
  EXPECT_TRUE(read_topic(p.topic(), 1, std::chrono::seconds(3)).empty());
}

// The worker's own reconciliation: asked within seconds here (--reconcile-capture-after 2s).
std::vector<std::string> reconciling(AntomSimulator& antom) {
  return {"--antom-api-url",           antom.url(),
          "--merchant-private-key",    antom.merchant_private_key_file(),
          "--reconcile-capture-after", "2s"};
}

TEST(Reconciliation, TheWorkerAsksAboutAnAuthorizationLeftUncapturedAndAppliesItsCaptureOnce) {
  Pipeline p("reconcile-auto");
  AntomSimulator antom(p.log_dir(), kClientId);
  const std::string id = "pay-auto-" + random_hex(3), capture = "cap-" + id;
  antom.control(R"({"payments":[)" + payment_inquiry_answer(id, capture) + "]}");
  p.start_worker(reconciling(antom));
  ASSERT_EQ(p.ingest().send(payment_result_body(id)), 200u);
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(40)))
      << "applied " << p.applied_count() << "; logs in " << p.log_dir();
  const auto answered = [&] {
    return p.worker_metric(0, R"(paynotify_worker_inquiries_total{outcome="answered"})");
  };
  ASSERT_TRUE(wait_until([&] { return answered() >= 1.0; }, std::chrono::seconds(10)));
  EXPECT_EQ(
      p.worker_metric(0, R"(paynotify_worker_reconciled_records_total{kind="CAPTURE_RESULT"})"),
      1.0);

  // The capture notification arrives after all: a duplicate, as the recovered authorization was.
  ASSERT_EQ(p.ingest().send(capture_result_body(id, capture)), 200u);
  ASSERT_TRUE(wait_until(
      [&] { return p.worker_metric(0, "paynotify_worker_duplicates_skipped_total") >= 2.0; },
      std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // several passes of the watch
  const json::object applied = p.applied();
  EXPECT_EQ(applied.at("applied").to_number<uint64_t>(), 2u);
  EXPECT_EQ(applied.at("conflicts").to_number<uint64_t>(), 0u);
  const auto& events = applied.at("payments").at(id).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].as_string(), "CAPTURE_RESULT:" + id + ":" + capture + ":S");
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 1) << "captured: not asked again";
  EXPECT_EQ(answered(), 1.0);
  expect_no_merchant_key_in(p, {"/worker-0.log"});
}

// Every notification of a payment lost (nothing in the ledger names it): an operator marks it
// and the worker, which holds the merchant key, asks and applies what Antom answers.
TEST(Reconciliation, APaymentAnOperatorMarksIsAskedAboutByTheWorker) {
  Pipeline p("reconcile-mark");
  AntomSimulator antom(p.log_dir(), kClientId);
  const std::string id = "pay-mark-" + random_hex(3), capture = "cap-" + id;
  antom.control(R"({"payments":[)" + payment_inquiry_answer(id, capture) + "]}");
  auto flags = reconciling(antom);
  flags.back() = "1h";  // --reconcile-capture-after: only the mark makes it ask
  p.start_worker(flags);
  const ShellRun marked =
      run_shell(std::string(PAYNOTIFY_CLI_BIN) + " reconcile --mark " + "--payment-id " + id +
                " --topic " + p.topic() + " --redis " + redis_address() + " 2>&1");
  ASSERT_EQ(marked.exit_code, 0) << marked.output;
  ASSERT_TRUE(wait_until([&] { return p.applied_count() >= 2; }, std::chrono::seconds(40)))
      << "applied " << p.applied_count() << "; logs in " << p.log_dir();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // several passes of the watch
  EXPECT_EQ(p.applied_count(), 2u);
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 1) << "the mark is cleared";
}

TEST(Reconciliation, TheWorkerRefusesAWronglySignedAnswerCountsItAndPublishesNothing) {
  Pipeline p("reconcile-auto-forged");
  AntomSimulator antom(p.log_dir(), kClientId);
  const std::string id = "pay-auto-forged-" + random_hex(3);
  antom.control(R"({"mode":"badSignature","payments":[)" + payment_inquiry_answer(id, "c1") + "]}");
  p.start_worker(reconciling(antom));
  ASSERT_EQ(p.ingest().send(payment_result_body(id)), 200u);
  ASSERT_TRUE(wait_until(
      [&] {
        return p.worker_metric(0, R"(paynotify_worker_inquiries_total{outcome="unsigned"})") >= 1.0;
      },
      std::chrono::seconds(40)))
      << "logs in " << p.log_dir();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(p.applied_count(), 1u);
  EXPECT_EQ(read_topic(p.topic(), 2, std::chrono::seconds(3)).size(), 1u) << "published nothing";
  EXPECT_EQ(antom.calls().at("inquiryPayment").as_int64(), 1) << "asked again only in 5 min";
}

}  // namespace
}  // namespace paynotify::testing

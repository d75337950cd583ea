#pragma once
// The seam between the deadline watch and Antom: ask what became of a payment, publish what the
// answer stands for, and say what it answered (README "Reconciliation"). Real: Reconciler.

#include <string>

#include "worker/ledger_write.hpp"

namespace paynotify::worker {

class PaymentInquiry {
 public:
  virtual ~PaymentInquiry() = default;
  // Blocks, paced to the configured rate. Answered: the ledger facts of the results Antom's
  // signed answer stands for, each already written to the main topic. Unanswered: nothing was
  // learned (Antom did not answer, the answer was refused, a record was not written): ask again
  // later.
  virtual InquiryOutcome ask(const std::string& payment_id) = 0;
};

}  // namespace paynotify::worker

// paynotify: the operator and test tool (DESIGN.md "Components").
#include <csignal>
#include <iostream>

#include "cli/commands.hpp"

namespace {

constexpr const char* kUsage = R"(Usage: paynotify COMMAND [options]

Commands:
  send      sign a notification body as Antom does and POST it (exit 0 when acknowledged)
  verify    check a captured notification's signature offline (exit 0 valid, 1 invalid)
  keygen    write a test RSA-2048 key pair (PEM and the Dashboard's base64 form)
  topics    `topics ensure`: create the main, retry and dead-letter topics if missing
  peek      print a topic's records as JSON lines (signatures redacted)
  replay    move dead-lettered records back to the main topic (filters, --dry-run)
  ledger    `ledger show --payment-id P`: a payment's ledger; `ledger due`: uncaptured authorizations by expiry
  trace     everything paynotify knows about one payment: its records, events, ledger (--json)
  reconcile ask Antom about a payment or refund; publish the results it never notified (--dry-run)

Run `paynotify COMMAND --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace paynotify::cli;
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  // A write to a connection the other side closed (TLS to Redis writes through the socket)
  // must fail with an error, not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string command = argv[1];
  const Args args(argv + 2, argv + argc);
  try {
    if (command == "send") return send_command(args);
    if (command == "verify") return verify_command(args);
    if (command == "keygen") return keygen_command(args);
    if (command == "topics") return topics_command(args);
    if (command == "peek") return peek_command(args);
    if (command == "replay") return replay_command(args);
    if (command == "ledger") return ledger_command(args);
    if (command == "reconcile") return reconcile_command(args);
    if (command == "trace") return trace_command(args);
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version") {
      std::cout << "paynotify " << PAYNOTIFY_VERSION << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "paynotify " << command << ": " << e.what() << "\n";
    return 2;
  }
  std::cerr << "paynotify: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

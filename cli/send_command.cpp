#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "cli/http_post.hpp"
#include "common/antom/antom_reply.hpp"
#include "common/antom/notification_signer.hpp"

namespace paynotify::cli {

std::string read_body_argument(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  return read_file(path);
}

namespace {

// Antom re-sends a notification it saw no acknowledgement for at about these offsets from
// the first attempt (protocol notes), 8 attempts within 24 hours.
constexpr int kAntomScheduleSeconds[] = {0, 120, 600, 600, 3600, 7200, 21600, 54000};

}  // namespace

int send_command(const Args& args) {
  Options o(
      "paynotify send",
      "Signs BODY_FILE (or - for stdin) exactly as Antom does and POSTs it.\n"
      "Exit 0 when answered with Antom's SUCCESS acknowledgement, 1 when not, 2 on usage errors.",
      {
          {"url", "", "notification URL, e.g. http://127.0.0.1:8080/notifications/antom"},
          {"client-id", "", "client id to sign as"},
          {"private-key", "", "PEM private key to sign with"},
          {"key-version", "1", "keyVersion to name in the signature header"},
          {"time", "", "request-time to send (default: now, ISO 8601)"},
          {"retry-schedule", "none",
           "antom: re-send on Antom's schedule until acknowledged; none: once"},
          {"retry-time-scale", "1", "multiply the schedule's waits by this (e.g. 0.001 in demos)"},
          {"timeout-ms", "10000", "time allowed for each attempt"},
          {"tamper", "", "change the body after signing (demonstrates a forgery)", true},
          {"quiet", "", "print nothing but errors", true},
      });
  if (auto rc = parse_command_line(o, args)) return *rc;
  if (o.positional().size() != 1) {
    std::cerr << "paynotify send: give exactly one BODY_FILE (or -)\n";
    return 2;
  }
  for (const char* required : {"url", "client-id", "private-key"}) {
    if (o.str(required).empty()) {
      std::cerr << "paynotify send: --" << required << " is required\n";
      return 2;
    }
  }
  const std::string schedule = o.str("retry-schedule");
  if (schedule != "none" && schedule != "antom") {
    std::cerr << "paynotify send: --retry-schedule must be antom or none\n";
    return 2;
  }
  const double scale = std::stod(o.str("retry-time-scale"));
  const auto key = load_private_key(read_file(o.str("private-key")));
  if (!key.key) {
    std::cerr << "paynotify send: --private-key: " << key.error << "\n";
    return 2;
  }
  const std::string url = o.str("url");
  const std::string target = request_target_of(url);
  if (target.empty()) {
    std::cerr << "paynotify send: --url is not a URL: " << url << "\n";
    return 2;
  }
  std::string body = read_body_argument(o.positional().front());
  const std::string time = o.str("time").empty() ? iso8601_now() : o.str("time");
  const SignedHeaders signed_headers = sign_notification(key.key.get(), target, o.str("client-id"),
                                                         time, body, o.str("key-version"));
  if (o.flag("tamper") && !body.empty()) body.back() = body.back() == ' ' ? '\n' : ' ';

  const auto timeout = std::chrono::milliseconds(o.integer("timeout-ms", 1, 600000));
  const int attempts = schedule == "antom" ? static_cast<int>(std::size(kAntomScheduleSeconds)) : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int wait_s = kAntomScheduleSeconds[attempt];
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(wait_s * scale));
    }
    const HttpReply reply = http_post(url, signed_headers.as_list(), body, timeout);
    const bool acknowledged = reply.sent && reply.status == 200 && reply.body == kAntomSuccessBody;
    if (!o.flag("quiet")) {
      if (reply.sent) {
        std::cout << "HTTP " << reply.status << " " << reply.body << "\n";
      } else {
        std::cout << "no answer: " << reply.error << "\n";
      }
    }
    if (acknowledged) return 0;
  }
  return 1;
}

}  // namespace paynotify::cli

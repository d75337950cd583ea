#pragma once
// Asking Antom: one signed POST to its API, and its signed answer, verified with Antom's public
// key before anything reads it (README "Reconciliation"). The request is signed with the
// merchant's private key the way Antom signs notifications (`POST <path>\n<client-id>.<time>.
// <body>`), and Antom signs its answer the same way with `response-time`.
//
// Blocking: each call runs an event loop of its own. Inquiries are few (a handful a second at
// most) and are made from a thread of their own (the CLI's, the worker's reconciler's).

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "common/antom/inquiry.hpp"
#include "common/antom/key_registry.hpp"
#include "common/antom/rsa_key.hpp"
#include "common/service/failure.hpp"

namespace paynotify {

struct AntomApiSettings {
  // The region's endpoint, https://host[:port] with no path. http:// is taken only for a
  // loopback address (a simulator in tests): Antom's endpoints are HTTPS.
  std::string base_url;
  std::string client_id;
  EvpPkeyPtr merchant_key;        // signs each request; never logged
  std::string key_version = "1";  // the merchant key's version, as registered with Antom
  std::shared_ptr<const KeyRegistry> antom_keys;  // verify each answer (by client_id)
  std::string ca_file;                            // https: trust these CAs instead of the system's
  // Antom's SDKs allow 15 s to connect and 30 s in all.
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds call_timeout{30'000};  // one try, all of it
  // Tries of one call: after no answer, a 5xx or an answer `U` (Antom could not tell yet), with
  // a pause doubling from first_backoff between them.
  int tries = 3;
  std::chrono::milliseconds first_backoff{1'000};
};

enum class AntomApiError {
  unreachable = 1,  // no answer: name, connection, TLS, timeout, a connection closed early
  http_status,      // an HTTP status other than 200
  unsigned_answer,  // no signature, or one that does not verify: the answer is not read
  bad_answer,       // signed, but not a JSON object, above 256 KiB, or about something else
  failed,           // result F: Antom answered that it cannot (ORDER_NOT_EXIST, ...)
  unknown,          // result U on every try: Antom cannot tell yet
};
const boost::system::error_category& antom_api_category();
boost::system::error_code make_error_code(AntomApiError e);

// An answer whose signature verified, and its evidence: what a recovered record carries.
struct SignedAnswer {
  std::string path;           // the request path, which the signature covers
  std::string client_id;      // the answer's client-id header
  std::string response_time;  // its response-time header
  std::string signature;      // its signature header
  std::string body;           // the raw body the signature covers
  boost::json::object json;   // the body, parsed
  int tries = 0;              // how many requests it took
};

using AntomApiResult = boost::system::result<SignedAnswer, Failure>;

// Whether a call that failed so is worth another try: no answer, a 5xx, or Antom not knowing yet
// (U). A refusal (4xx, a bad signature, F, an answer about something else) would only come again.
bool worth_asking_again(const Failure& failure);

class AntomApiClient {
 public:
  // Throws ConfigError naming the option on a bad URL, an unreadable CA file or a missing key.
  explicit AntomApiClient(AntomApiSettings settings);
  ~AntomApiClient();
  AntomApiClient(const AntomApiClient&) = delete;
  AntomApiClient& operator=(const AntomApiClient&) = delete;

  // An answer about another payment or refund than the one asked about is a bad_answer.
  AntomApiResult inquire(const InquiryTarget& target);
  // Any API: `path` is the full request path (/ams/api/v1/...).
  AntomApiResult call(const std::string& path, const std::string& body);

 private:
  struct Endpoint;
  AntomApiResult try_once(const std::string& path, const std::string& body);

  AntomApiSettings settings_;
  std::unique_ptr<Endpoint> endpoint_;
};

}  // namespace paynotify

template <>
struct boost::system::is_error_code_enum<paynotify::AntomApiError> : std::true_type {};

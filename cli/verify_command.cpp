#include <iostream>

#include "cli/command_options.hpp"
#include "cli/commands.hpp"
#include "common/antom/signature_header.hpp"
#include "common/antom/verifier.hpp"

namespace paynotify::cli {

int verify_command(const Args& args) {
  Options o(
      "paynotify verify",
      "Checks a captured notification's signature offline. BODY_FILE holds the raw body "
      "(or - for stdin).\nExit 0 valid, 1 invalid, 2 usage error.",
      {
          {"public-key", "", "Antom's public key file (PEM or the Dashboard's base64)"},
          {"client-id", "", "the client-id header"},
          {"time", "", "the request-time header"},
          {"uri", "", "the path (and query) Antom called, e.g. /notifications/antom"},
          {"signature", "", "the signature header value, whole or only its signature=... part"},
      });
  if (auto rc = parse_command_line(o, args)) return *rc;
  if (o.positional().size() != 1) {
    std::cerr << "paynotify verify: give exactly one BODY_FILE (or -)\n";
    return 2;
  }
  for (const char* required : {"public-key", "client-id", "time", "uri", "signature"}) {
    if (o.str(required).empty()) {
      std::cerr << "paynotify verify: --" << required << " is required\n";
      return 2;
    }
  }
  KeyRegistry keys;
  try {
    keys.add(o.str("client-id"), "", read_file(o.str("public-key")));
  } catch (const std::exception& e) {
    std::cerr << "paynotify verify: --public-key: " << e.what() << "\n";
    return 2;
  }
  const std::string body = read_body_argument(o.positional().front());
  const std::string uri = o.str("uri"), client = o.str("client-id"), time = o.str("time"),
                    signature = signature_header_from_pasted(o.str("signature"));
  const Verdict verdict = verify_notification({uri, client, time, signature, body}, keys);
  if (verdict.ok()) {
    std::cout << "valid: signature verifies for client id " << client << "\n";
    return 0;
  }
  std::cout << "invalid: " << describe(verdict.error) << "\n";
  return 1;
}

}  // namespace paynotify::cli

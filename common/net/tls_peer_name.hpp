#pragma once
// One rule for which certificate names the server every TLS client of paynotify dials (the
// order service, Redis, Antom's API): an IP address must be in the certificate's IP SANs, a name in
// its DNS SANs; no partial wildcards ("o*.example.com"), never the subject's CN in place of
// SANs; SNI carries a name, never an IP address (RFC 6066 §3).

#include <openssl/ssl.h>

#include <string>

namespace paynotify {

// Sets the rule on `ssl` before its handshake. False when OpenSSL refused a step: the
// connection must not go on, or the name would go unchecked.
bool expect_peer_name(SSL* ssl, const std::string& host);

}  // namespace paynotify

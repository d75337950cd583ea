#pragma once
// The client side of a TLS connection as the options give it: the CAs to trust and, for mutual
// TLS, the certificate to present. Shared by the order-service client and the Redis connection.

#include <string>

namespace boost::asio::ssl {
class context;
}

namespace paynotify {

struct TlsClientFiles {
  std::string ca_file;    // trust these CAs (PEM) instead of the system's
  std::string cert_file;  // present this certificate chain (PEM) ...
  std::string key_file;   // ... with this private key (PEM); both or neither
};

// Loads `files` into `ssl` and turns peer verification on, once, at start: a file that is
// missing or unreadable, or a key that is not the certificate's, throws std::invalid_argument
// naming the option (`--<option>-ca-file: ...`), not the first connection.
void load_tls_client(boost::asio::ssl::context& ssl, const TlsClientFiles& files,
                     const std::string& option);

}  // namespace paynotify

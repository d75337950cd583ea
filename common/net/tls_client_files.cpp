#include "common/net/tls_client_files.hpp"

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <stdexcept>

namespace paynotify {

void load_tls_client(boost::asio::ssl::context& ssl, const TlsClientFiles& files,
                     const std::string& option) {
  const std::string flag = "--" + option;
  ssl.set_verify_mode(boost::asio::ssl::verify_peer);
  // Whatever the system's OpenSSL configuration allows: nothing older than TLS 1.2.
  SSL_CTX_set_min_proto_version(ssl.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (files.ca_file.empty()) {
    ssl.set_default_verify_paths(ec);
  } else {
    ssl.load_verify_file(files.ca_file, ec);
  }
  if (ec) throw std::invalid_argument(flag + "-ca-file: cannot load CAs: " + ec.message());
  if (files.cert_file.empty() != files.key_file.empty()) {
    throw std::invalid_argument(flag + "-cert-file and " + flag + "-key-file go together");
  }
  if (files.cert_file.empty()) return;
  ssl.use_certificate_chain_file(files.cert_file, ec);
  if (ec)
    throw std::invalid_argument(flag + "-cert-file: cannot load the certificate: " + ec.message());
  ssl.use_private_key_file(files.key_file, boost::asio::ssl::context::pem, ec);
  // OpenSSL also refuses here a key that does not belong to the certificate.
  if (ec || SSL_CTX_check_private_key(ssl.native_handle()) != 1) {
    throw std::invalid_argument(flag + "-key-file: cannot use the private key (is it the key of " +
                                flag +
                                "-cert-file?): " + (ec ? ec.message() : "key values mismatch"));
  }
}

}  // namespace paynotify

#pragma once
// RSA keys for Antom's SHA256withRSA signatures: parsed once at start, shared read-only after.

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace paynotify {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::shared_ptr<EVP_PKEY>;

struct KeyLoad {
  EvpPkeyPtr key;
  std::string error;  // set when key is null
};

// A public key as PEM ("BEGIN PUBLIC KEY") or as the Dashboard shows it: bare base64 of the
// DER SubjectPublicKeyInfo. Only RSA keys of at least 2048 bits are accepted.
KeyLoad load_public_key(std::string_view text);

// A private key as PKCS#8 or traditional PEM, or as bare base64 of its DER (the form Antom's
// SDKs take the merchant's key in): the merchant's key that signs API requests, and the key of
// paynotify send and the tests. Only RSA keys of at least 2048 bits are accepted.
KeyLoad load_private_key(std::string_view text);

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// A public key that checks RSASSA-PKCS1-v1_5 signatures over SHA-256, from any thread. Each
// thread hashes with a digest context of its own and checks with a verify context of its own
// per key, both set up once: in OpenSSL 3 setting one up (fetching SHA-256, the key's provider
// context) or copying one costs about a dozen allocations and a sixth of the RSA operation,
// paid per notification before.
class SignatureKey {
 public:
  // Throws std::runtime_error when OpenSSL cannot set up a context for the key.
  explicit SignatureKey(EvpPkeyPtr key);
  // The signed content is the concatenation of `parts` (no copy of the body is made).
  bool verify(std::span<const std::string_view> parts, std::string_view signature) const;

 private:
  EVP_PKEY_CTX* verify_context() const;  // this thread's for this key

  EvpPkeyPtr key_;
  uint64_t id_;  // names the key in the threads' caches: an address may be reused, this is not
};

std::optional<std::string> sign_sha256_rsa(EVP_PKEY* key, std::string_view content);

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
  std::string public_base64;  // the Dashboard form
};
RsaKeyPair generate_rsa_key_pair(int bits = 2048);

// Reads a whole file; throws std::runtime_error naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace paynotify

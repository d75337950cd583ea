#include "common/antom/rsa_key.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/antom/encoding.hpp"

namespace paynotify {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

EvpPkeyPtr adopt(EVP_PKEY* key) { return EvpPkeyPtr(key, EvpPkeyDeleter{}); }

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

KeyLoad check_rsa(EvpPkeyPtr key) {
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return {nullptr, "key is not an RSA key"};
  if (EVP_PKEY_get_bits(key.get()) < 2048) return {nullptr, "RSA key is shorter than 2048 bits"};
  return {std::move(key), {}};
}

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

KeyLoad load_public_key(std::string_view text) {
  if (text.find("-----BEGIN") != std::string_view::npos) {
    auto bio = memory_bio(text);
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return {nullptr, "not a PEM public key: " + openssl_error()};
    return check_rsa(adopt(key));
  }
  const auto der = base64_decode(text);
  if (!der || der->empty()) return {nullptr, "neither PEM nor base64 DER SubjectPublicKeyInfo"};
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size()));
  if (key == nullptr)
    return {nullptr, "base64 is not a DER SubjectPublicKeyInfo: " + openssl_error()};
  return check_rsa(adopt(key));
}

KeyLoad load_private_key(std::string_view text) {
  if (text.find("-----BEGIN") != std::string_view::npos) {
    auto bio = memory_bio(text);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return {nullptr, "not a PEM private key: " + openssl_error()};
    return check_rsa(adopt(key));
  }
  // Antom's SDKs take the merchant's key as bare base64 of its PKCS#8 DER.
  const auto der = base64_decode(text);
  if (!der || der->empty()) return {nullptr, "neither PEM nor base64 DER PKCS#8"};
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size()));
  if (key == nullptr) return {nullptr, "base64 is not a DER private key: " + openssl_error()};
  return check_rsa(adopt(key));
}

namespace {

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

std::atomic<uint64_t> next_key_id{1};

PkeyCtxPtr new_verify_context(EVP_PKEY* key) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) {
    return nullptr;
  }
  return ctx;
}

// A thread's verify contexts, for the last eight keys it used (a deployment has a key or two
// per client id, one more during a rotation; a context of a key gone waits to be replaced).
struct VerifyContexts {
  struct Entry {
    uint64_t key_id = 0;
    PkeyCtxPtr ctx;
  };
  std::array<Entry, 8> entries;
  std::size_t next = 0;  // replaced next
};

EVP_MD_CTX* thread_digest_context() {
  thread_local const MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx.get();
}

const EVP_MD* sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // once, not per hash
  return md;
}

}  // namespace

SignatureKey::SignatureKey(EvpPkeyPtr key) : key_(std::move(key)), id_(next_key_id++) {
  if (!new_verify_context(key_.get()) || sha256() == nullptr) {
    throw std::runtime_error("cannot set up signature checks for a key: " + openssl_error());
  }
}

EVP_PKEY_CTX* SignatureKey::verify_context() const {
  thread_local VerifyContexts cache;
  for (auto& e : cache.entries) {
    if (e.key_id == id_) return e.ctx.get();
  }
  PkeyCtxPtr ctx = new_verify_context(key_.get());
  if (!ctx) return nullptr;  // the check fails; the contexts kept stay
  auto& slot = cache.entries[cache.next];
  cache.next = (cache.next + 1) % cache.entries.size();
  slot = {id_, std::move(ctx)};
  return slot.ctx.get();
}

bool SignatureKey::verify(std::span<const std::string_view> parts,
                          std::string_view signature) const {
  EVP_MD_CTX* md = thread_digest_context();
  EVP_PKEY_CTX* check = verify_context();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  bool ok = md != nullptr && check != nullptr && EVP_DigestInit_ex(md, sha256(), nullptr) == 1;
  for (auto part = parts.begin(); ok && part != parts.end(); ++part) {
    ok = EVP_DigestUpdate(md, part->data(), part->size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(md, digest, &digest_size) == 1 &&
       EVP_PKEY_verify(check, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), digest, digest_size) == 1;
  ERR_clear_error();
  return ok;
}

std::optional<std::string> sign_sha256_rsa(EVP_PKEY* key, std::string_view content) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return std::nullopt;
  }
  std::size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(content.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, content.size()) != 1) return std::nullopt;
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     content.size()) != 1) {
    return std::nullopt;
  }
  sig.resize(len);
  return sig;
}

RsaKeyPair generate_rsa_key_pair(int bits) {
  EVP_PKEY* raw = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (raw == nullptr) throw std::runtime_error("RSA key generation failed: " + openssl_error());
  auto key = adopt(raw);
  RsaKeyPair out;
  {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    out.private_pem = bio_contents(bio.get());
  }
  {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key.get());
    out.public_pem = bio_contents(bio.get());
  }
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key.get(), &der);
  if (n <= 0) throw std::runtime_error("DER encoding failed: " + openssl_error());
  out.public_base64 =
      base64_encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace paynotify

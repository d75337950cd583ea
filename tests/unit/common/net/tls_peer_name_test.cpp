#include "common/net/tls_peer_name.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <memory>

namespace paynotify {
namespace {

struct Ssl {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl{SSL_new(ctx.get()), &SSL_free};
};

TEST(TlsPeerName, ANameIsSentAsSniAndCheckedWithoutPartialWildcardsOrTheCommonName) {
  Ssl s;
  ASSERT_TRUE(expect_peer_name(s.ssl.get(), "orders.internal"));
  EXPECT_STREQ(SSL_get_servername(s.ssl.get(), TLSEXT_NAMETYPE_host_name), "orders.internal");
  const unsigned flags = X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(s.ssl.get()));
  EXPECT_TRUE(flags & X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  EXPECT_TRUE(flags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
}

TEST(TlsPeerName, AnIpAddressIsCheckedAgainstIpSansAndNeverSentAsSni) {
  for (const char* ip : {"127.0.0.1", "::1"}) {
    Ssl s;
    ASSERT_TRUE(expect_peer_name(s.ssl.get(), ip));
    EXPECT_EQ(SSL_get_servername(s.ssl.get(), TLSEXT_NAMETYPE_host_name), nullptr) << ip;
    char* expected = X509_VERIFY_PARAM_get1_ip_asc(SSL_get0_param(s.ssl.get()));
    ASSERT_NE(expected, nullptr) << ip << ": no IP to check the certificate against";
    EXPECT_STREQ(expected, std::string(ip) == "::1" ? "0:0:0:0:0:0:0:1" : ip);
    OPENSSL_free(expected);
    EXPECT_TRUE(X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(s.ssl.get())) &
                X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  }
}

}  // namespace
}  // namespace paynotify

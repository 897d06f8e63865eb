// Certificates and CSRs checked by the OpenSSL command line.
#include "common/x509.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "fixtures/process.hpp"
#include "openssl_cli.hpp"

namespace {

using namespace common;
using testing_cli::openssl;
using testing_cli::read_file;
using testing_cli::trim;
using testing_cli::write_file;

class X509Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto generated = crypto::generate_p256();
    ASSERT_TRUE(generated.has_value());
    key = std::move(*generated);
  }
  std::filesystem::path file(const std::string& name) const { return dir.path() / name; }

  fixtures::TempDir dir;
  crypto::Key key;
};

TEST_F(X509Test, SelfSignedCertificateVerifiesWithOpenssl) {
  auto pem = x509::self_signed_pem(key.get(), {"example.test", "www.example.test"},
                                   std::chrono::hours(24));
  ASSERT_TRUE(pem.has_value()) << pem.error().message;
  write_file(file("cert.pem"), *pem);
  const auto out = openssl({"verify", "-CAfile", file("cert.pem"), "-purpose", "sslserver",
                            "-verify_hostname", "www.example.test", file("cert.pem")});
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
  const auto text = openssl({"x509", "-in", file("cert.pem"), "-noout", "-text"});
  EXPECT_NE(text.find("DNS:example.test, DNS:www.example.test"), std::string::npos) << text;
  EXPECT_NE(text.find("ecdsa-with-SHA256"), std::string::npos);
  EXPECT_NE(text.find("CA:FALSE"), std::string::npos);
}

TEST_F(X509Test, DescribeAgreesWithOpenssl) {
  auto pem = x509::self_signed_pem(key.get(), {"example.test", "alt.example.test"},
                                   std::chrono::hours(48));
  ASSERT_TRUE(pem.has_value());
  write_file(file("cert.pem"), *pem);
  auto info = x509::describe_leaf_pem(*pem);
  ASSERT_TRUE(info.has_value()) << info.error().message;

  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"example.test", "alt.example.test"}));
  EXPECT_EQ(info->subject, "CN = example.test");
  EXPECT_EQ(info->issuer, info->subject);
  EXPECT_EQ(info->not_after - info->not_before, std::chrono::hours(49));
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(info->not_before, now);
  EXPECT_GT(info->not_before, now - std::chrono::hours(2));

  // Serial and dates as the CLI prints them.
  const auto serial = trim(openssl({"x509", "-in", file("cert.pem"), "-noout", "-serial"}));
  std::string expected_serial = serial.substr(serial.find('=') + 1);
  for (char& c : expected_serial) c = static_cast<char>(std::tolower(c));
  EXPECT_EQ(info->serial_hex, expected_serial);
  const auto epoch = trim(
      openssl({"x509", "-in", file("cert.pem"), "-noout", "-enddate", "-dateopt", "iso_8601"}));
  // "notAfter=YYYY-MM-DD HH:MM:SSZ"
  std::tm parts{};
  ASSERT_NE(strptime(epoch.substr(epoch.find('=') + 1).c_str(), "%Y-%m-%d %H:%M:%SZ", &parts),
            nullptr)
      << epoch;
  EXPECT_EQ(info->not_after, std::chrono::sys_seconds(std::chrono::seconds(timegm(&parts))));

  openssl({"x509", "-in", file("cert.pem"), "-pubkey", "-noout", "-out", file("pub.pem")});
  openssl({"pkey", "-pubin", "-in", file("pub.pem"), "-outform", "DER", "-out", file("pub.der")});
  EXPECT_EQ(info->spki_sha256, crypto::sha256(read_file(file("pub.der"))));
}

TEST_F(X509Test, CsrVerifiesWithOpensslAndCarriesTheNames) {
  auto der = x509::csr_der(key.get(), {"example.test", "api.example.test"});
  ASSERT_TRUE(der.has_value()) << der.error().message;
  write_file(file("csr.der"), *der);
  const auto out =
      openssl({"req", "-inform", "DER", "-in", file("csr.der"), "-verify", "-noout", "-text"});
  EXPECT_NE(out.find("verify OK"), std::string::npos) << out;
  EXPECT_NE(out.find("DNS:example.test, DNS:api.example.test"), std::string::npos) << out;
  EXPECT_NE(out.find("CN = example.test"), std::string::npos) << out;
}

// Issue 12 item 12: OpenSSL refuses a Common Name over 64 characters, and a
// DNS name may be up to 253. A name that long is carried by the SAN alone,
// marked critical as RFC 5280 4.2.1.6 requires of an empty subject.
TEST_F(X509Test, ANameTooLongForACommonNameIsCarriedByACriticalSanAlone) {
  const std::string label(60, 'a');
  const std::string name = label + "." + label + ".example.test";  // 135 characters
  auto pem = x509::self_signed_pem(key.get(), {name}, std::chrono::hours(1));
  ASSERT_TRUE(pem.has_value()) << pem.error().message;
  write_file(file("long.pem"), *pem);
  const auto out = openssl({"verify", "-CAfile", file("long.pem"), "-purpose", "sslserver",
                            "-verify_hostname", name, file("long.pem")});
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
  const auto text = openssl({"x509", "-in", file("long.pem"), "-noout", "-text"});
  EXPECT_NE(text.find("X509v3 Subject Alternative Name: critical"), std::string::npos) << text;
  EXPECT_EQ(text.find("CN ="), std::string::npos) << text;

  auto der = x509::csr_der(key.get(), {name});
  ASSERT_TRUE(der.has_value()) << der.error().message;
  write_file(file("long.der"), *der);
  const auto csr =
      openssl({"req", "-inform", "DER", "-in", file("long.der"), "-verify", "-noout", "-text"});
  EXPECT_NE(csr.find("verify OK"), std::string::npos) << csr;
  EXPECT_NE(csr.find("DNS:" + name), std::string::npos) << csr;
  EXPECT_EQ(csr.find("CN ="), std::string::npos) << csr;
  // A name that fits still leads the subject.
  auto short_first = x509::self_signed_pem(key.get(), {"a.example.test", name}, std::chrono::hours(1));
  ASSERT_TRUE(short_first.has_value());
  EXPECT_EQ(x509::describe_leaf_pem(*short_first)->subject, "CN = a.example.test");
}

TEST_F(X509Test, IpLiteralsBecomeIpAddressEntries) {
  auto pem =
      x509::self_signed_pem(key.get(), {"localhost", "127.0.0.1", "::1"}, std::chrono::hours(1));
  ASSERT_TRUE(pem.has_value()) << pem.error().message;
  write_file(file("cert.pem"), *pem);
  const auto text = openssl({"x509", "-in", file("cert.pem"), "-noout", "-ext", "subjectAltName"});
  EXPECT_NE(text.find("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
            std::string::npos)
      << text;
  const auto out =
      openssl({"verify", "-CAfile", file("cert.pem"), "-verify_ip", "127.0.0.1", file("cert.pem")});
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
  EXPECT_EQ(x509::describe_leaf_pem(*pem)->dns_names, std::vector<std::string>{"localhost"});
}

TEST_F(X509Test, RefusesBadNames) {
  for (const std::vector<std::string>& names : {std::vector<std::string>{},
                                                {""},
                                                {"bad name"},
                                                {"a,DNS:evil.test"},
                                                {"x..test"},
                                                {std::string(300, 'a')}}) {
    auto pem = x509::self_signed_pem(key.get(), names, std::chrono::hours(1));
    ASSERT_FALSE(pem.has_value());
    EXPECT_EQ(pem.error().kind, Error::Kind::invalid_input) << pem.error().message;
    EXPECT_FALSE(x509::csr_der(key.get(), names).has_value());
  }
}

TEST_F(X509Test, ParsesChainsInOrderAndRejectsDamage) {
  auto first = x509::self_signed_pem(key.get(), {"one.test"}, std::chrono::hours(1));
  auto second = x509::self_signed_pem(key.get(), {"two.test"}, std::chrono::hours(1));
  ASSERT_TRUE(first && second);
  auto chain = x509::parse_chain_pem(*first + *second);
  ASSERT_TRUE(chain.has_value()) << chain.error().message;
  ASSERT_EQ(chain->size(), 2U);
  EXPECT_EQ(x509::describe((*chain)[1].get())->dns_names.at(0), "two.test");
  EXPECT_EQ(x509::to_pem((*chain)[0].get()).value(), *first);

  EXPECT_FALSE(x509::parse_chain_pem("").has_value());
  EXPECT_FALSE(x509::parse_chain_pem("junk").has_value());
  std::string damaged = *first + *second;
  damaged[first->size() + 100] = '!';
  auto bad = x509::parse_chain_pem(damaged);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, Error::Kind::invalid_input);
}

}  // namespace

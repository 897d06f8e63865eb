// Our crypto helpers against the OpenSSL command line: the CLI is the
// independent implementation that tells us we encode what others expect.
#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include "fixtures/process.hpp"
#include "openssl_cli.hpp"

namespace {

using namespace common::crypto;
using testing_cli::first_word;
using testing_cli::openssl;
using testing_cli::read_file;
using testing_cli::trim;
using testing_cli::write_file;

const std::string kBinary("\x00\x01\xff\xfe binary \x80\n", 14);

// A minimal DER encoder for ECDSA-Sig-Value, written independently of the
// library's conversion so that the test checks it rather than repeats it.
std::string der_integer(std::string magnitude) {
  while (magnitude.size() > 1 && magnitude[0] == '\0' && !(magnitude[1] & 0x80)) {
    magnitude.erase(0, 1);
  }
  if (static_cast<unsigned char>(magnitude[0]) & 0x80) magnitude.insert(0, 1, '\0');
  return std::string{'\x02', static_cast<char>(magnitude.size())} + magnitude;
}

std::string raw_to_der(std::string_view raw) {
  const std::string body =
      der_integer(std::string(raw.substr(0, 32))) + der_integer(std::string(raw.substr(32, 32)));
  return std::string{'\x30', static_cast<char>(body.size())} + body;
}

std::string der_to_raw(std::string_view der) {
  std::string out;
  std::size_t at = 2;  // SEQUENCE tag and short length (a P-256 signature < 128 bytes)
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(der[at], '\x02');
    std::size_t length = static_cast<unsigned char>(der[at + 1]);
    std::string value(der.substr(at + 2, length));
    while (value.size() > 32) value.erase(0, 1);
    out += std::string(32 - value.size(), '\0') + value;
    at += 2 + length;
  }
  return out;
}

class CryptoTest : public ::testing::Test {
 protected:
  fixtures::TempDir dir;
  std::filesystem::path file(const std::string& name) const { return dir.path() / name; }
};

TEST_F(CryptoTest, Sha256MatchesOpensslDgst) {
  for (const std::string& input :
       {std::string(), std::string("abc"), kBinary, std::string(100000, 'x')}) {
    write_file(file("in"), input);
    const auto expected = first_word(openssl({"dgst", "-sha256", "-r", file("in")}));
    EXPECT_EQ(hex(sha256(input)), expected);
  }
}

TEST_F(CryptoTest, HmacSha256MatchesOpensslMac) {
  const std::string key("\x0b\x0b secret key\x00\xff", 15);
  write_file(file("in"), kBinary);
  const auto expected = first_word(openssl(
      {"dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + hex(key), "-r", file("in")}));
  EXPECT_EQ(hex(hmac_sha256(key, kBinary)), expected);
  // RFC 4231 test case 2.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(CryptoTest, Base64MatchesOpensslAndRoundTrips) {
  for (const std::string& input : {std::string("f"), std::string("fo"), std::string("foo"), kBinary,
                                   std::string(1000, '\xfb')}) {
    write_file(file("in"), input);
    EXPECT_EQ(base64(input), trim(openssl({"base64", "-A", "-in", file("in")})));
    auto decoded = base64_decode(base64(input));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(*decoded, input);
  }
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64_decode("").value(), "");
}

TEST_F(CryptoTest, Base64DecodeRejectsMalformedInput) {
  for (const char* bad : {"Zm9", "Zm9v YmFy", "Zm9v\n", "Zm=v", "Z===", "****", "Zm9vYmE-"}) {
    auto decoded = base64_decode(bad);
    ASSERT_FALSE(decoded.has_value()) << bad;
    EXPECT_EQ(decoded.error().kind, common::Error::Kind::invalid_input);
  }
}

TEST_F(CryptoTest, Base64UrlFollowsRfc4648) {
  // RFC 4648 section 10 vectors, without padding, and the URL alphabet.
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_").value(), "\xfb\xff\xbf");
  EXPECT_EQ(base64url_decode("Zm9vYg").value(), "foob");
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());  // impossible length
  EXPECT_FALSE(base64url_decode("+/+/").has_value());   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm8=").has_value());   // padding
}

TEST_F(CryptoTest, HexRoundTripsAndRejectsJunk) {
  EXPECT_EQ(hex(kBinary), "0001fffe2062696e61727920800a");
  EXPECT_EQ(unhex("0001FFfe2062696e61727920800a").value(), kBinary);
  EXPECT_FALSE(unhex("abc").has_value());
  EXPECT_FALSE(unhex("zz").has_value());
}

TEST_F(CryptoTest, RandomBytesAreFreshEachTime) {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32U);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(random_bytes(0).value(), "");
}

TEST_F(CryptoTest, OurPemKeysAreReadByOpenssl) {
  auto key = generate_p256();
  ASSERT_TRUE(key.has_value());
  write_file(file("key.pem"), private_key_pem(key->get()).value());
  const auto text = openssl({"pkey", "-in", file("key.pem"), "-noout", "-text"});
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;
  EXPECT_NE(read_file(file("key.pem")).find("BEGIN PRIVATE KEY"), std::string::npos);  // PKCS#8
  openssl({"pkey", "-in", file("key.pem"), "-pubout", "-out", file("pub.pem")});
  EXPECT_EQ(public_key_pem(key->get()).value(), read_file(file("pub.pem")));
}

TEST_F(CryptoTest, LoadsKeysMadeByOpensslAndRejectsJunk) {
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
           file("key.pem")});
  openssl({"pkey", "-in", file("key.pem"), "-pubout", "-out", file("pub.pem")});
  auto key = load_private_key_pem(read_file(file("key.pem")));
  ASSERT_TRUE(key.has_value()) << key.error().message;
  auto pub = load_public_key_pem(read_file(file("pub.pem")));
  ASSERT_TRUE(pub.has_value()) << pub.error().message;
  EXPECT_EQ(spki_der(key->get()).value(), spki_der(pub->get()).value());

  for (const char* junk : {"", "not a key",
                           "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE "
                           "KEY-----\n"}) {
    auto bad = load_private_key_pem(junk);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().kind, common::Error::Kind::invalid_input);
    EXPECT_FALSE(load_public_key_pem(junk).has_value());
  }
  // An encrypted key is refused without prompting on the terminal.
  openssl(
      {"pkey", "-in", file("key.pem"), "-aes128", "-passout", "pass:x", "-out", file("enc.pem")});
  EXPECT_FALSE(load_private_key_pem(read_file(file("enc.pem"))).has_value());
}

TEST_F(CryptoTest, SpkiDigestMatchesOpenssl) {
  auto key = generate_p256();
  ASSERT_TRUE(key.has_value());
  write_file(file("pub.pem"), public_key_pem(key->get()).value());
  openssl({"pkey", "-pubin", "-in", file("pub.pem"), "-outform", "DER", "-out", file("pub.der")});
  EXPECT_EQ(spki_der(key->get()).value(), read_file(file("pub.der")));
  const auto expected = first_word(openssl({"dgst", "-sha256", "-r", file("pub.der")}));
  EXPECT_EQ(hex(spki_sha256(key->get()).value()), expected);
}

TEST_F(CryptoTest, Es256SignatureVerifiesWithOpenssl) {
  auto key = generate_p256();
  ASSERT_TRUE(key.has_value());
  write_file(file("pub.pem"), public_key_pem(key->get()).value());
  write_file(file("data"), kBinary);
  for (int i = 0; i < 8; ++i) {  // several, so that short r or s values get exercised
    auto signature = es256_sign(key->get(), kBinary);
    ASSERT_TRUE(signature.has_value());
    ASSERT_EQ(signature->size(), 64U);
    write_file(file("sig.der"), raw_to_der(*signature));
    const auto out = openssl({"dgst", "-sha256", "-verify", file("pub.pem"), "-signature",
                              file("sig.der"), file("data")});
    EXPECT_NE(out.find("Verified OK"), std::string::npos) << out;
  }
}

TEST_F(CryptoTest, Es256VerifiesOpensslSignaturesAndRejectsTampering) {
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
           file("key.pem")});
  write_file(file("data"), kBinary);
  openssl({"dgst", "-sha256", "-sign", file("key.pem"), "-out", file("sig.der"), file("data")});
  auto key = load_private_key_pem(read_file(file("key.pem")));
  ASSERT_TRUE(key.has_value());
  const std::string raw = der_to_raw(read_file(file("sig.der")));
  EXPECT_TRUE(es256_verify(key->get(), kBinary, raw).value());
  EXPECT_FALSE(es256_verify(key->get(), kBinary + "x", raw).value());
  std::string flipped = raw;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(es256_verify(key->get(), kBinary, flipped).value());
  EXPECT_FALSE(es256_verify(key->get(), kBinary, raw.substr(0, 63)).value());
  EXPECT_FALSE(es256_verify(key->get(), kBinary, std::string(64, '\0')).value());
  EXPECT_FALSE(es256_verify(key->get(), kBinary, std::string(64, '\xff')).value());
}

TEST_F(CryptoTest, Es256RefusesOtherKeyTypes) {
  openssl({"genpkey", "-algorithm", "ED25519", "-out", file("ed.pem")});
  auto key = load_private_key_pem(read_file(file("ed.pem")));
  ASSERT_TRUE(key.has_value());
  EXPECT_FALSE(es256_sign(key->get(), "x").has_value());
  EXPECT_FALSE(es256_verify(key->get(), "x", std::string(64, 'a')).has_value());
  EXPECT_FALSE(p256_public_jwk(key->get()).has_value());
}

TEST_F(CryptoTest, Rs256SignatureVerifiesWithOpenssl) {
  openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
           file("rsa.pem")});
  openssl({"pkey", "-in", file("rsa.pem"), "-pubout", "-out", file("rsa.pub")});
  auto key = load_private_key_pem(read_file(file("rsa.pem")));
  ASSERT_TRUE(key.has_value());
  auto signature = rs256_sign(key->get(), kBinary);
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->size(), 256U);
  write_file(file("sig"), *signature);
  write_file(file("data"), kBinary);
  const auto out = openssl(
      {"dgst", "-sha256", "-verify", file("rsa.pub"), "-signature", file("sig"), file("data")});
  EXPECT_NE(out.find("Verified OK"), std::string::npos) << out;
  // PKCS#1 v1.5 is deterministic: OpenSSL's own signature is the same bytes.
  openssl({"dgst", "-sha256", "-sign", file("rsa.pem"), "-out", file("cli.sig"), file("data")});
  EXPECT_EQ(read_file(file("cli.sig")), *signature);
}

TEST_F(CryptoTest, Rs256VerifiesOpensslSignaturesAndRejectsTampering) {
  openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
           file("rsa.pem")});
  openssl({"pkey", "-in", file("rsa.pem"), "-pubout", "-out", file("rsa.pub")});
  write_file(file("data"), kBinary);
  openssl({"dgst", "-sha256", "-sign", file("rsa.pem"), "-out", file("sig"), file("data")});
  auto key = load_public_key_pem(read_file(file("rsa.pub")));
  ASSERT_TRUE(key.has_value());
  const std::string signature = read_file(file("sig"));
  EXPECT_TRUE(rs256_verify(key->get(), kBinary, signature).value());
  EXPECT_FALSE(rs256_verify(key->get(), kBinary + "x", signature).value());
  std::string flipped = signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(rs256_verify(key->get(), kBinary, flipped).value());
  EXPECT_FALSE(rs256_verify(key->get(), kBinary, "").value());
}

TEST_F(CryptoTest, Rs256RefusesWeakAndOtherKeys) {
  openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out",
           file("weak.pem")});
  auto weak = load_private_key_pem(read_file(file("weak.pem")));
  ASSERT_TRUE(weak.has_value());
  EXPECT_FALSE(rs256_sign(weak->get(), "x").has_value());
  auto ec = generate_p256();
  ASSERT_TRUE(ec.has_value());
  EXPECT_FALSE(rs256_sign(ec->get(), "x").has_value());
  EXPECT_FALSE(rs256_verify(ec->get(), "x", std::string(256, 'a')).has_value());
}

TEST_F(CryptoTest, PublicJwkCarriesThePointOpensslPrints) {
  auto key = generate_p256();
  ASSERT_TRUE(key.has_value());
  write_file(file("pub.pem"), public_key_pem(key->get()).value());
  openssl({"pkey", "-pubin", "-in", file("pub.pem"), "-outform", "DER", "-out", file("pub.der")});
  // The SPKI ends with the uncompressed point 04 || x || y.
  const std::string der = read_file(file("pub.der"));
  const std::string point = der.substr(der.size() - 65);
  ASSERT_EQ(point[0], '\x04');
  auto jwk = p256_public_jwk(key->get());
  ASSERT_TRUE(jwk.has_value());
  EXPECT_EQ((*jwk)["kty"], "EC");
  EXPECT_EQ((*jwk)["crv"], "P-256");
  EXPECT_EQ((*jwk)["x"], base64url(point.substr(1, 32)));
  EXPECT_EQ((*jwk)["y"], base64url(point.substr(33, 32)));

  // RFC 7638: SHA-256 over the canonical members, written out here by hand.
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" +
                                (*jwk)["x"].get<std::string>() + R"(","y":")" +
                                (*jwk)["y"].get<std::string>() + R"("})";
  write_file(file("canonical"), canonical);
  const auto expected = first_word(openssl({"dgst", "-sha256", "-r", file("canonical")}));
  auto with_extras = *jwk;
  with_extras["kid"] = "ignored";
  with_extras["use"] = "sig";
  EXPECT_EQ(hex(jwk_thumbprint(with_extras)), expected);
}

TEST_F(CryptoTest, ThumbprintMatchesRfc8037Example) {
  const common::json okp = {
      {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  EXPECT_EQ(base64url(jwk_thumbprint(okp)), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(CryptoCompare, ConstantTimeEquality) {
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time("secret", "secret"));
  EXPECT_FALSE(equal_constant_time("secret", "secreT"));
  EXPECT_FALSE(equal_constant_time("secret", "secret2"));
  EXPECT_FALSE(equal_constant_time(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace

// Malformed quotes and signatures are refused with a reason, never a crash.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "attestd/verify/tpm_quote.hpp"

namespace {

TEST(QuoteParsing, GarbageIsRefused) {
  EXPECT_FALSE(attest::parse_quote(""));
  EXPECT_FALSE(attest::parse_quote(std::string(100, '\0')));
  // Right magic, wrong type (TPM_ST_ATTEST_CERTIFY = 0x8017).
  std::string certify("\xff\x54\x43\x47\x80\x17", 6);
  EXPECT_FALSE(attest::parse_quote(certify + std::string(60, '\0')));
}

TEST(QuoteParsing, SignatureGarbageIsRefused) {
  auto key = common::crypto::generate_p256();
  ASSERT_TRUE(key);
  EXPECT_FALSE(attest::verify_quote_signature(key->get(), "quote", ""));
  EXPECT_FALSE(attest::verify_quote_signature(key->get(), "quote", std::string(5, '\x18')));
  // ECDSA/SHA-256 with empty r and s.
  std::string empty_ecdsa("\x00\x18\x00\x0b\x00\x00\x00\x00", 8);
  EXPECT_FALSE(attest::verify_quote_signature(key->get(), "quote", empty_ecdsa));
}

TEST(QuoteParsing, PcrDigestNeedsEveryQuotedValue) {
  attest::QuotedPcrs selection{0x000b, {0, 1}};
  auto digest = attest::expected_pcr_digest({selection}, {{0, std::string(32, 'a')}});
  EXPECT_FALSE(digest);
  digest = attest::expected_pcr_digest({selection},
                                       {{0, std::string(32, 'a')}, {1, std::string(32, 'b')}});
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, common::crypto::sha256(std::string(32, 'a') + std::string(32, 'b')));
}

}  // namespace

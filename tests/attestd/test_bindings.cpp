// The canonical bindings form and the qualifying data, as documented.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "attestd/verify/bindings.hpp"

namespace {

using common::json;
namespace crypto = common::crypto;

const std::string kA(64, 'a');
const std::string kB(64, 'b');

TEST(Bindings, CanonicalFormIsSortedCompactJson) {
  json bindings = {{"tls_spki_sha256", kA}, {"jwks_sha256", nullptr}};
  auto canonical = attest::canonical_bindings(bindings);
  ASSERT_TRUE(canonical);
  EXPECT_EQ(*canonical, "{\"jwks_sha256\":null,\"tls_spki_sha256\":\"" + kA + "\"}");
}

TEST(Bindings, QualifyingDataIsHashOfNonceAndHashOfCanonicalForm) {
  json bindings = {{"tls_spki_sha256", kA}, {"jwks_sha256", kB}};
  std::string nonce(32, '\x11');
  auto qd = attest::qualifying_data(nonce, bindings);
  ASSERT_TRUE(qd);
  std::string canonical = "{\"jwks_sha256\":\"" + kB + "\",\"tls_spki_sha256\":\"" + kA + "\"}";
  EXPECT_EQ(*qd, crypto::sha256(nonce + crypto::sha256(canonical)));
  EXPECT_EQ(qd->size(), 32u);
}

TEST(Bindings, RejectsAnythingButHexDigestsOrNull) {
  EXPECT_FALSE(attest::canonical_bindings(json::array()));
  EXPECT_FALSE(attest::canonical_bindings({{"tls_spki_sha256", "AB"}}));
  EXPECT_FALSE(attest::canonical_bindings({{"tls_spki_sha256", std::string(64, 'A')}}));
  EXPECT_FALSE(attest::canonical_bindings({{"tls_spki_sha256", 5}}));
  EXPECT_FALSE(attest::canonical_bindings({{"Bad Key", kA}}));
  EXPECT_FALSE(attest::canonical_bindings({{"k\"", kA}}));
}

}  // namespace

// TPMS_ATTEST and TPMT_SIGNATURE (attestd/verify/tpm_quote): unmarshalled by
// tpm2-tss's MU library as the verifier configures it, then the signature is
// checked against the fixture's genuine AK. Input: u16 little-endian length
// of the quote, the quote, then the signature.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "fuzz_support.hpp"
#include "attestd/verify/tpm_quote.hpp"

namespace {

EVP_PKEY* genuine_ak() {
  static const common::crypto::Key key = [] {
    auto evidence = common::parse_json(fuzz::fixture("verifier_fixture/evidence.json"));
    if (!evidence) std::abort();
    auto loaded =
        common::crypto::load_public_key_pem((*evidence)["ak_public_pem"].get<std::string>());
    if (!loaded) std::abort();
    return std::move(*loaded);
  }();
  return key.get();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)genuine_ak();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t quote_size = std::min<std::size_t>(data[0] | (data[1] << 8), rest.size());
  const auto quote = rest.substr(0, quote_size);
  const auto signature = rest.substr(quote_size);
  if (auto parsed = attest::parse_quote(quote)) {
    std::map<unsigned, std::string> values;
    for (unsigned pcr = 0; pcr < 24; ++pcr) values[pcr] = std::string(32, static_cast<char>(pcr));
    (void)attest::expected_pcr_digest(parsed->selections, values);
  }
  (void)attest::verify_quote_signature(genuine_ak(), quote, signature);
  return 0;
}

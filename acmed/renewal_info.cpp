#include "acmed/renewal_info.hpp"

#include <memory>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "common/crypto.hpp"
#include "common/openssl.hpp"
#include "common/x509.hpp"

namespace acmed {
namespace {

using common::Error;

// The content octets of the serial's DER INTEGER: big-endian two's
// complement, minimal, with a leading zero when the top bit is set.
common::Result<std::string> serial_content_octets(X509* certificate) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
  common::openssl::Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn || BN_is_negative(bn.get())) {
    return common::fail(Error::Kind::invalid_input, "unable to read the serial number");
  }
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  if (bytes.empty() || (static_cast<unsigned char>(bytes.front()) & 0x80U) != 0) {
    bytes.insert(bytes.begin(), '\0');
  }
  return bytes;
}

}  // namespace

common::Result<std::string> ari_certificate_id(std::string_view chain_pem) {
  auto chain = common::x509::parse_chain_pem(chain_pem);
  if (!chain)
    return std::unexpected(common::wrap(chain.error(), "unable to compute the ARI certID"));
  if (chain->empty())
    return common::fail(Error::Kind::invalid_input,
                        "unable to compute the ARI certID: empty chain");
  X509* leaf = chain->front().get();
  const ASN1_OCTET_STRING* key_id = X509_get0_authority_key_id(leaf);
  if (key_id == nullptr) {
    return common::fail(Error::Kind::invalid_input,
                        "unable to compute the ARI certID: no Authority Key Identifier");
  }
  auto serial = serial_content_octets(leaf);
  if (!serial) return std::unexpected(serial.error());
  std::string aki(reinterpret_cast<const char*>(ASN1_STRING_get0_data(key_id)),
                  static_cast<std::size_t>(ASN1_STRING_length(key_id)));
  return common::crypto::base64url(aki) + "." + common::crypto::base64url(*serial);
}

common::Result<RenewalWindow> parse_renewal_info(const common::json& document) {
  if (!document.is_object())
    return common::fail(Error::Kind::invalid_input, "renewalInfo is not an object");
  auto window = document.find("suggestedWindow");
  if (window == document.end() || !window->is_object()) {
    return common::fail(Error::Kind::invalid_input, "renewalInfo has no suggestedWindow");
  }
  auto start_text = common::string_field(*window, "start");
  auto end_text = common::string_field(*window, "end");
  if (!start_text || !end_text) {
    return common::fail(Error::Kind::invalid_input,
                        "renewalInfo suggestedWindow lacks start or end");
  }
  auto start = parse_rfc3339(*start_text);
  auto end = parse_rfc3339(*end_text);
  if (!start || !end)
    return common::fail(Error::Kind::invalid_input, "renewalInfo has malformed times");
  if (*end < *start)
    return common::fail(Error::Kind::invalid_input, "renewalInfo window ends before it starts");
  RenewalWindow result{*start, *end, {}};
  if (auto url = common::string_field(document, "explanationURL")) result.explanation_url = *url;
  return result;
}

Clock::time_point pick_time_in_window(const RenewalWindow& window, std::mt19937_64& random) {
  if (window.end <= window.start) return window.start;
  const auto span =
      std::chrono::duration_cast<std::chrono::milliseconds>(window.end - window.start);
  std::uniform_int_distribution<long long> offset(0, span.count());
  return window.start + std::chrono::milliseconds(offset(random));
}

Clock::time_point lifetime_renewal_time(Clock::time_point not_before, Clock::time_point not_after) {
  if (not_after <= not_before) return not_before;
  return not_after - (not_after - not_before) / 3;
}

}  // namespace acmed

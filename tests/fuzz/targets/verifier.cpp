// Structure-aware target for the operator's verifier (attestd/verify/verifier):
// a genuine attestation from a swtpm run (corpus/verifier_fixture, made by
// verifier/make_fixture.sh) is edited field by field, and whatever the edits,
// a PASS must prove nothing but what the genuine answer proves. An edit that
// changes a verified fact and still passes is a forgery: the target aborts.
//
// Input: a list of edits, each [node u8][operation u8][length u8][payload].
// Nodes are every value of the genuine document (by JSON pointer, in a fixed
// order); byte-level operations work on the decoded bytes of a field (hex,
// base64, or the DER inside PEM), so the mutations reach TPMS_ATTEST, the
// signature, the TCG log and the certificates rather than their encodings.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "attestd/verify/instance_identity.hpp"
#include "attestd/verify/measurements.hpp"
#include "attestd/verify/verifier.hpp"
#include "common/crypto.hpp"
#include "common/json.hpp"
#include "fuzz_support.hpp"

namespace {

using common::json;
namespace crypto = common::crypto;

struct Fixture {
  json genuine;
  attest::Expectations expected;
  std::vector<json::json_pointer> nodes;  // every value but the root
  attest::VerifiedAttestation verified;
};

void collect(const json& value, const json::json_pointer& at,
             std::vector<json::json_pointer>& out) {
  if (!at.empty()) out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) collect(child, at / key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect(value[i], at / i, out);
  }
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

const Fixture& fixture() {
  static const Fixture loaded = [] {
    Fixture f;
    f.genuine = *common::parse_json(fuzz::fixture("verifier_fixture/evidence.json"));
    f.expected.nonce = *crypto::unhex(trimmed(fuzz::fixture("verifier_fixture/nonce.hex")));
    f.expected.build = *attest::parse_measurements(
        *common::parse_json(fuzz::fixture("verifier_fixture/measurements.json")));
    f.expected.ak_anchors = std::make_shared<const attest::AkAnchors>(*attest::ak_anchors_from_pem(
        fuzz::fixture("verifier_fixture/ak_ca.pem"), "the fixture CA"));
    f.expected.tls_spki_sha256_hex = trimmed(fuzz::fixture("verifier_fixture/tls_spki_sha256.hex"));
    collect(f.genuine, json::json_pointer(), f.nodes);
    auto report = attest::verify_attestation(f.genuine, f.expected);
    if (!report.passed()) {
      // The fixture must pass, or every edit would "fail" for nothing.
      std::fprintf(stderr, "verifier fixture does not pass:\n%s\n",
                   attest::report_text(report).c_str());
      std::abort();
    }
    f.verified = *report.verified;
    return f;
  }();
  return loaded;
}

// How a string field carries bytes, so that edits reach the bytes.
enum class Encoding { raw, hex, base64, pem };

Encoding encoding_of(const json::json_pointer& at, const std::string& text) {
  const std::string key = at.empty() ? "" : at.back();
  if (key == "quote" || key == "signature" || key == "event_log" || key == "data") {
    return Encoding::base64;
  }
  if (text.starts_with("-----BEGIN ")) return Encoding::pem;
  if (!text.empty() && text.size() % 2 == 0 &&
      text.find_first_not_of("0123456789abcdef") == std::string::npos) {
    return Encoding::hex;
  }
  return Encoding::raw;
}

std::string decode(Encoding encoding, const std::string& text) {
  switch (encoding) {
    case Encoding::hex:
      return crypto::unhex(text).value_or(text);
    case Encoding::base64:
      return crypto::base64_decode(text).value_or(text);
    case Encoding::pem: {
      const auto begin = text.find('\n');
      const auto end = text.find("-----END ");
      if (begin == std::string::npos || end == std::string::npos || end < begin) return text;
      std::string body;
      for (char c : text.substr(begin + 1, end - begin - 1)) {
        if (c != '\n' && c != '\r') body += c;
      }
      return crypto::base64_decode(body).value_or(text);
    }
    case Encoding::raw:
      break;
  }
  return text;
}

std::string encode(Encoding encoding, const std::string& original, const std::string& bytes) {
  switch (encoding) {
    case Encoding::hex:
      return crypto::hex(bytes);
    case Encoding::base64:
      return crypto::base64(bytes);
    case Encoding::pem: {
      const std::string header = original.substr(0, original.find('\n') + 1);
      const auto end = original.find("-----END ");
      const std::string footer = end == std::string::npos ? "" : original.substr(end);
      const std::string body = crypto::base64(bytes);
      std::string pem = header;
      for (std::size_t at = 0; at < body.size(); at += 64) pem += body.substr(at, 64) + "\n";
      return pem + footer;
    }
    case Encoding::raw:
      break;
  }
  return bytes;
}

std::size_t position(std::string_view payload, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t raw =
      payload.size() >= 2
          ? static_cast<unsigned char>(payload[0]) |
                (static_cast<std::size_t>(static_cast<unsigned char>(payload[1])) << 8)
      : payload.empty() ? 0
                        : static_cast<unsigned char>(payload[0]);
  return raw % size;
}

// Applies one edit; edits whose node has gone (removed by an earlier edit)
// are skipped.
void apply(json& document, const json::json_pointer& at, std::uint8_t operation,
           std::string_view payload, const std::vector<json::json_pointer>& nodes) {
  if (!document.contains(at)) return;
  json& node = document[at];
  switch (operation % 10) {
    case 0: {  // remove
      json& parent = document[at.parent_pointer()];
      if (parent.is_object()) {
        parent.erase(at.back());
      } else if (parent.is_array()) {
        parent.erase(std::stoul(at.back()));
      }
      return;
    }
    case 1:
      node = nullptr;
      return;
    case 2:
      node = payload.empty() ? 0 : static_cast<std::int64_t>(static_cast<signed char>(payload[0]));
      return;
    case 3:
      node = std::string(payload);
      return;
    case 8:  // grow a container: a copy of an element, or a new member
      if (node.is_array() && !node.empty()) {
        node.push_back(node[position(payload, node.size())]);
      } else if (node.is_object() && !node.empty()) {
        node[std::string(payload)] = node.begin().value();
      }
      return;
    case 9: {  // transplant another node's value here (PCR 9's value into 10, ...)
      const auto& source = nodes[position(payload, nodes.size())];
      if (document.contains(source)) node = json(document[source]);
      return;
    }
    default:
      break;
  }
  if (!node.is_string()) return;
  const std::string original = node.get<std::string>();
  const Encoding encoding = encoding_of(at, original);
  std::string bytes = decode(encoding, original);
  const std::size_t pos = position(payload, bytes.size());
  const std::string_view tail = payload.size() > 2 ? payload.substr(2) : std::string_view();
  switch (operation % 10) {
    case 4:  // flip one bit
      if (!bytes.empty())
        bytes[pos] ^= static_cast<char>(1U << (payload.size() > 2 ? payload[2] & 7 : 0));
      break;
    case 5:
      bytes.replace(pos, std::min(tail.size(), bytes.size() - pos), tail);
      break;
    case 6:
      bytes.resize(pos);
      break;
    case 7:
      bytes.insert(pos, tail);
      break;
    default:
      break;
  }
  node = encode(encoding, original, bytes);
}

// The same key, whatever its encoding: an EC point may come uncompressed,
// compressed or hybrid (the fixture's 0x04 made 0x06 passed, rightly), and
// OpenSSL writes a key back in the form it read.
bool same_key(const std::string& a_pem, const std::string& b_pem) {
  auto a = crypto::load_public_key_pem(a_pem);
  auto b = crypto::load_public_key_pem(b_pem);
  return a && b && EVP_PKEY_eq(a->get(), b->get()) == 1;
}

std::string identity_der(const std::optional<attest::GceInstanceIdentity>& identity) {
  return identity ? attest::gce_instance_identity_der(*identity) : "none";
}

// The facts a PASS proves, compared with the genuine answer's.
const char* forged_fact(const attest::VerifiedAttestation& got,
                        const attest::VerifiedAttestation& genuine) {
  if (got.pcrs != genuine.pcrs) return "pcrs";
  if (got.config != genuine.config) return "config";
  if (got.bindings != genuine.bindings) return "bindings";
  if (!same_key(got.ak_public_pem, genuine.ak_public_pem)) return "ak_public_pem";
  if (got.ak_anchor != genuine.ak_anchor) return "ak_anchor";
  if (identity_der(got.instance) != identity_der(genuine.instance)) return "instance";
  // Proving less is no forgery: an edit to the (unquoted) data of the
  // SecureBoot event leaves the state unproven, which the report says.
  if (got.secure_boot.enabled && got.secure_boot.enabled != genuine.secure_boot.enabled) {
    return "secure_boot";
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& f = fixture();
  json evidence = f.genuine;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int edits = 0; input.size() >= 3 && edits < 16; ++edits) {
    const auto& at = f.nodes[static_cast<unsigned char>(input[0]) % f.nodes.size()];
    const auto operation = static_cast<std::uint8_t>(input[1]);
    const std::size_t length =
        std::min<std::size_t>(static_cast<unsigned char>(input[2]), input.size() - 3);
    apply(evidence, at, operation, input.substr(3, length), f.nodes);
    input.remove_prefix(3 + length);
  }
  const auto report = attest::verify_attestation(evidence, f.expected);
  if (!report.passed()) return 0;
  if (const char* fact = forged_fact(*report.verified, f.verified)) {
    std::fprintf(stderr, "verifier: edited evidence PASSED with a different %s:\n%s\n", fact,
                 evidence.dump().c_str());
    std::abort();
  }
  return 0;
}

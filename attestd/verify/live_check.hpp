#pragma once
// The two halves of attest-verify's work before the verifier runs: what the
// operator's own files say to expect, and a fresh answer from the live
// appliance over connections whose keys are recorded for the binding checks.

#include <string>

#include "attestd/verify/options.hpp"
#include "attestd/verify/verifier.hpp"
#include "common/error.hpp"

namespace attest {

// measurements.json, the AK's trust anchors (--ak-ca, else Google's built-in
// CA), --ak-pub, --instance, --require-secure-boot and --config-pcr.
common::Result<Expectations> expectations_from(const VerifyOptions& options);

// GET /v1/attestation over a fresh 32-byte nonce; records the nonce, the TLS
// key of that connection and, with --jwks-url, the digest of the JWKS and the
// key that served it. Returns the response body (the evidence, unread).
common::Result<std::string> fetch_evidence(const VerifyOptions& options,
                                           Expectations& expected);

}  // namespace attest

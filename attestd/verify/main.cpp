// attest-verify: the operator's check of a live appliance. Asks attestd for
// a quote over a fresh nonce and verifies it (verifier.hpp); flags in
// options.hpp and docs/attestation.md.
//
// Exit codes: 0 PASS, 1 FAIL (the evidence is wrong), 2 could not check
// (usage, network, the server answered with an error or with evidence that
// cannot be read). PASS needs a trust anchor for the AK: Google's EK/AK CA
// (built in), the CA of --ak-ca, or the key of --ak-pub.

#include <cstdio>

#include "attestd/verify/live_check.hpp"
#include "attestd/verify/options.hpp"
#include "attestd/verify/verifier.hpp"
#include "common/json.hpp"

namespace {

constexpr int kPass = 0;
constexpr int kFail = 1;
constexpr int kCouldNotCheck = 2;

int could_not_check(const common::Error& error) {
  std::fprintf(stderr, "attest-verify: unable to check: %s\n",
               attest::printable(error.message).c_str());
  return kCouldNotCheck;
}

void print(const attest::VerificationReport& report, bool as_json) {
  if (!as_json) {
    std::fputs(attest::report_text(report).c_str(), stdout);
    return;
  }
  // ASCII only: a C1 control (U+0080-U+009F) from the server must not reach
  // the terminal raw either.
  std::printf("%s\n", attest::report_json(report)
                          .dump(2, ' ', /*ensure_ascii=*/true, common::json::error_handler_t::replace)
                          .c_str());
}

}  // namespace

int main(int argc, char** argv) {
  auto options = attest::parse_verify_command_line(argc, argv);
  if (!options || options->help) {
    if (!options) std::fprintf(stderr, "attest-verify: %s\n", options.error().message.c_str());
    std::fputs(attest::kVerifyUsage.data(), stderr);
    return kCouldNotCheck;
  }
  auto expected = attest::expectations_from(*options);
  if (!expected) return could_not_check(expected.error());
  auto body = attest::fetch_evidence(*options, *expected);
  if (!body) return could_not_check(body.error());
  auto evidence = common::parse_json(*body);
  auto report = attest::verify_attestation(evidence ? *evidence : common::json(), *expected);
  print(report, options->json);
  if (report.evidence_malformed) return kCouldNotCheck;
  return report.passed() ? kPass : kFail;
}

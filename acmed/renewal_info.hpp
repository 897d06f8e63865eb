#pragma once
// When to renew (style: one role per file). Two policies:
// - ACME Renewal Information (RFC 9773) when the directory has renewalInfo:
//   GET <renewalInfo>/<certID>, where certID = base64url(AKI keyIdentifier)
//   "." base64url(serial DER content); pick a uniformly random time in the
//   suggested window, re-ask after the response's Retry-After.
// - Otherwise, when one third of the certificate's lifetime remains (Let's
//   Encrypt's advice; for a 6-day certificate, two days before expiry).

#include <chrono>
#include <random>
#include <string>
#include <string_view>

#include "acmed/acme_headers.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace acmed {

// The RFC 9773 §4.1 certID of the first certificate of a PEM chain.
common::Result<std::string> ari_certificate_id(std::string_view chain_pem);

struct RenewalWindow {
  Clock::time_point start;
  Clock::time_point end;
  std::string explanation_url;
};

// The renewalInfo object: {"suggestedWindow": {"start", "end"}, "explanationURL"?}.
common::Result<RenewalWindow> parse_renewal_info(const common::json& document);

// Uniformly random in [start, end]; start when the window is empty or inverted.
Clock::time_point pick_time_in_window(const RenewalWindow& window, std::mt19937_64& random);

// The time at which one third of [not_before, not_after] remains.
Clock::time_point lifetime_renewal_time(Clock::time_point not_before, Clock::time_point not_after);

}  // namespace acmed

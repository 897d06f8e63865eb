#pragma once
// One certificate order, as an explicit state machine over the order's
// status (RFC 8555 §7.1.6): pending -> (authorizations via HTTP-01) -> ready
// -> finalize with a CSR on a fresh P-256 key -> processing -> valid ->
// download, with Retry-After-paced polling; invalid ends it with the
// server's problem. The certificate key is born here and never leaves RAM.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "acmed/account.hpp"
#include "acmed/acme_transport.hpp"
#include "acmed/challenge_book.hpp"
#include "acmed/stop_signal.hpp"
#include "common/error.hpp"

namespace acmed {

struct OrderRequest {
  std::vector<std::string> names;
  std::string profile;           // RFC draft "profiles"; empty: CA default
  std::string replaces;          // ARI certID of the certificate being replaced
  std::string preferred_issuer;  // Common Name; empty: the default chain
};

struct PollPolicy {
  std::chrono::milliseconds first{250};      // without Retry-After, polls start here
  std::chrono::milliseconds longest{10000};  // ... and grow to this
  // Sanity cap on a server's Retry-After while polling (RFC 8555 §7.4 lets
  // the CA say how long processing takes; Let's Encrypt may say minutes).
  std::chrono::milliseconds max_retry_after{24 * 3600 * 1000};
  std::chrono::seconds order_deadline{300};  // give the order up after this
};

struct IssuedCertificate {
  std::string chain_pem;  // leaf first
  std::string key_pem;    // PKCS#8; secret
};

// The names in the order a certificate request lists them: the first one
// becomes the Common Name, which holds at most 64 characters (RFC 5280
// ub-common-name), so the first name that fits goes first. The SANs carry
// every name either way.
inline constexpr std::size_t kMaxCommonName = 64;
std::vector<std::string> names_for_request(const std::vector<std::string>& names);

// Hears about an order before its finalize is sent, so that a process that
// dies after the CA issued can resume the order (resume_order) instead of
// ordering again.
struct OrderJournal {
  std::function<void(const std::string& order_url, const std::string& key_pem)> finalizing;
};

// An order saved by a journal: its URL and the key of its CSR (PKCS#8).
struct ResumedOrder {
  std::string url;
  std::string key_pem;
};

enum class OrderStatus { pending, ready, processing, valid, invalid, unknown };
OrderStatus parse_order_status(std::string_view status);

common::Result<IssuedCertificate> issue_certificate(AcmeTransport& transport,
                                                    const Directory& directory,
                                                    const Account& account, ChallengeBook& book,
                                                    const OrderRequest& request,
                                                    const PollPolicy& poll, StopSignal& stop,
                                                    const OrderJournal& journal = {});

// Picks a saved order up where it is: downloads a valid one, polls one being
// processed, finalizes a ready one with the saved key; an invalid or unknown
// one is an error (the caller orders anew).
common::Result<IssuedCertificate> resume_order(AcmeTransport& transport, const Directory& directory,
                                               const Account& account, ChallengeBook& book,
                                               const OrderRequest& request, const PollPolicy& poll,
                                               StopSignal& stop, const ResumedOrder& order,
                                               const OrderJournal& journal = {});

}  // namespace acmed

#pragma once
// Choosing among the chains a CA offers (RFC 8555 §7.4.2: the default one
// plus Link rel="alternate"). With a preferred issuer configured, the first
// chain whose topmost certificate was issued by that name (or that contains
// a certificate with that subject) wins; otherwise the default chain.

#include <string>
#include <string_view>

namespace acmed {

// Common Name matching, exact. Malformed chains never match.
bool chain_matches_issuer(std::string_view chain_pem, std::string_view preferred_issuer);

}  // namespace acmed

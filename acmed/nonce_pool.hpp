#pragma once
// Replay-Nonce values collected from every ACME response (RFC 8555 §6.5).
// A nonce is used once; the freshest one is used first, because after a
// badNonce error the server's response carries the nonce it wants next.

#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "common/http_client.hpp"

namespace acmed {

class NoncePool {
 public:
  // Keeps the response's Replay-Nonce, if it has a well-formed one.
  void remember(const common::HttpResponse& response);
  void add(std::string nonce);
  // The most recent nonce, removed from the pool; nullopt when empty (the
  // caller then asks newNonce).
  std::optional<std::string> take();
  void clear();

 private:
  static constexpr std::size_t kMaxNonces = 8;  // nonces expire; a few suffice
  std::mutex mutex_;
  std::deque<std::string> nonces_;
};

// A nonce is base64url text (RFC 8555 §6.5.1); anything else is not kept.
bool is_valid_nonce(std::string_view nonce);

}  // namespace acmed

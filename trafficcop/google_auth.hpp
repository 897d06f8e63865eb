#pragma once
// OAuth2 access tokens for Google's APIs, from one of two sources:
// - the metadata server's service account (Cloud Run, Cloud Functions, a VM),
//   at $GCE_METADATA_HOST when set, as Google's client libraries do;
// - a service-account key file: the JWT bearer grant (RFC 7523), RS256.
// A token is cached until a minute before it expires, and dropped when an
// API answers 401 so that the next call fetches a fresh one.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/metadata.hpp"
#include "trafficcop/options.hpp"

namespace trafficcop {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A token good for at least another minute (secret: never log it).
  common::Result<std::string> token();
  void invalidate() { cached_.reset(); }
  virtual std::string_view kind() const = 0;  // for the log: "metadata" or "key-file"

 protected:
  virtual common::Result<common::AccessToken> fetch() = 0;

 private:
  struct Cached {
    std::string token;
    std::chrono::steady_clock::time_point refresh_at;
  };
  std::optional<Cached> cached_;
};

// From --credentials (a key file) or, without it, the metadata server.
common::Result<std::unique_ptr<TokenSource>> make_token_source(const Options& options);

}  // namespace trafficcop

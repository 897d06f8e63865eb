#include "trafficcop/google_auth.hpp"

#include "common/log.hpp"
#include "trafficcop/service_account_key.hpp"

namespace trafficcop {
namespace {

// Refresh this long before the stated expiry, so that a token never expires
// between our check and the API's.
constexpr std::chrono::seconds kRefreshMargin{60};

class MetadataTokenSource final : public TokenSource {
 public:
  std::string_view kind() const override { return "metadata"; }

 protected:
  common::Result<common::AccessToken> fetch() override { return client_.service_account_token(); }

 private:
  common::MetadataClient client_;
};

}  // namespace

common::Result<std::string> TokenSource::token() {
  const auto now = std::chrono::steady_clock::now();
  if (cached_ && now < cached_->refresh_at) return cached_->token;
  auto fresh = fetch();
  if (!fresh) return std::unexpected(fresh.error());
  common::log::info(common::log::Event{"token.obtained"}, "access token obtained",
                    {{"source", std::string(kind())}, {"expires_in_s", fresh->expires_in.count()}});
  cached_ = Cached{std::move(fresh->token), now + fresh->expires_in - kRefreshMargin};
  return cached_->token;
}

common::Result<std::unique_ptr<TokenSource>> make_token_source(const Options& options) {
  if (options.credentials.empty()) return std::make_unique<MetadataTokenSource>();
  return key_file_token_source(options.credentials, options.token_endpoint);
}

}  // namespace trafficcop

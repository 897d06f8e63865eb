#include "authd/key_rotation.hpp"

#include "authd/jwks_payload.hpp"
#include "authd/provider.hpp"
#include "common/log.hpp"

namespace authd {

KeyRotation::KeyRotation(boost::asio::io_context& io, std::shared_ptr<KeyRing> keys,
                         Publisher& publisher, std::chrono::seconds period)
    : timer_(io), keys_(std::move(keys)), publisher_(publisher), period_(period) {
  publisher_.publish(jwks_payload(*keys_));
  schedule();
}

void KeyRotation::stop() { timer_.cancel(); }

void KeyRotation::schedule() {
  timer_.expires_after(period_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopping
    auto changed = keys_->maintain(system_clock_seconds());
    if (!changed) {
      common::log::error(common::log::Event{"keys.rotation_failed"},
                         "unable to rotate the signing keys",
                         {{"reason", changed.error().message}});
    } else if (*changed) {
      common::log::notice(common::log::Event{"keys.rotated"}, "signing keys changed",
                          {{"active_kid", keys_->active_kid()}, {"keys", keys_->key_count()}});
      publisher_.publish(jwks_payload(*keys_));
    }
    schedule();
  });
}

}  // namespace authd

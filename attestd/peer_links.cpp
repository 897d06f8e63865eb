#include "attestd/peer_links.hpp"

#include <boost/asio/post.hpp>

#include "common/certificate_follower.hpp"
#include "common/daemon.hpp"

namespace attestd {

namespace contract = common::contract;

PeerLinks::PeerLinks(boost::asio::io_context& io,
                     std::shared_ptr<common::CertificateStore> certificates, BindingState& bindings)
    : io_(io), certificates_(std::move(certificates)), bindings_(bindings) {}

PeerLinks::~PeerLinks() { stop(); }

common::Status PeerLinks::start() {
  // Until the first measurement, config.get answers "no value yet" and the
  // other daemons retry: nothing reads a value the PCR does not hold.
  auto config = common::ipc::Publisher<contract::MeasuredConfig>::start(
      io_, contract::attestd::config_feed);
  if (!config) return std::unexpected(config.error());
  config_ = std::move(*config);
  certificate_ = common::follow_acmed_certificate(io_, certificates_);
  jwks_ = common::ipc::follow<contract::Jwks>(
      io_, contract::authd::jwks_feed,
      [this](contract::Jwks jwks) { bindings_.update_jwks(jwks); });
  return {};
}

void PeerLinks::publish_config(const contract::MeasuredConfig& config) {
  if (!config_) return;
  config_->publish(config);
  // Posted after the publish, so it runs once the value is served.
  boost::asio::post(io_, [this] {
    std::call_once(ready_, [] { (void)common::daemon::announce_ready(); });
  });
}

void PeerLinks::stop() {
  certificate_.reset();
  jwks_.reset();
  if (config_) config_->close();
}

}  // namespace attestd

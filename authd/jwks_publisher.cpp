#include "authd/jwks_publisher.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

namespace authd {
namespace {

std::vector<uid_t> allowed_uids() {
  std::vector<uid_t> uids = {getuid()};
  for (auto name : common::contract::authd::callers) {
    std::string user(name);
    if (const passwd* entry = getpwnam(user.c_str())) uids.push_back(entry->pw_uid);
  }
  return uids;
}

}  // namespace

common::json jwks_message(const KeyRing& keys) {
  auto bytes = keys.jwks_bytes();
  return {{"jwks", keys.jwks()}, {"sha256", common::crypto::hex(common::crypto::sha256(*bytes))}};
}

common::Result<std::unique_ptr<JwksPublisher>> JwksPublisher::start(boost::asio::io_context& io,
                                                                    std::shared_ptr<KeyRing> keys) {
  namespace contract = common::contract::authd;
  const std::string path = common::contract::socket_path(contract::socket);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  common::ipc::ServerOptions options;
  options.allowed_uids = allowed_uids();
  auto server = common::ipc::Server::listen(io, path, options);
  if (!server) return std::unexpected(common::wrap(server.error(), "unable to serve " + path));
  std::weak_ptr<KeyRing> weak = keys;
  (*server)->on(
      std::string(contract::jwks_get),
      [weak](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
        auto ring = weak.lock();
        if (!ring) return common::fail(common::Error::Kind::environment, "stopping");
        return jwks_message(*ring);
      });
  return std::unique_ptr<JwksPublisher>(new JwksPublisher(std::move(keys), std::move(*server)));
}

void JwksPublisher::announce_rotation() {
  server_->publish(common::contract::authd::jwks_updated, jwks_message(*keys_));
}

void JwksPublisher::close() { server_->close(); }

}  // namespace authd

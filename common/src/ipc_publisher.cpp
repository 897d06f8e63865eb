#include "common/ipc_publisher.hpp"

#include <atomic>
#include <filesystem>

#include <boost/asio/post.hpp>

namespace common::ipc {

Result<std::unique_ptr<Server>> serve(boost::asio::io_context& io,
                                      const contract::Endpoint& endpoint, ServerOptions options) {
  const std::string path = contract::socket_path(endpoint.socket);
  std::error_code ignored;  // listen() reports a directory that is still missing
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  options.allowed_uids = contract::allowed_uids(endpoint.callers);
  auto server = Server::listen(io, path, std::move(options));
  if (!server) return std::unexpected(wrap(server.error(), "unable to serve " + path));
  return server;
}

// Shared with the `get` handler and with posted publishes, so that neither
// outlives what it touches; only the io thread reads or writes `value`.
struct LatestValue::State {
  std::unique_ptr<Server> server;  // set once in start(); Server is thread-safe
  std::string updated;
  json value = nullptr;
  std::atomic<bool> closed{false};
};

LatestValue::LatestValue(boost::asio::io_context& io, std::shared_ptr<State> state)
    : io_(io), state_(std::move(state)) {}

LatestValue::~LatestValue() { close(); }

Result<std::unique_ptr<LatestValue>> LatestValue::start(boost::asio::io_context& io,
                                                        const contract::Endpoint& endpoint,
                                                        std::string get, std::string updated) {
  auto server = serve(io, endpoint);
  if (!server) return std::unexpected(server.error());
  auto state = std::make_shared<State>();
  state->server = std::move(*server);
  state->updated = std::move(updated);
  std::weak_ptr<State> weak = state;
  state->server->on(std::move(get),
                    [weak](const json&, const Peer&) -> Result<json> {
                      auto held = weak.lock();
                      if (!held || held->value.is_null()) {
                        return fail(Error::Kind::environment, "no value yet");
                      }
                      return held->value;
                    });
  return std::unique_ptr<LatestValue>(new LatestValue(io, std::move(state)));
}

void LatestValue::publish(json value) {
  boost::asio::post(io_, [state = state_, value = std::move(value)]() mutable {
    if (state->closed) return;
    state->value = std::move(value);
    state->server->publish(state->updated, state->value);
  });
}

void LatestValue::close() {
  if (state_->closed.exchange(true)) return;
  state_->server->close();  // thread-safe: unlinks now, closes sockets on the io thread
}

}  // namespace common::ipc

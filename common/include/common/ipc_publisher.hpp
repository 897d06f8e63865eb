#pragma once
// The producer side of a contract's feed (contract::Feed): holds the latest
// value, answers `get` with it and pushes `updated` to every subscriber on
// each new one. One socket serves one feed; the socket admits the contract's
// callers and nobody else. The consumer side is ipc::follow().

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/error.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_server.hpp"
#include "common/json.hpp"

namespace common::ipc {

// Listens on the endpoint's socket (creating its directory), admitting the
// uids of its callers (contract::allowed_uids).
Result<std::unique_ptr<Server>> serve(boost::asio::io_context& io,
                                      const contract::Endpoint& endpoint,
                                      ServerOptions options = {});

// The untyped core of Publisher: a latest JSON value on a server.
class LatestValue {
 public:
  static Result<std::unique_ptr<LatestValue>> start(boost::asio::io_context& io,
                                                    const contract::Endpoint& endpoint,
                                                    std::string get, std::string updated);
  ~LatestValue();
  LatestValue(const LatestValue&) = delete;
  LatestValue& operator=(const LatestValue&) = delete;

  // Thread-safe: the new value is installed and pushed on the io thread.
  void publish(json value);
  // Stops serving; later publish() calls do nothing.
  void close();

  struct State;

 private:
  LatestValue(boost::asio::io_context& io, std::shared_ptr<State> state);
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
};

template <class Payload>
class Publisher {
 public:
  // Until the first publish(), `get` answers an environment error ("no value
  // yet"), which subscribers retry.
  static Result<std::unique_ptr<Publisher>> start(boost::asio::io_context& io,
                                                  const contract::Feed<Payload>& feed) {
    auto core = LatestValue::start(io, feed.endpoint, std::string(feed.get),
                                   std::string(feed.updated));
    if (!core) return std::unexpected(core.error());
    return std::unique_ptr<Publisher>(new Publisher(std::move(*core)));
  }
  void publish(const Payload& value) { core_->publish(value.to_json()); }
  void close() { core_->close(); }

 private:
  explicit Publisher(std::unique_ptr<LatestValue> core) : core_(std::move(core)) {}
  std::unique_ptr<LatestValue> core_;
};

}  // namespace common::ipc

#pragma once
// The signing-key schedule: every so often the key ring retires and creates
// keys as its options say (key_ring.hpp), and each change of the key set is
// published to attestd, which binds the JWKS into its quotes.

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "authd/key_ring.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_publisher.hpp"

namespace authd {

class KeyRotation {
 public:
  using Publisher = common::ipc::Publisher<common::contract::Jwks>;
  // Publishes the current key set at once, then checks every `period`.
  KeyRotation(boost::asio::io_context& io, std::shared_ptr<KeyRing> keys, Publisher& publisher,
              std::chrono::seconds period);
  void stop();

 private:
  void schedule();
  boost::asio::steady_timer timer_;
  std::shared_ptr<KeyRing> keys_;
  Publisher& publisher_;
  std::chrono::seconds period_;
};

}  // namespace authd

#pragma once
// Readiness protocol with the supervisor, as sd_notify(3): a datagram to the
// Unix socket named by $NOTIFY_SOCKET. A daemon sends READY=1 only once its
// sockets listen. Without NOTIFY_SOCKET these are no-ops.

#include <string_view>

#include "common/error.hpp"

namespace common::notify {

Status send(std::string_view state);  // e.g. "READY=1\nSTATUS=serving"
inline Status ready() { return send("READY=1"); }
inline Status stopping() { return send("STOPPING=1"); }
inline Status status(std::string_view text) {
  return send(std::string("STATUS=").append(text));
}

}  // namespace common::notify

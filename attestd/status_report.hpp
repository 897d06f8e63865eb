#pragma once
// What GET /v1/status answers, composed off the request path: a thread asks
// the TPM, init and egressd once a second and keeps the serialized document,
// so that a status request costs a copy. A flood of them never reaches the
// TPM (where it would queue quotes behind it) nor init's or egressd's socket.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/json.hpp"

namespace attestd {

class StatusReport {
 public:
  using Compose = std::function<common::json()>;
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kRefreshPeriod{1};
  // Older than this, the document says nothing about now: a refresh is stuck
  // (a TPM command that does not return), and the answer says so.
  static constexpr std::chrono::seconds kStaleAfter{5};

  struct Snapshot {
    std::shared_ptr<const std::string> body;  // JSON, newline-terminated
    Clock::time_point composed_at;
  };

  // Composes the first document before returning, then one per period.
  explicit StatusReport(Compose compose, std::chrono::milliseconds period = kRefreshPeriod);
  StatusReport(const StatusReport&) = delete;
  StatusReport& operator=(const StatusReport&) = delete;

  Snapshot latest() const;

 private:
  void refresh();

  Compose compose_;
  mutable std::mutex mutex_;
  Snapshot latest_;
  std::jthread refresher_;  // last: it starts once everything it uses exists
};

}  // namespace attestd

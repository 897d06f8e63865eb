#pragma once
// The job: every poll interval, add the bytes sent on the external interface
// to the month's budget, announce each threshold (WARNING) and the cap
// (ERROR), ask init to power the machine off at the cap, and keep the count
// in TPM NV at a bounded rate. Everything runs on one io_context thread.
//
// NV writes: at most once per write interval while bytes are counted, plus
// at once when the month changes, a level is reached, after the count was
// restored at start, and at an orderly stop. A crash loses at most one write
// interval of counting (an under-count, the one way this layer errs short).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/config_source.hpp"
#include "common/ipc_contracts.hpp"
#include "common/json.hpp"
#include "egressd/budget.hpp"
#include "egressd/nv_store.hpp"
#include "egressd/tx_counter.hpp"

namespace egressd {

struct EnforcerOptions {
  std::chrono::milliseconds poll{std::chrono::seconds(5)};
  std::chrono::seconds write_interval{std::chrono::minutes(10)};
  std::string interface;  // empty: the default route's
  TxPaths paths;
  std::string boot_id_path = "/proc/sys/kernel/random/boot_id";
};

class Enforcer {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  using PowerOff = std::function<common::Status()>;

  // store: nullptr runs without persistence (a development machine without
  // a TPM); power_off asks init to stop the machine.
  Enforcer(boost::asio::io_context& io, EnforcerOptions options, std::unique_ptr<NvStore> store,
           PowerOff power_off, Clock clock);

  void start();
  // The measured configuration from attestd (every config.get/config.updated).
  void on_config(const common::config::Values& values);
  // Counts the last bytes and writes them to NV: the orderly end.
  void stop();
  // egress.status's answer.
  common::contract::EgressStatus status() const;

 private:
  void schedule(std::chrono::milliseconds delay);
  void tick();
  bool restore();
  void act(const Change& change);
  void persist(bool urgent);

  boost::asio::io_context& io_;
  EnforcerOptions options_;
  std::unique_ptr<NvStore> store_;
  PowerOff power_off_;
  Clock clock_;
  boost::asio::steady_timer timer_;
  std::optional<Config> config_;
  std::optional<Budget> budget_;
  std::optional<TxCounter> counter_;
  BootId boot_id_{};
  bool persisted_ = false;
  bool power_off_requested_ = false;
  std::optional<std::chrono::sys_seconds> last_write_;
  std::optional<NvRecord> last_saved_;
  std::string last_problem_;  // logged once until it changes
  std::string power_off_problem_;
};

}  // namespace egressd

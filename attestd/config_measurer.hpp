#pragma once
// The thread that keeps the measured configuration current: fetch the
// values, measure what changed, tell subscribers; retry with back-off while
// the metadata server or the TPM is unavailable, then poll for changes.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/json.hpp"
#include "attestd/runtime_config.hpp"

namespace attestd {

class ConfigMeasurer {
 public:
  using Publish = std::function<void(const common::contract::MeasuredConfig& config)>;
  ConfigMeasurer(std::unique_ptr<ConfigReader> source, RuntimeConfig& runtime, Publish publish,
                 std::chrono::seconds poll_interval);
  ~ConfigMeasurer();
  void start();
  void stop();

 private:
  void run();
  bool wait(std::chrono::milliseconds delay);  // false when stopping

  std::unique_ptr<ConfigReader> source_;
  RuntimeConfig& runtime_;
  Publish publish_;
  std::chrono::seconds poll_interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace attestd

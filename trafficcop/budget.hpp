#pragma once
// The check itself: the month's sent bytes against the cap, and what to do.
//   sent <= cap                  -> none
//   over, instance not running   -> already-stopped (nothing is done twice)
//   over, --dry-run              -> would-stop
//   over                         -> instances.stop, wait for DONE -> stopped

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "trafficcop/google_api.hpp"
#include "trafficcop/options.hpp"

namespace trafficcop {

enum class Action { none, stop, would_stop, already_stopped };

// The word in the report: "none", "stopped", "would-stop", "already-stopped"
// (stop is reported as "stopped": the report is written after it succeeded).
std::string_view action_name(Action action);
Action decide(std::uint64_t sent_bytes, std::uint64_t cap_bytes, bool instance_stopped,
              bool dry_run);

// The one line on stdout:
// {"project","zone","instance","month_start","sent_bytes","cap_bytes","action"}
struct Report {
  std::string project;
  std::string zone;
  std::string instance;
  std::string month_start;  // RFC 3339
  std::uint64_t sent_bytes = 0;
  std::uint64_t cap_bytes = 0;
  Action action = Action::none;
};
std::string report_line(const Report& report);

// Reads, decides and acts; an error when it could not check or stop.
common::Result<Report> enforce(const Options& options, GoogleApi& api,
                               std::chrono::sys_seconds now);

}  // namespace trafficcop

#pragma once
// The month's budget, without I/O: bytes counted this month (UTC), the cap
// and its warning thresholds, and which of them have been announced. The
// enforcer feeds it deltas and acts on what it reports; tests drive it with
// any clock.
//
// Levels are the warning thresholds (cap * percent / 100, rounded down) in
// ascending order, then the cap itself. Crossing a level while counting
// reports it once. After a restore (a restart or reboot resumes the month)
// or a configuration change, only the highest level already reached is
// reported again, so a machine still over its cap powers off at once and
// one still in warning says so once, without repeating every lower warning.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "egressd/config.hpp"
#include "egressd/month.hpp"

namespace egressd {

enum class BudgetState { uncapped, under, warning, over };
std::string_view state_name(BudgetState state);

struct Level {
  unsigned percent = 0;  // 100 for the cap
  std::uint64_t bytes = 0;
};

struct Change {
  bool new_month = false;      // the count restarted from zero
  std::vector<Level> reached;  // levels to announce, ascending
  bool operator==(const Change&) const = default;
};

class Budget {
 public:
  // Resumes `month` at `bytes` (from NV); a later month starts from zero.
  Budget(Config config, MonthIndex month, std::uint64_t bytes);

  // Adds bytes sent up to `now`. A month later than the budget's resets the
  // count first; an earlier one (a clock set back) keeps counting the month
  // in force, so a wrong clock never wipes a count.
  Change add(std::chrono::sys_seconds now, std::uint64_t bytes);
  // A new configuration: levels are recomputed and the highest one reached
  // is reported again.
  Change reconfigure(Config config);

  MonthIndex month() const { return month_; }
  std::uint64_t bytes() const { return bytes_; }
  const Config& config() const { return config_; }
  BudgetState state() const;
  std::vector<Level> levels() const;

 private:
  // Levels reached but not announced; with `only_highest`, the lower ones are
  // marked announced silently.
  std::vector<Level> newly_reached(bool only_highest);

  Config config_;
  MonthIndex month_;
  std::uint64_t bytes_;
  std::size_t announced_ = 0;  // how many levels (from the lowest) are announced
  bool resumed_ = true;        // the next evaluation reports only the highest
};

}  // namespace egressd

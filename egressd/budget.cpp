#include "egressd/budget.hpp"

namespace egressd {

std::string_view state_name(BudgetState state) {
  switch (state) {
    case BudgetState::uncapped:
      return "uncapped";
    case BudgetState::under:
      return "under";
    case BudgetState::warning:
      return "warning";
    case BudgetState::over:
      return "over";
  }
  return "under";
}

Budget::Budget(Config config, MonthIndex month, std::uint64_t bytes)
    : config_(std::move(config)), month_(month), bytes_(bytes) {}

std::vector<Level> Budget::levels() const {
  std::vector<Level> levels;
  if (!config_.cap_bytes) return levels;
  const std::uint64_t cap = *config_.cap_bytes;
  for (const unsigned percent : config_.warn_percent) {
    // cap / 100 * p + remainder part: no overflow for any 64-bit cap.
    const std::uint64_t bytes = cap / 100 * percent + cap % 100 * percent / 100;
    levels.push_back({percent, bytes});
  }
  levels.push_back({100, cap});
  return levels;
}

BudgetState Budget::state() const {
  const auto all = levels();
  if (all.empty()) return BudgetState::uncapped;
  if (bytes_ >= all.back().bytes) return BudgetState::over;
  if (all.size() > 1 && bytes_ >= all.front().bytes) return BudgetState::warning;
  return BudgetState::under;
}

std::vector<Level> Budget::newly_reached(bool only_highest) {
  const auto all = levels();
  std::size_t reached = 0;
  while (reached < all.size() && bytes_ >= all[reached].bytes) ++reached;
  std::vector<Level> out;
  if (reached <= announced_) return out;
  const std::size_t from = only_highest ? reached - 1 : announced_;
  out.assign(all.begin() + static_cast<std::ptrdiff_t>(from),
             all.begin() + static_cast<std::ptrdiff_t>(reached));
  announced_ = reached;
  return out;
}

Change Budget::add(std::chrono::sys_seconds now, std::uint64_t bytes) {
  Change change;
  const MonthIndex current = month_of(now);
  if (current > month_) {
    month_ = current;
    bytes_ = 0;
    announced_ = 0;
    resumed_ = false;
    change.new_month = true;
  }
  bytes_ = bytes > UINT64_MAX - bytes_ ? UINT64_MAX : bytes_ + bytes;
  change.reached = newly_reached(resumed_);
  resumed_ = false;
  return change;
}

Change Budget::reconfigure(Config config) {
  config_ = std::move(config);
  announced_ = 0;
  Change change;
  change.reached = newly_reached(/*only_highest=*/true);
  resumed_ = false;
  return change;
}

}  // namespace egressd

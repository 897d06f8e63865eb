// The month and threshold logic, without I/O: any clock, any deltas.

#include <gtest/gtest.h>

#include "egressd/budget.hpp"
#include "egressd/config.hpp"
#include "egressd/month.hpp"

namespace {

using namespace std::chrono;
using egressd::Budget;
using egressd::BudgetState;
using egressd::Config;

sys_seconds at(int y, unsigned m, unsigned d, int hour = 0, int minute = 0, int second = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hour} + minutes{minute} + seconds{second};
}

Config capped(std::uint64_t cap, std::vector<unsigned> warn = {80, 90}) {
  return Config{cap, std::move(warn)};
}

std::vector<unsigned> percents(const egressd::Change& change) {
  std::vector<unsigned> out;
  for (const auto& level : change.reached) out.push_back(level.percent);
  return out;
}

TEST(Month, IsTheCalendarMonthInUtc) {
  EXPECT_EQ(egressd::month_name(egressd::month_of(at(2026, 12, 31, 23, 59, 59))), "2026-12");
  EXPECT_EQ(egressd::month_name(egressd::month_of(at(2027, 1, 1))), "2027-01");
  EXPECT_EQ(egressd::month_of(at(2027, 1, 1)), egressd::month_of(at(2026, 12, 1)) + 1);
  EXPECT_EQ(egressd::month_name(egressd::month_of(at(2024, 2, 29, 12))), "2024-02");
}

TEST(Budget, WarnsAtEachThresholdOnceThenReachesTheCap) {
  const auto now = at(2026, 12, 7, 19);
  Budget budget(capped(1000), egressd::month_of(now), 0);
  EXPECT_EQ(budget.state(), BudgetState::under);
  EXPECT_TRUE(budget.add(now, 799).reached.empty());
  EXPECT_EQ(percents(budget.add(now, 1)), std::vector<unsigned>{80});
  EXPECT_EQ(budget.state(), BudgetState::warning);
  EXPECT_TRUE(budget.add(now, 50).reached.empty()) << "80 % is announced once";
  EXPECT_EQ(percents(budget.add(now, 50)), std::vector<unsigned>{90});
  EXPECT_EQ(percents(budget.add(now, 99)), std::vector<unsigned>{});
  EXPECT_EQ(budget.state(), BudgetState::warning);
  EXPECT_EQ(percents(budget.add(now, 1)), std::vector<unsigned>{100});
  EXPECT_EQ(budget.state(), BudgetState::over);
  EXPECT_EQ(budget.bytes(), 1000U);
  EXPECT_TRUE(budget.add(now, 5000).reached.empty());
}

TEST(Budget, OneBurstPastSeveralLevelsAnnouncesEach) {
  const auto now = at(2026, 12, 7);
  Budget budget(capped(1000), egressd::month_of(now), 0);
  (void)budget.add(now, 0);  // the first evaluation after a start
  EXPECT_EQ(percents(budget.add(now, 2000)), (std::vector<unsigned>{80, 90, 100}));
}

TEST(Budget, ResumedOverTheCapReportsOnlyTheCapAtOnce) {
  const auto now = at(2026, 12, 7);
  Budget budget(capped(1000), egressd::month_of(now), 1200);
  EXPECT_EQ(budget.state(), BudgetState::over);
  EXPECT_EQ(percents(budget.add(now, 0)), std::vector<unsigned>{100});
  EXPECT_TRUE(budget.add(now, 10).reached.empty());
}

TEST(Budget, ResumedInWarningSaysSoOnceThenWarnsAtTheNextLevel) {
  const auto now = at(2026, 12, 7);
  Budget budget(capped(1000), egressd::month_of(now), 850);
  EXPECT_EQ(percents(budget.add(now, 0)), std::vector<unsigned>{80});
  EXPECT_EQ(percents(budget.add(now, 60)), std::vector<unsigned>{90});
}

TEST(Budget, ANewMonthStartsFromZero) {
  Budget budget(capped(1000), egressd::month_of(at(2026, 11, 30)), 1500);
  const auto change = budget.add(at(2026, 12, 1, 0, 0, 1), 10);
  EXPECT_TRUE(change.new_month);
  EXPECT_TRUE(change.reached.empty());
  EXPECT_EQ(budget.bytes(), 10U);
  EXPECT_EQ(egressd::month_name(budget.month()), "2026-12");
  EXPECT_EQ(budget.state(), BudgetState::under);
  EXPECT_EQ(percents(budget.add(at(2026, 12, 2), 790)), std::vector<unsigned>{80});
}

TEST(Budget, AClockSetBackNeverWipesTheCount) {
  Budget budget(capped(1000), egressd::month_of(at(2026, 12, 7)), 500);
  const auto change = budget.add(at(1970, 1, 1), 10);
  EXPECT_FALSE(change.new_month);
  EXPECT_EQ(budget.bytes(), 510U);
  EXPECT_EQ(egressd::month_name(budget.month()), "2026-12");
}

TEST(Budget, WithoutACapItOnlyCounts) {
  const auto now = at(2026, 12, 7);
  Budget budget(Config{}, egressd::month_of(now), 0);
  EXPECT_TRUE(budget.add(now, UINT64_MAX / 2).reached.empty());
  EXPECT_TRUE(budget.add(now, UINT64_MAX).reached.empty());
  EXPECT_EQ(budget.bytes(), UINT64_MAX) << "saturates, never wraps";
  EXPECT_EQ(budget.state(), BudgetState::uncapped);
}

TEST(Budget, ReconfiguringReportsTheHighestLevelReached) {
  const auto now = at(2026, 12, 7);
  Budget budget(Config{}, egressd::month_of(now), 0);
  (void)budget.add(now, 950);
  EXPECT_EQ(percents(budget.reconfigure(capped(1000))), std::vector<unsigned>{90});
  EXPECT_EQ(percents(budget.reconfigure(capped(900))), std::vector<unsigned>{100});
  EXPECT_EQ(budget.state(), BudgetState::over);
  EXPECT_TRUE(budget.reconfigure(capped(10000)).reached.empty());
  EXPECT_EQ(budget.state(), BudgetState::under);
}

TEST(Budget, ThresholdsOfAHugeCapDoNotOverflow) {
  const std::uint64_t cap = UINT64_MAX - 5;
  Budget budget(capped(cap, {99}), 0, 0);
  const auto levels = budget.levels();
  ASSERT_EQ(levels.size(), 2U);
  EXPECT_GT(levels[0].bytes, cap / 100 * 98);
  EXPECT_LT(levels[0].bytes, cap);
}

TEST(Config, DefaultsAndValidValues) {
  auto none = egressd::parse_config({});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->cap_bytes);
  EXPECT_EQ(none->warn_percent, (std::vector<unsigned>{80, 90}));
  auto set = egressd::parse_config(
      {{"egress_cap_bytes", "800000000"}, {"egress_warn_percent", "95, 50,50"}});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->cap_bytes, 800000000U);
  EXPECT_EQ(set->warn_percent, (std::vector<unsigned>{50, 95}));
  auto empty = egressd::parse_config({{"egress_cap_bytes", ""}});
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->cap_bytes);
}

TEST(Config, InvalidValuesAreRejectedNamingTheKey) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"egress_cap_bytes", "0"},
           {"egress_cap_bytes", "-5"},
           {"egress_cap_bytes", "1e9"},
           {"egress_cap_bytes", "99999999999999999999999"},
           {"egress_cap_bytes", "1 GB"},
           {"egress_warn_percent", "100"},
           {"egress_warn_percent", "0"},
           {"egress_warn_percent", "80,"},
           {"egress_warn_percent", "eighty"}}) {
    auto parsed = egressd::parse_config({{key, value}});
    ASSERT_FALSE(parsed) << key << "=" << value;
    EXPECT_EQ(parsed.error().kind, common::Error::Kind::invalid_input);
    EXPECT_NE(parsed.error().message.find(key), std::string::npos) << parsed.error().message;
  }
}

}  // namespace

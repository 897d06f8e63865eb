#include "egressd/enforcer.hpp"

#include <cstdio>

#include "common/log.hpp"

namespace egressd {
namespace {

namespace log = common::log;
using log::Event;

std::string hex_index(std::uint32_t index) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", index);
  return text;
}

}  // namespace

Enforcer::Enforcer(boost::asio::io_context& io, EnforcerOptions options,
                   std::unique_ptr<NvStore> store, PowerOff power_off, Clock clock)
    : io_(io),
      options_(std::move(options)),
      store_(std::move(store)),
      power_off_(std::move(power_off)),
      clock_(std::move(clock)),
      timer_(io) {}

void Enforcer::start() { schedule(std::chrono::milliseconds(0)); }

void Enforcer::schedule(std::chrono::milliseconds delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) tick();
  });
}

// Loads the month's count from NV. Until it succeeds nothing is counted, and
// nothing is lost: the interface counter keeps every byte since boot.
bool Enforcer::restore() {
  auto boot = current_boot_id(options_.boot_id_path);
  if (boot) boot_id_ = *boot;
  std::optional<NvRecord> saved;
  if (store_) {
    auto loaded = store_->load();
    if (!loaded) {
      if (loaded.error().message != last_problem_) {
        log::warning(
            Event{"egress.restore_failed"}, "unable to restore the egress count",
            {{"reason", loaded.error().message}, {"nv_index", hex_index(store_->index())}});
        last_problem_ = loaded.error().message;
      }
      return false;
    }
    saved = std::move(*loaded);
  }
  last_problem_.clear();
  const bool same_boot = saved && boot && saved->boot_id == *boot;
  const MonthIndex month = saved ? saved->month : month_of(clock_());
  budget_.emplace(config_.value_or(Config{}), month, saved ? saved->bytes : 0);
  counter_.emplace(options_.paths, options_.interface, same_boot ? saved->interface : "",
                   same_boot ? saved->tx_at_write : 0);
  last_saved_ = saved;
  log::info(Event{"egress.restored"}, "egress count restored",
            {{"month", month_name(month)},
             {"bytes", budget_->bytes()},
             {"from_nv", saved.has_value()},
             {"same_boot", same_boot}});
  return true;
}

void Enforcer::tick() {
  if (!budget_ && !restore()) {
    return schedule(std::max(options_.poll, std::chrono::milliseconds(5000)));
  }
  Change change;
  auto sent = counter_->delta();
  if (sent) {
    last_problem_.clear();
    change = budget_->add(clock_(), *sent);
  } else if (sent.error().message != last_problem_) {
    log::warning(Event{"egress.count_failed"}, "unable to read the interface counter",
                 {{"reason", sent.error().message}});
    last_problem_ = sent.error().message;
  }
  act(change);  // also asks for the power-off again while a request failed
  if (sent) persist(!last_saved_ || change.new_month || !change.reached.empty());
  schedule(options_.poll);
}

void Enforcer::act(const Change& change) {
  if (change.new_month) {
    log::info(Event{"egress.month_started"}, "new month: egress count reset",
              {{"month", month_name(budget_->month())}});
  }
  const auto cap = budget_->config().cap_bytes;
  for (const Level& level : change.reached) {
    if (level.percent >= 100) {
      log::error(Event{"egress.cap_reached"}, "egress cap reached: powering off",
                 {{"bytes", budget_->bytes()},
                  {"cap_bytes", *cap},
                  {"month", month_name(budget_->month())}});
    } else {
      log::warning(Event{"egress.threshold_reached"}, "egress threshold reached",
                   {{"percent", level.percent},
                    {"bytes", budget_->bytes()},
                    {"threshold_bytes", level.bytes},
                    {"cap_bytes", *cap},
                    {"month", month_name(budget_->month())}});
    }
  }
  if (budget_->state() != BudgetState::over || power_off_requested_) return;
  persist(/*urgent=*/true);  // the count must survive the power-off
  if (auto asked = power_off_(); !asked) {
    // Asked again at every tick; said again only when the reason changes.
    if (asked.error().message != power_off_problem_) {
      log::error(Event{"egress.poweroff_failed"}, "unable to request power-off",
                 {{"reason", asked.error().message}});
      power_off_problem_ = asked.error().message;
    }
    return;
  }
  power_off_requested_ = true;
}

void Enforcer::persist(bool urgent) {
  if (!store_ || !budget_) return;
  NvRecord record{budget_->month(), budget_->bytes(), boot_id_, counter_->last_value(),
                  counter_->interface()};
  if (last_saved_ && last_saved_->month == record.month && last_saved_->bytes == record.bytes) {
    return;
  }
  const auto now = clock_();
  if (!urgent && last_write_ && now - *last_write_ < options_.write_interval) return;
  last_write_ = now;  // a failure waits for the next interval too
  if (auto saved = store_->save(record); !saved) {
    log::warning(Event{"egress.persist_failed"}, "unable to persist the egress count",
                 {{"reason", saved.error().message}, {"nv_index", hex_index(store_->index())}});
    persisted_ = false;
    return;
  }
  persisted_ = true;
  last_saved_ = record;
}

void Enforcer::on_config(const common::config::Values& values) {
  auto parsed = parse_config(values);
  if (!parsed) {
    log::error(Event{"config.rejected"}, "unable to use the egress configuration",
               {{"reason", parsed.error().message}});
    return;
  }
  if (config_ == *parsed) return;  // attestd resends it on every reconnection
  config_ = *parsed;
  log::info(Event{"egress.configured"}, "egress budget configured",
            {{"cap_bytes", config_->cap_bytes ? common::json(*config_->cap_bytes) : common::json()},
             {"warn_percent", config_->warn_percent}});
  if (!budget_) return;
  act(budget_->reconfigure(*config_));
}

void Enforcer::stop() {
  timer_.cancel();
  if (!budget_) return;
  if (auto sent = counter_->delta(); sent) act(budget_->add(clock_(), *sent));
  persist(/*urgent=*/true);
}

common::contract::EgressStatus Enforcer::status() const {
  common::contract::EgressStatus out;
  out.persisted = persisted_;
  if (store_) out.nv_index = hex_index(store_->index());
  if (!budget_) {
    out.state = "restoring";
    return out;
  }
  const auto& config = budget_->config();
  out.state = std::string(state_name(budget_->state()));
  out.month = month_name(budget_->month());
  out.bytes = static_cast<std::int64_t>(budget_->bytes());
  if (config.cap_bytes) out.cap_bytes = static_cast<std::int64_t>(*config.cap_bytes);
  out.warn_percent.assign(config.warn_percent.begin(), config.warn_percent.end());
  out.interface = counter_->interface();
  return out;
}

}  // namespace egressd

#include "trafficcop/budget.hpp"

#include "common/json.hpp"
#include "common/log.hpp"
#include "trafficcop/compute.hpp"
#include "trafficcop/monitoring.hpp"
#include "trafficcop/month.hpp"

namespace trafficcop {

std::string_view action_name(Action action) {
  switch (action) {
    case Action::none:
      return "none";
    case Action::stop:
      return "stopped";
    case Action::would_stop:
      return "would-stop";
    case Action::already_stopped:
      return "already-stopped";
  }
  return "none";
}

Action decide(std::uint64_t sent_bytes, std::uint64_t cap_bytes, bool instance_stopped,
              bool dry_run) {
  if (sent_bytes <= cap_bytes) return Action::none;
  if (instance_stopped) return Action::already_stopped;
  return dry_run ? Action::would_stop : Action::stop;
}

std::string report_line(const Report& report) {
  return common::dump_json(common::json{{"project", report.project},
                                        {"zone", report.zone},
                                        {"instance", report.instance},
                                        {"month_start", report.month_start},
                                        {"sent_bytes", report.sent_bytes},
                                        {"cap_bytes", report.cap_bytes},
                                        {"action", action_name(report.action)}});
}

common::Result<Report> enforce(const Options& options, GoogleApi& api,
                               std::chrono::sys_seconds now) {
  Compute compute(api, options.compute_endpoint, options.project, options.zone);
  // First the instance: its numeric id selects the metric (a name can be
  // reused by a later instance), and its status says whether a stop is due.
  auto instance = compute.get(options.instance);
  if (!instance) return std::unexpected(instance.error());

  const auto start = month_start(now);
  auto sent = sent_bytes(api, SentBytesQuery{.endpoint = options.monitoring_endpoint,
                                             .project = options.project,
                                             .zone = options.zone,
                                             .instance_id = instance->id,
                                             .start = start,
                                             .end = now});
  if (!sent) return std::unexpected(sent.error());

  Report report{
      .project = options.project,
      .zone = options.zone,
      .instance = options.instance,
      .month_start = rfc3339(start),
      .sent_bytes = *sent,
      .cap_bytes = options.cap_bytes,
      .action = decide(*sent, options.cap_bytes, is_stopped(instance->status), options.dry_run)};
  if (report.action != Action::none) {
    common::log::warning(common::log::Event{"egress.over_cap"}, "egress is over the cap",
                         {{"instance", options.instance},
                          {"status", instance->status},
                          {"sent_bytes", *sent},
                          {"cap_bytes", options.cap_bytes},
                          {"action", std::string(action_name(report.action))}});
  }
  if (report.action == Action::stop) {
    auto stopped = compute.stop(options.instance);
    if (!stopped) return std::unexpected(stopped.error());
    common::log::notice(common::log::Event{"instance.stopped"}, "instance stopped", {{"instance", options.instance}});
  }
  return report;
}

}  // namespace trafficcop

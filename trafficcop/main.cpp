// trafficcop: stops a GCE instance whose internet egress this month has
// passed a cap, before it costs money. Run every few minutes by a scheduler
// (docs/traffic-cop.md). Exit: 0 checked (under the cap, or stopped),
// 1 could not check or stop, 100 usage. One JSON report line on stdout when
// the check succeeded; JSON log lines on stderr.
#include <chrono>
#include <iostream>

#include "common/daemon.hpp"
#include "common/log.hpp"
#include "trafficcop/budget.hpp"
#include "trafficcop/google_api.hpp"
#include "trafficcop/google_auth.hpp"
#include "trafficcop/options.hpp"

namespace {
constexpr int kExitChecked = 0;
constexpr int kExitFailed = 1;
}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("trafficcop");
  auto options = trafficcop::parse_options(argc, argv);
  if (!options) {
    common::log::error(common::log::Event{"trafficcop.usage"}, "unable to parse the command line",
                       {{"reason", options.error().message}});
    std::cerr << trafficcop::usage();
    return common::daemon::kExitPermanent;
  }
  if (options->help) {
    std::cout << trafficcop::usage();
    return kExitChecked;
  }

  auto tokens = trafficcop::make_token_source(*options);
  if (!tokens) {
    common::log::error(common::log::Event{"token.unavailable"}, "unable to get credentials",
                       {{"reason", tokens.error().message}});
    return kExitFailed;
  }
  trafficcop::GoogleApi api(**tokens);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto report = trafficcop::enforce(*options, api, now);
  if (!report) {
    common::log::error(common::log::Event{"trafficcop.failed"}, "unable to check or stop",
                       {{"reason", report.error().message},
                        {"kind", std::string(common::kind_name(report.error().kind))}});
    return kExitFailed;
  }
  std::cout << trafficcop::report_line(*report) << std::endl;
  return kExitChecked;
}

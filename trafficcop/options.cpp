#include "trafficcop/options.hpp"

#include <cstdint>
#include <limits>

#include "common/daemon.hpp"

namespace trafficcop {
namespace {

using common::Error;

constexpr std::string_view kUsage =
    "usage: trafficcop --project=ID --zone=ZONE --instance=NAME --cap-bytes=N [--dry-run]\n"
    "                  [--credentials=KEY.json] [--monitoring-endpoint=URL]\n"
    "                  [--compute-endpoint=URL] [--token-endpoint=URL]\n";

Error usage_error(const std::string& reason) {
  return {Error::Kind::invalid_input, "unable to parse the command line: " + reason};
}

bool lower_digit_dash(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// These names reach URL paths and a Monitoring filter: only GCP's own
// characters, so that no value can add a path segment, a query or a clause.
// Project IDs may be domain-scoped ("example.com:project").
bool valid_project(std::string_view id) {
  if (id.empty() || id.size() > 100) return false;
  for (const char c : id) {
    if (!lower_digit_dash(c) && c != '.' && c != ':') return false;
  }
  return true;
}

bool valid_zone(std::string_view zone) {
  if (zone.empty() || zone.size() > 63) return false;
  for (const char c : zone) {
    if (!lower_digit_dash(c)) return false;
  }
  return true;
}

// RFC 1035 labels, as Compute Engine names are.
bool valid_instance(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z' ||
      name.back() == '-') {
    return false;
  }
  for (const char c : name) {
    if (!lower_digit_dash(c)) return false;
  }
  return true;
}

// A required or optional flag out of `flags`, checked by `valid`.
std::string checked(common::daemon::Flags& flags, const std::string& name,
                    bool (*valid)(std::string_view), bool required) {
  auto value = flags.text(name);
  if (!value) {
    if (required) flags.reject(name, usage_error("--" + name + " is required"));
    return {};
  }
  if (valid != nullptr && !valid(*value)) {
    flags.reject(name, usage_error("--" + name + "='" + *value + "' is not valid"));
  }
  return *value;
}

bool any(std::string_view value) { return !value.empty(); }

}  // namespace

std::string_view usage() { return kUsage; }

bool valid_endpoint(std::string_view url) {
  if (url.starts_with("https://")) return url.size() > 8;
  if (!url.starts_with("http://")) return false;
  const std::string_view rest = url.substr(7);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  for (const std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
    if (authority == host || authority.starts_with(std::string(host) + ":")) return true;
  }
  return false;
}

common::Result<Options> parse_options(int argc, char** argv) {
  auto parsed = common::daemon::Flags::parse(argc, argv);
  if (!parsed) return std::unexpected(parsed.error());
  auto& flags = *parsed;
  Options options;
  if (flags.boolean("help")) {
    options.help = true;
    return options;
  }
  options.project = checked(flags, "project", valid_project, true);
  options.zone = checked(flags, "zone", valid_zone, true);
  options.instance = checked(flags, "instance", valid_instance, true);
  if (!flags.text("cap-bytes")) flags.reject("cap-bytes", usage_error("--cap-bytes is required"));
  options.cap_bytes = static_cast<std::uint64_t>(
      flags.integer("cap-bytes", 1, 1, std::numeric_limits<std::int64_t>::max()));
  options.dry_run = flags.boolean("dry-run");
  options.credentials = checked(flags, "credentials", any, false);
  auto monitoring = checked(flags, "monitoring-endpoint", valid_endpoint, false);
  auto compute = checked(flags, "compute-endpoint", valid_endpoint, false);
  options.token_endpoint = checked(flags, "token-endpoint", valid_endpoint, false);
  if (auto done = flags.finish(); !done) return std::unexpected(done.error());
  if (!monitoring.empty()) options.monitoring_endpoint = std::move(monitoring);
  if (!compute.empty()) options.compute_endpoint = std::move(compute);
  // A trailing slash would double the one the paths start with.
  for (auto* url : {&options.monitoring_endpoint, &options.compute_endpoint}) {
    while (url->ends_with('/')) url->pop_back();
  }
  return options;
}

}  // namespace trafficcop

#include "trafficcop/options.hpp"

#include <charconv>
#include <map>

#include "common/daemon.hpp"

namespace trafficcop {
namespace {

using common::Error;

constexpr std::string_view kUsage =
    "usage: trafficcop --project=ID --zone=ZONE --instance=NAME --cap-bytes=N [--dry-run]\n"
    "                  [--credentials=KEY.json] [--monitoring-endpoint=URL]\n"
    "                  [--compute-endpoint=URL] [--token-endpoint=URL]\n";

std::unexpected<Error> usage_error(const std::string& reason) {
  return common::fail(Error::Kind::invalid_input, "unable to parse the command line: " + reason);
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

common::Result<std::uint64_t> parse_bytes(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [at, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || at != end || value == 0) {
    return usage_error("--cap-bytes wants a positive whole number of bytes, not '" +
                       std::string(text) + "'");
  }
  return value;
}

// Takes a required flag out of the map, checked by `valid`.
common::Result<std::string> take(std::map<std::string, std::string>& flags, const std::string& name,
                                 bool (*valid)(std::string_view), bool required = true) {
  const auto it = flags.find(name);
  if (it == flags.end()) {
    if (required) return usage_error("--" + name + " is required");
    return std::string();
  }
  std::string value = std::move(it->second);
  flags.erase(it);
  if (valid != nullptr && !valid(value)) {
    return usage_error("--" + name + "='" + value + "' is not valid");
  }
  return value;
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
  auto parsed = common::daemon::Flags::parse_map(argc, argv);
  if (!parsed) return std::unexpected(parsed.error());
  auto& flags = *parsed;
  Options options;
  if (flags.contains("help")) {
    options.help = true;
    return options;
  }
  auto project = take(flags, "project", valid_project);
  auto zone = take(flags, "zone", valid_zone);
  auto instance = take(flags, "instance", valid_instance);
  auto cap = take(flags, "cap-bytes", nullptr);
  auto dry_run = take(flags, "dry-run", nullptr, false);
  auto credentials = take(flags, "credentials", any, false);
  auto monitoring = take(flags, "monitoring-endpoint", valid_endpoint, false);
  auto compute = take(flags, "compute-endpoint", valid_endpoint, false);
  auto token = take(flags, "token-endpoint", valid_endpoint, false);
  for (const auto* value :
       {&project, &zone, &instance, &cap, &dry_run, &credentials, &monitoring, &compute, &token}) {
    if (!*value) return std::unexpected(value->error());
  }
  if (!flags.empty()) return usage_error("unknown flag --" + flags.begin()->first);
  if (!dry_run->empty() && *dry_run != "true") return usage_error("--dry-run takes no value");
  auto cap_bytes = parse_bytes(*cap);
  if (!cap_bytes) return std::unexpected(cap_bytes.error());

  options.project = std::move(*project);
  options.zone = std::move(*zone);
  options.instance = std::move(*instance);
  options.cap_bytes = *cap_bytes;
  options.dry_run = !dry_run->empty();
  options.credentials = std::move(*credentials);
  if (!monitoring->empty()) options.monitoring_endpoint = std::move(*monitoring);
  if (!compute->empty()) options.compute_endpoint = std::move(*compute);
  options.token_endpoint = std::move(*token);
  // A trailing slash would double the one the paths start with.
  for (auto* url : {&options.monitoring_endpoint, &options.compute_endpoint}) {
    while (url->ends_with('/')) url->pop_back();
  }
  return options;
}

}  // namespace trafficcop

#include "trafficcop/compute.hpp"

#include <thread>

#include "common/backoff.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"

namespace trafficcop {
namespace {

using common::Error;

// A version-4 UUID, which requestId must be (the nil UUID is refused).
common::Result<std::string> request_id() {
  auto bytes = common::crypto::random_bytes(16);
  if (!bytes) return std::unexpected(bytes.error());
  (*bytes)[6] = static_cast<char>(((*bytes)[6] & 0x0f) | 0x40);
  (*bytes)[8] = static_cast<char>(((*bytes)[8] & 0x3f) | 0x80);
  const std::string hex = common::crypto::hex(*bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// Operation names come from the server and go into a URL path.
bool safe_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_stopped(std::string_view status) {
  // SUSPENDING/SUSPENDED send nothing either, and a stop would resume nothing.
  return status == "STOPPING" || status == "TERMINATED" || status == "SUSPENDING" ||
         status == "SUSPENDED";
}

common::Status operation_outcome(const common::json& operation) {
  const auto error = operation.find("error");
  if (error == operation.end() || !error->is_object()) return {};
  std::string reasons;
  if (const auto errors = error->find("errors"); errors != error->end() && errors->is_array()) {
    for (const auto& one : *errors) {
      if (!reasons.empty()) reasons += "; ";
      reasons += common::optional_string_field(one, "code").value_or("?") + ": " +
                 common::optional_string_field(one, "message").value_or("");
    }
  }
  if (reasons.empty()) reasons = common::dump_json(*error);
  return common::fail(Error::Kind::environment, "the operation failed: " + reasons);
}

Compute::Compute(GoogleApi& api, std::string endpoint, std::string project, std::string zone)
    : api_(api),
      endpoint_(std::move(endpoint)),
      project_(std::move(project)),
      zone_(std::move(zone)) {}

std::string Compute::zone_url() const {
  return endpoint_ + "/compute/v1/projects/" + project_ + "/zones/" + zone_;
}

common::Result<Instance> Compute::get(const std::string& instance) {
  const std::string what = "unable to read instance " + instance;
  auto body = api_.get(zone_url() + "/instances/" + instance);
  if (!body) return std::unexpected(common::wrap(body.error(), what));
  auto id = common::string_field(*body, "id");
  auto status = common::string_field(*body, "status");
  if (!id) return std::unexpected(common::wrap(id.error(), what));
  if (!status) return std::unexpected(common::wrap(status.error(), what));
  if (id->empty() || id->find_first_not_of("0123456789") != std::string::npos) {
    return common::fail(Error::Kind::invalid_input, what + ": id '" + *id + "' is not a number");
  }
  return Instance{std::move(*id), std::move(*status)};
}

common::Status Compute::stop(const std::string& instance, std::chrono::seconds deadline) {
  const std::string what = "unable to stop instance " + instance;
  auto id = request_id();
  if (!id) return std::unexpected(common::wrap(id.error(), what));
  auto operation = api_.post(zone_url() + "/instances/" + instance + "/stop?requestId=" + *id);
  if (!operation) return std::unexpected(common::wrap(operation.error(), what));
  auto name = common::string_field(*operation, "name");
  if (!name || !safe_name(*name)) {
    return common::fail(Error::Kind::invalid_input, what + ": the operation has no usable name");
  }
  common::log::notice(common::log::Event{"instance.stop_requested"}, "stop requested", {{"instance", instance}, {"operation", *name}});

  // Operations take tens of seconds; poll with back-off up to the deadline.
  common::Backoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(5));
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (common::optional_string_field(*operation, "status").value_or("") != "DONE") {
    if (std::chrono::steady_clock::now() >= until) {
      return common::fail(Error::Kind::environment,
                          what + ": operation " + *name + " not DONE in time");
    }
    std::this_thread::sleep_for(backoff.next());  // a poll interval
    operation = api_.get(zone_url() + "/operations/" + *name);
    if (!operation) return std::unexpected(common::wrap(operation.error(), what));
  }
  auto outcome = operation_outcome(*operation);
  if (!outcome) return std::unexpected(common::wrap(outcome.error(), what));
  return {};
}

}  // namespace trafficcop

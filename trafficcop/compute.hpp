#pragma once
// Compute Engine, the two calls trafficcop needs and the wait between them:
//   instances.get   GET  compute/v1/projects/P/zones/Z/instances/NAME
//   instances.stop  POST compute/v1/projects/P/zones/Z/instances/NAME/stop?requestId=UUID
//   zoneOperations.get GET compute/v1/projects/P/zones/Z/operations/OP, until DONE
// The stop carries one requestId for all its retries, so that Compute
// Engine starts one operation however often the POST is repeated.

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/json.hpp"
#include "trafficcop/google_api.hpp"

namespace trafficcop {

struct Instance {
  std::string id;      // numeric, as a decimal string (uint64 in JSON)
  std::string status;  // PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED, ...
};

// An instance that sends nothing and that a stop would not change.
bool is_stopped(std::string_view status);

// An Operation resource that is DONE: ok, or its error.errors[] as an Error.
common::Status operation_outcome(const common::json& operation);

class Compute {
 public:
  Compute(GoogleApi& api, std::string endpoint, std::string project, std::string zone);

  common::Result<Instance> get(const std::string& instance);
  // Stops the instance and waits until the operation is DONE (or `deadline`).
  common::Status stop(const std::string& instance,
                      std::chrono::seconds deadline = std::chrono::minutes(5));

 private:
  std::string zone_url() const;

  GoogleApi& api_;
  std::string endpoint_;
  std::string project_;
  std::string zone_;
};

}  // namespace trafficcop

#include "compute_lookalike.hpp"

namespace trafficcop_test {
namespace {

using nlohmann::json;

constexpr const char* kApi = "https://www.googleapis.com/compute/v1/";

// Compute's 404: google.rpc fields plus the older errors[] with a reason.
void not_found(httplib::Response& response, const std::string& resource) {
  const std::string message = "The resource '" + resource + "' was not found";
  response.status = 404;
  response.set_content(
      json{{"error",
            {{"code", 404},
             {"message", message},
             {"errors", {{{"message", message}, {"domain", "global"}, {"reason", "notFound"}}}}}}}
          .dump(),
      "application/json; charset=UTF-8");
}

}  // namespace

ComputeLookalike::ComputeLookalike(std::string project, std::string zone, std::string instance,
                                   std::string id)
    : project_(std::move(project)),
      zone_(std::move(zone)),
      instance_(std::move(instance)),
      id_(std::move(id)) {
  const std::string zone_path = "/compute/v1/projects/([^/]+)/zones/([^/]+)";
  server().Get(zone_path + "/instances/([^/]+)",
               [this](const httplib::Request& q, httplib::Response& r) { get_instance(q, r); });
  server().Post(zone_path + "/instances/([^/]+)/stop",
                [this](const httplib::Request& q, httplib::Response& r) { stop_instance(q, r); });
  server().Get(zone_path + "/operations/([^/]+)",
               [this](const httplib::Request& q, httplib::Response& r) { get_operation(q, r); });
  start();
}

void ComputeLookalike::set_status(const std::string& status) {
  std::lock_guard lock(mutex_);
  status_ = status;
}

std::string ComputeLookalike::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void ComputeLookalike::set_reads_until_done(int reads) {
  std::lock_guard lock(mutex_);
  reads_until_done_ = reads;
}

void ComputeLookalike::fail_operation(const std::string& code, const std::string& message) {
  std::lock_guard lock(mutex_);
  error_code_ = code;
  error_message_ = message;
}

int ComputeLookalike::operations_started() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(operations_.size());
}

std::vector<std::string> ComputeLookalike::stop_request_ids() const {
  std::lock_guard lock(mutex_);
  return stop_request_ids_;
}

bool ComputeLookalike::ours(const httplib::Request& request, httplib::Response& response,
                            const std::string& collection) const {
  const bool instance_ok = collection != "instances" || request.matches[3] == instance_;
  if (request.matches[1] == project_ && request.matches[2] == zone_ && instance_ok) return true;
  not_found(response, "projects/" + std::string(request.matches[1]) + "/zones/" +
                          std::string(request.matches[2]) + "/" + collection + "/" +
                          std::string(request.matches[3]));
  return false;
}

void ComputeLookalike::get_instance(const httplib::Request& request, httplib::Response& response) {
  if (!ours(request, response, "instances")) return;
  std::lock_guard lock(mutex_);
  const std::string zone_link = std::string(kApi) + "projects/" + project_ + "/zones/" + zone_;
  response.set_content(json{{"kind", "compute#instance"},
                            {"id", id_},
                            {"name", instance_},
                            {"zone", zone_link},
                            {"machineType", zone_link + "/machineTypes/e2-micro"},
                            {"status", status_},
                            {"selfLink", zone_link + "/instances/" + instance_}}
                           .dump(),
                       "application/json; charset=UTF-8");
}

void ComputeLookalike::stop_instance(const httplib::Request& request, httplib::Response& response) {
  if (!ours(request, response, "instances")) return;
  std::lock_guard lock(mutex_);
  const std::string request_id = request.get_param_value("requestId");
  stop_request_ids_.push_back(request_id);
  if (const auto seen = by_request_id_.find(request_id);
      !request_id.empty() && seen != by_request_id_.end()) {
    response.set_content(operations_[seen->second].dump(), "application/json; charset=UTF-8");
    return;
  }
  const std::string name = "operation-1718000000000-61a2b3c4d5e6f-" +
                           std::to_string(operations_.size() + 1) + "-9a8b7c6d";
  const std::string zone_link = std::string(kApi) + "projects/" + project_ + "/zones/" + zone_;
  json operation = {{"kind", "compute#operation"},
                    {"id", std::to_string(7000000000000000000ULL + operations_.size())},
                    {"name", name},
                    {"zone", zone_link},
                    {"operationType", "stop"},
                    {"targetLink", zone_link + "/instances/" + instance_},
                    {"targetId", id_},
                    {"status", "PENDING"},
                    {"progress", 0},
                    {"selfLink", zone_link + "/operations/" + name}};
  status_ = "STOPPING";
  reads_[name] = 0;
  if (reads_until_done_ == 0) operation = advance(operation);
  operations_[name] = operation;
  if (!request_id.empty()) by_request_id_[request_id] = name;
  response.set_content(operation.dump(), "application/json; charset=UTF-8");
}

void ComputeLookalike::get_operation(const httplib::Request& request, httplib::Response& response) {
  if (!ours(request, response, "operations")) return;
  std::lock_guard lock(mutex_);
  const auto it = operations_.find(request.matches[3]);
  if (it == operations_.end()) {
    return not_found(response, "projects/" + project_ + "/zones/" + zone_ + "/operations/" +
                                   std::string(request.matches[3]));
  }
  json& operation = it->second;
  if (operation["status"] != "DONE") {
    const int reads = ++reads_[operation["name"]];
    operation = reads >= reads_until_done_ ? advance(operation) : json(operation);
    if (operation["status"] == "PENDING") operation["status"] = "RUNNING";
  }
  response.set_content(operation.dump(), "application/json; charset=UTF-8");
}

// Called with mutex_ held: the operation finishes, one way or the other.
json ComputeLookalike::advance(const json& operation) {
  json done = operation;
  done["status"] = "DONE";
  done["progress"] = 100;
  if (!error_code_.empty()) {
    done["error"] = {{"errors", {{{"code", error_code_}, {"message", error_message_}}}}};
    done["httpErrorStatusCode"] = 400;
    status_ = "RUNNING";
  } else {
    status_ = "TERMINATED";
  }
  return done;
}

}  // namespace trafficcop_test

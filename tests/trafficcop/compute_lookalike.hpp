#pragma once
// A look-alike of Compute Engine v1 for one instance, following the public
// wire format:
//   GET  /compute/v1/projects/P/zones/Z/instances/NAME -> Instance
//        {"kind":"compute#instance","id":"<uint64 as string>","name","status",...}
//   POST .../instances/NAME/stop?requestId=UUID -> Operation (PENDING); the
//        same requestId again returns the same operation, as Compute does
//   GET  /compute/v1/projects/P/zones/Z/operations/OP -> Operation; each
//        read moves it on (PENDING, RUNNING, DONE); when DONE the instance
//        is TERMINATED, or the operation carries error.errors[] if told to
// Unknown resources are 404 with Compute's error body (errors[] and reason).

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "lookalike_server.hpp"

namespace trafficcop_test {

class ComputeLookalike : public LookalikeServer {
 public:
  ComputeLookalike(std::string project, std::string zone, std::string instance, std::string id);
  ~ComputeLookalike() override { stop(); }

  void set_status(const std::string& status);
  std::string status() const;
  // Reads of an operation before it is DONE (0: the stop answers DONE at once).
  void set_reads_until_done(int reads);
  // The next stop operation ends DONE with this error instead of stopping.
  void fail_operation(const std::string& code, const std::string& message);
  int operations_started() const;
  std::vector<std::string> stop_request_ids() const;

 private:
  void get_instance(const httplib::Request& request, httplib::Response& response);
  void stop_instance(const httplib::Request& request, httplib::Response& response);
  void get_operation(const httplib::Request& request, httplib::Response& response);
  // The path's project, zone (and, for "instances", the instance) are ours;
  // else a 404 for projects/P/zones/Z/<collection>/<name> is answered.
  bool ours(const httplib::Request& request, httplib::Response& response,
            const std::string& collection) const;
  nlohmann::json advance(const nlohmann::json& operation);

  std::string project_;
  std::string zone_;
  std::string instance_;
  std::string id_;
  mutable std::mutex mutex_;
  std::string status_ = "RUNNING";
  int reads_until_done_ = 1;
  std::string error_code_;
  std::string error_message_;
  std::map<std::string, nlohmann::json> operations_;  // by name
  std::map<std::string, std::string> by_request_id_;  // requestId -> operation name
  std::map<std::string, int> reads_;                  // operation name -> reads so far
  std::vector<std::string> stop_request_ids_;
};

}  // namespace trafficcop_test

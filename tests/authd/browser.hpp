#pragma once
// A scripted browser for login flows: a cookie jar, redirects followed by
// hand (so each hop can be checked), HTTPS with the test's trust anchors.

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/http_client.hpp"

namespace authd_test {

// "localhost" from "https://localhost:1234/path?x".
std::string host_of(const std::string& url);
// Decoded query parameters of a URL (last one wins).
std::map<std::string, std::string> query_of(const std::string& url);

struct Cookie {
  std::string value;
  std::string attributes;  // as sent, for checks on Secure/HttpOnly/SameSite
};

class Browser {
 public:
  explicit Browser(std::string ca_pem) : ca_pem_(std::move(ca_pem)) {}

  common::Result<common::HttpResponse> get(const std::string& url);

  struct Outcome {
    std::string final_url;          // the redirect target where navigation stopped
    common::HttpResponse last;      // the response that ended it
    bool reached_stop = false;      // final_url starts with stop_prefix
    std::vector<std::string> hops;  // every URL fetched
  };
  // Follows redirects from url; stops (without fetching) at a Location that
  // starts with stop_prefix, or at the first non-redirect answer.
  common::Result<Outcome> navigate(const std::string& url, const std::string& stop_prefix,
                                   int max_hops = 10);

  std::map<std::string, Cookie>& jar(const std::string& host) { return jars_[host]; }
  void clear_cookies() { jars_.clear(); }

 private:
  void store_cookies(const std::string& host, const common::HttpResponse& response);
  std::string ca_pem_;
  std::map<std::string, std::map<std::string, Cookie>> jars_;
};

}  // namespace authd_test

#pragma once
// An HTTP/1.1 request and response as the appliance's handlers see them,
// independent of the server underneath (common/http_server.hpp). The
// accessors mirror what handlers need: query and form parameters (a
// multimap, in order, percent-decoded), headers by case-insensitive name.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace common::http {

struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string>;

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // as sent: origin-form path with its query
  std::string path;    // the target's path, percent-decoded
  Params params;       // query parameters, then (POST, form body) the form's
  Headers headers;
  std::string body;
  std::string remote_addr;  // the peer's IP address, textual

  bool has_param(std::string_view key) const;
  std::size_t get_param_value_count(std::string_view key) const;
  // The id-th value of key, "" when there is none.
  std::string get_param_value(std::string_view key, std::size_t id = 0) const;
  bool has_header(std::string_view name) const;
  std::size_t get_header_value_count(std::string_view name) const;
  std::string get_header_value(std::string_view name, std::size_t id = 0) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  void set_header(std::string_view name, std::string_view value);
  void set_content(std::string body, std::string_view content_type);
  void set_redirect(std::string_view location, int status = 302);
};

// RFC 3986 percent-decoding; with plus_as_space, '+' is a space (forms).
// Invalid escapes are kept as they are.
std::string url_decode(std::string_view text, bool plus_as_space);
// application/x-www-form-urlencoded (and query strings): key=value pairs
// separated by '&', each percent-decoded with '+' as space.
Params parse_query(std::string_view text);

// The standard reason phrase ("Not Found"), "Error" for unknown codes.
std::string_view reason_phrase(int status);

}  // namespace common::http

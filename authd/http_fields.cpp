#include "authd/http_fields.hpp"

#include <algorithm>

#include "common/http_client.hpp"

namespace authd {

common::http::Headers security_headers() {
  return {
      {"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
}

void set_no_store(common::http::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
}

std::string login_cookie(const std::string& name, const std::string& value, int max_age) {
  return name + "=" + value + "; Max-Age=" + std::to_string(max_age) +
         "; Path=/; Secure; HttpOnly; SameSite=Lax";
}

std::optional<std::string> read_cookie(const common::http::Request& req, const std::string& name) {
  auto count = req.get_header_value_count("Cookie");
  for (std::size_t i = 0; i < count; ++i) {
    std::string header = req.get_header_value("Cookie", i);
    std::size_t pos = 0;
    while (pos < header.size()) {
      auto end = header.find(';', pos);
      if (end == std::string::npos) end = header.size();
      auto item = header.substr(pos, end - pos);
      auto first = item.find_first_not_of(' ');
      if (first != std::string::npos) item.erase(0, first);
      auto eq = item.find('=');
      if (eq != std::string::npos && item.compare(0, eq, name) == 0 && eq == name.size()) {
        return item.substr(eq + 1);
      }
      pos = end + 1;
    }
  }
  return std::nullopt;
}

common::Result<std::map<std::string, std::string>> parse_form(const std::string& body) {
  const common::http::Params params = common::http::parse_query(body);
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : params) {
    if (!fields.emplace(key, value).second) {
      return common::fail(common::Error::Kind::invalid_input, "parameter repeated: " + key);
    }
  }
  return fields;
}

std::optional<std::string_view> auth_credentials(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(header[i]) != lower(scheme[i])) return std::nullopt;
  }
  auto credentials = header.substr(scheme.size());
  credentials.remove_prefix(std::min(credentials.find_first_not_of(' '), credentials.size()));
  return credentials;
}

std::string with_query(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = url;
  out += url.find('?') == std::string::npos ? '?' : '&';
  out += common::form_encode(params);
  return out;
}

}  // namespace authd

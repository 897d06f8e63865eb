#include "common/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace common::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <class Map>
std::string nth_value(const Map& map, std::string_view key, std::size_t id) {
  auto [first, last] = map.equal_range(std::string(key));
  for (std::size_t i = 0; first != last; ++first, ++i) {
    if (i == id) return first->second;
  }
  return "";
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

bool Request::has_param(std::string_view key) const { return params.contains(std::string(key)); }

std::size_t Request::get_param_value_count(std::string_view key) const {
  return params.count(std::string(key));
}

std::string Request::get_param_value(std::string_view key, std::size_t id) const {
  return nth_value(params, key, id);
}

bool Request::has_header(std::string_view name) const {
  return headers.contains(std::string(name));
}

std::size_t Request::get_header_value_count(std::string_view name) const {
  return headers.count(std::string(name));
}

std::string Request::get_header_value(std::string_view name, std::size_t id) const {
  return nth_value(headers, name, id);
}

void Response::set_header(std::string_view name, std::string_view value) {
  // CR and LF in a header value would split the response (header injection).
  if (name.find_first_of("\r\n:") != std::string_view::npos ||
      value.find_first_of("\r\n") != std::string_view::npos) {
    return;
  }
  headers.erase(std::string(name));
  headers.emplace(std::string(name), std::string(value));
}

void Response::set_content(std::string content, std::string_view content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}

void Response::set_redirect(std::string_view location, int redirect_status) {
  status = (redirect_status >= 300 && redirect_status < 400) ? redirect_status : 302;
  set_header("Location", location);
}

std::string url_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

Params parse_query(std::string_view text) {
  Params params;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key = url_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
    params.emplace(std::move(key), std::move(value));
  }
  return params;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace common::http

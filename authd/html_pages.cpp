#include "authd/html_pages.hpp"

#include "authd/http_fields.hpp"

namespace authd {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void send_error_page(common::http::Response& res, int status, std::string_view title,
                     std::string_view explanation) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>";
  page += html_escape(title);
  page +=
      "</title><style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;"
      "padding:0 1em;color:#222}h1{font-size:1.4em}</style></head><body><h1>";
  page += html_escape(title);
  page += "</h1><p>";
  page += html_escape(explanation);
  page += "</p></body></html>\n";
  res.status = status;
  res.set_header("Content-Security-Policy", std::string(kHtmlCsp));
  set_no_store(res);
  res.set_content(page, "text/html; charset=utf-8");
}

}  // namespace authd

#pragma once
// HTTP details shared by the provider's endpoints: security headers, cookies,
// form bodies and query strings.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_message.hpp"

#include "common/error.hpp"

namespace authd {

// Sent with every response (set once as the server's default headers).
common::http::Headers security_headers();

// Cache-Control: no-store (RFC 6749 5.1 for token responses; every page
// that carries a code or an error).
void set_no_store(common::http::Response& res);

// A cookie for the login binding: __Host- prefix (Secure, Path=/, no Domain),
// HttpOnly, SameSite=Lax (the return from PayPal is a top-level GET).
std::string login_cookie(const std::string& name, const std::string& value, int max_age);
std::optional<std::string> read_cookie(const common::http::Request& req, const std::string& name);

// An application/x-www-form-urlencoded body; a repeated field is an error
// (RFC 6749 3.1: parameters must not be included more than once).
common::Result<std::map<std::string, std::string>> parse_form(const std::string& body);

// The credentials of an Authorization header for `scheme`, whose name is
// case-insensitive (RFC 7235 2.1): "bearer x" and "Bearer x" both give "x".
std::optional<std::string_view> auth_credentials(std::string_view header, std::string_view scheme);

// Adds query parameters to a URL that may already have a query.
std::string with_query(const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace authd

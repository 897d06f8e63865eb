#pragma once
// The few HTML pages authd shows a person (errors: unknown client, expired
// login, PayPal unavailable). Every HTML response carries a strict CSP: no
// script, no external resource, no framing, no form posts.

#include <string>
#include <string_view>

#include "common/http_message.hpp"

namespace authd {

inline constexpr std::string_view kHtmlCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'";

std::string html_escape(std::string_view text);

// Sets status, the page and its headers (CSP, no-store).
void send_error_page(common::http::Response& res, int status, std::string_view title,
                     std::string_view explanation);

}  // namespace authd

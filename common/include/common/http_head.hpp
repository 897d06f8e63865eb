#pragma once
// The public ports' policy for a request head, apart from any socket, so that
// the server applies it and a fuzzer can drive it with any bytes: the head
// (request line and fields) within max_head_bytes and max_header_fields
// (431), a target that is a path (400), no Transfer-Encoding (411 when
// chunked, else 501), no Content-Encoding but identity (415), and a body
// only by Content-Length up to max_body_bytes (413), all decided before a
// byte of body is read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

namespace common::http {

struct HeadLimits {
  std::size_t max_head_bytes = 16U << 10;
  std::size_t max_header_fields = 100;
  std::size_t max_body_bytes = 64U << 10;
};

// A parsed head that Beast accepted, `head_bytes` long: nullopt to go on (and
// read `content_length` body bytes, if any), else the status to refuse it
// with. The byte count is checked here too: Beast's header_limit lets a head
// that arrives whole run a few bytes past it.
std::optional<int> refuse_head(
    const boost::beast::http::request<boost::beast::http::empty_body>& head,
    std::size_t head_bytes, std::optional<std::uint64_t> content_length, bool chunked,
    const HeadLimits& limits);

// "identity" in any case, with blanks around it.
bool is_identity_encoding(std::string_view value);

// What the server answers to `bytes` arriving as a request head: 0 when the
// head is accepted (`body_bytes` then says how much body it announced), -1
// when the bytes end before the head does, else the refusal's status. Used by
// the fuzzer; the server applies the same limits to its stream.
struct HeadVerdict {
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::size_t fields = 0;
  std::size_t head_bytes = 0;
};
HeadVerdict judge_head(std::string_view bytes, const HeadLimits& limits);

}  // namespace common::http

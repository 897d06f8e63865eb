#include "common/http_head.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace common::http {

namespace bhttp = boost::beast::http;

bool is_identity_encoding(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value.size() == 8 && std::equal(value.begin(), value.end(), "identity", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::optional<int> refuse_head(const bhttp::request<bhttp::empty_body>& head,
                               std::size_t head_bytes,
                               std::optional<std::uint64_t> content_length, bool chunked,
                               const HeadLimits& limits) {
  if (head_bytes > limits.max_head_bytes) return 431;
  if (static_cast<std::size_t>(std::distance(head.begin(), head.end())) >
      limits.max_header_fields) {
    return 431;
  }
  if (head.target().empty() || head.target().front() != '/') return 400;
  if (head.count(bhttp::field::transfer_encoding) > 0) return chunked ? 411 : 501;
  for (const auto& field : head) {
    if (field.name() == bhttp::field::content_encoding &&
        !is_identity_encoding(std::string_view(field.value().data(), field.value().size()))) {
      return 415;
    }
  }
  if (content_length && *content_length > limits.max_body_bytes) return 413;
  return std::nullopt;
}

HeadVerdict judge_head(std::string_view bytes, const HeadLimits& limits) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_head_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(false);  // the head only, as async_read_header
  HeadVerdict verdict;
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_header_done() && used < bytes.size()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::header_limit) return {431};
    if (ec == bhttp::error::body_limit) return {413};
    if (ec) return {400};
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_header_done()) {
    // Beast counts the head against header_limit as bytes arrive.
    return {used >= limits.max_head_bytes ? 431 : -1};
  }
  const auto& head = parser.get();
  verdict.fields = static_cast<std::size_t>(std::distance(head.begin(), head.end()));
  verdict.head_bytes = used;
  const auto length = parser.content_length();
  const auto announced = length ? std::optional<std::uint64_t>(*length) : std::nullopt;
  if (auto refusal = refuse_head(head, used, announced, parser.chunked(), limits)) {
    verdict.status = *refusal;
    return verdict;
  }
  verdict.body_bytes = announced.value_or(0);
  return verdict;
}

}  // namespace common::http

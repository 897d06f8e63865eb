#include "common/ipc_frame.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

namespace common::ipc {

Result<std::string> encode_frame(const json& message, std::size_t max_frame) {
  std::string payload = dump_json(message);
  const std::size_t limit =
      std::min<std::size_t>(max_frame, std::numeric_limits<std::uint32_t>::max());
  if (payload.size() > limit) {
    return fail(Error::Kind::invalid_input,
                "unable to encode frame: " + std::to_string(payload.size()) +
                    " bytes exceed the limit of " + std::to_string(limit));
  }
  const auto length = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(kHeaderSize + payload.size());
  frame.push_back(static_cast<char>((length >> 24) & 0xFF));
  frame.push_back(static_cast<char>((length >> 16) & 0xFF));
  frame.push_back(static_cast<char>((length >> 8) & 0xFF));
  frame.push_back(static_cast<char>(length & 0xFF));
  frame += payload;
  return frame;
}

std::uint32_t decode_length(const unsigned char* header) {
  return (static_cast<std::uint32_t>(header[0]) << 24) |
         (static_cast<std::uint32_t>(header[1]) << 16) |
         (static_cast<std::uint32_t>(header[2]) << 8) | static_cast<std::uint32_t>(header[3]);
}

void FrameDecoder::feed(std::string_view bytes) { buffer_.append(bytes); }

Result<std::optional<json>> FrameDecoder::next() {
  if (buffer_.size() < kHeaderSize) return std::optional<json>{};
  const std::uint32_t length =
      decode_length(reinterpret_cast<const unsigned char*>(buffer_.data()));
  // Judged on the header alone, before a single payload byte is buffered: a
  // peer announcing 4 GiB costs us four bytes, not an allocation.
  if (length > max_frame_) {
    return fail(Error::Kind::invalid_input, "frame of " + std::to_string(length) +
                                                " bytes exceeds the limit of " +
                                                std::to_string(max_frame_));
  }
  if (length == 0) return fail(Error::Kind::invalid_input, "empty frame");
  if (buffer_.size() - kHeaderSize < length) return std::optional<json>{};
  auto message = parse_json(std::string_view(buffer_).substr(kHeaderSize, length));
  buffer_.erase(0, kHeaderSize + length);
  if (!message) return std::unexpected(wrap(message.error(), "unable to decode frame"));
  return std::optional<json>(std::move(*message));
}

json make_request(std::uint64_t id, std::string_view method, json params) {
  return json{{"id", id}, {"method", method}, {"params", std::move(params)}};
}

json make_result(std::uint64_t id, json result) {
  return json{{"id", id}, {"result", std::move(result)}};
}

json make_error(std::uint64_t id, std::string_view code, std::string_view message) {
  return json{{"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json make_event(std::string_view event, json data) {
  return json{{"event", event}, {"data", std::move(data)}};
}

}  // namespace common::ipc

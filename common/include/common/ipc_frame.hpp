#pragma once
// Wire format of every Unix-socket IPC in the appliance:
//   frame   = length (4 bytes, big-endian) ‖ UTF-8 JSON of that many bytes
//   request = {"id": <uint>, "method": <string>, "params": <object>}
//   reply   = {"id": <uint>, "result": <any>}
//           | {"id": <uint>, "error": {"code": <string>, "message": <string>}}
//   event   = {"event": <string>, "data": <any>}   (pushed to subscribers)
// A client subscribes with method "subscribe", params {"events": [names]}.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/json.hpp"

namespace common::ipc {

inline constexpr std::size_t kDefaultMaxFrame = 1U << 20;  // 1 MiB
inline constexpr std::size_t kHeaderSize = 4;

// Error codes carried in reply.error.code.
namespace error_code {
inline constexpr std::string_view bad_frame = "bad_frame";
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view unknown_method = "unknown_method";
inline constexpr std::string_view forbidden = "forbidden";
inline constexpr std::string_view unavailable = "unavailable";
inline constexpr std::string_view internal = "internal";
}  // namespace error_code

Result<std::string> encode_frame(const json& message, std::size_t max_frame = kDefaultMaxFrame);

// Reads the payload length from a 4-byte header.
std::uint32_t decode_length(const unsigned char* header);

// Incremental decoder for stream sockets: feed bytes, take whole messages.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}
  void feed(std::string_view bytes);
  // nullopt: need more bytes. Error: oversized or non-JSON frame (the stream
  // is then unusable and the caller closes it).
  Result<std::optional<json>> next();
  bool mid_frame() const { return !buffer_.empty(); }

 private:
  std::size_t max_frame_;
  std::string buffer_;
};

json make_request(std::uint64_t id, std::string_view method, json params);
json make_result(std::uint64_t id, json result);
json make_error(std::uint64_t id, std::string_view code, std::string_view message);
json make_event(std::string_view event, json data);

}  // namespace common::ipc

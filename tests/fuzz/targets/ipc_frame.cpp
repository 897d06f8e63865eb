// IPC frames (common/ipc_frame): what a local peer writes to a daemon's
// socket. The first byte chooses how the rest is cut into reads, so that
// frames split across reads are decoded as on a real stream; max_frame is
// small so that the size cap is reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ipc_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  common::ipc::FrameDecoder decoder(data[0] & 0x80 ? 256 : common::ipc::kDefaultMaxFrame);
  while (!rest.empty()) {
    const auto piece = rest.substr(0, chunk);
    rest.remove_prefix(piece.size());
    decoder.feed(piece);
    while (true) {
      auto message = decoder.next();
      if (!message) return 0;  // the stream is closed on an error
      if (!message->has_value()) break;
      // A decoded message re-encodes (what a server echoes back).
      (void)common::ipc::encode_frame(**message);
    }
  }
  if (size >= 5) (void)common::ipc::decode_length(data + 1);
  return 0;
}

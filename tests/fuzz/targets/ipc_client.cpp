// attestd's config.get reply as authd and acmed read it at start
// (common/config_source load_values over common/ipc_client): the fuzz input
// is the byte stream attestd's socket answers with, frames and all.
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/config_source.hpp"
#include "common/ipc_contracts.hpp"
#include "common/metadata.hpp"
#include "fuzz_support.hpp"
#include "unix_socket.hpp"

namespace {

// A stand-in for attestd's socket that answers every connection with the
// current input, then closes.
class FakeAttestd {
 public:
  FakeAttestd() {
    setenv("APPLIANCE_RUN_DIR", dir_.path().c_str(), 1);
    std::filesystem::create_directories(dir_.path() / "attestd");
    const std::string path = common::contract::socket_path(common::contract::attestd::socket);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    listener_ = fuzz::Fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener_.get(), 16) != 0) {
      std::abort();
    }
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  ~FakeAttestd() {
    thread_.request_stop();
    shutdown(listener_.get(), SHUT_RDWR);
  }
  void answer_with(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    answer_ = bytes;
  }

 private:
  void serve(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      fuzz::Fd connection(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (connection.get() < 0) {
        if (errno == EINTR) continue;
        return;  // shut down by the destructor
      }
      std::string answer;
      {
        std::lock_guard lock(mutex_);
        answer = answer_;
      }
      std::string_view rest = answer;
      while (!rest.empty()) {
        const ssize_t n = send(connection.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      shutdown(connection.get(), SHUT_WR);
      std::array<char, 4096> drain{};
      while (recv(connection.get(), drain.data(), drain.size(), 0) > 0) {
      }
    }
  }

  fuzz::ScratchDir dir_;
  fuzz::Fd listener_;
  std::mutex mutex_;
  std::string answer_;
  std::jthread thread_;
};

FakeAttestd& attestd() {
  static FakeAttestd instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)attestd();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  attestd().answer_with(std::string_view(reinterpret_cast<const char*>(data), size));
  static const common::MetadataClient unused_metadata({.host = "127.0.0.1:1"});
  (void)common::config::load_values(common::config::Source::attestd, unused_metadata,
                                    common::contract::attestd::measured_keys);
  return 0;
}

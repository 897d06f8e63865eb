#include "common/listen_fds.hpp"
#include "common/unique_handle.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace common {
namespace {

constexpr int kFirstListenFd = 3;  // SD_LISTEN_FDS_START
constexpr int kMaxListenFds = 64;  // far more than init ever passes

std::optional<long> parse_number(const char* text) {
  if (text == nullptr) return std::nullopt;
  const std::string_view view(text);
  long value = 0;
  const auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size()) return std::nullopt;
  return value;
}

std::vector<std::string> split_names(const char* text) {
  std::vector<std::string> names;
  if (text == nullptr) return names;
  std::string_view rest(text);
  for (;;) {
    const auto colon = rest.find(':');
    names.emplace_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return names;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::map<std::string, int> take_listen_fds() {
  const auto pid = parse_number(std::getenv("LISTEN_PID"));
  const auto count = parse_number(std::getenv("LISTEN_FDS"));
  const auto names = split_names(std::getenv("LISTEN_FDNAMES"));
  // Unset unconditionally (as sd_listen_fds(1) does): children must never
  // mistake our descriptors for theirs.
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");

  std::map<std::string, int> fds;
  if (!pid || !count || *pid != static_cast<long>(getpid())) return fds;
  if (*count <= 0 || *count > kMaxListenFds) return fds;
  for (int i = 0; i < *count; ++i) {
    const int fd = kFirstListenFd + i;
    const int flags = fcntl(fd, F_GETFD);
    if (flags < 0) continue;  // not open: nothing to hand out
    fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    // systemd names unnamed descriptors "unknown"; a map needs distinct keys.
    std::string name = static_cast<std::size_t>(i) < names.size() && !names[i].empty()
                           ? names[i]
                           : "fd" + std::to_string(fd);
    fds.emplace(std::move(name), fd);
  }
  return fds;
}

Result<int> listen_fd_or_bind(const std::map<std::string, int>& inherited, const std::string& name,
                              const std::string& host, int port) {
  if (const auto it = inherited.find(name); it != inherited.end()) return it->second;
  return bind_tcp_listener(host, port);
}

Result<int> bind_tcp_listener(const std::string& host, int port, int backlog) {
  const std::string where = "unable to listen on " + host + ":" + std::to_string(port);
  if (port < 0 || port > 65535) return fail(Error::Kind::invalid_input, where + ": bad port");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &raw);
      rc != 0) {
    return fail(Error::Kind::invalid_input, where + ": " + gai_strerror(rc));
  }
  UniqueHandle<addrinfo, freeaddrinfo> list(raw);
  std::string last_error = "no address";
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno_text();
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai->ai_family == AF_INET6) {
      // "::" serves IPv4 too, whatever the sysctl default says.
      const int off = 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, backlog) == 0) return fd;
    last_error = errno_text();
    close(fd);
  }
  return fail(Error::Kind::environment, where + ": " + last_error);
}

Result<int> local_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return fail(Error::Kind::invalid_input, "unable to read the socket address: " + errno_text());
  }
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return fail(Error::Kind::invalid_input, "unable to read the socket address: not TCP/IP");
}

}  // namespace common

#include "common/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace common::notify {

Status send(std::string_view state) {
  const char* target = std::getenv("NOTIFY_SOCKET");
  if (target == nullptr || *target == '\0') return {};
  const std::string path(target);
  const std::string where = "unable to notify " + path;

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return fail(Error::Kind::invalid_input, where + ": socket path too long");
  }
  if (path.front() != '/' && path.front() != '@') {
    return fail(Error::Kind::invalid_input, where + ": not an absolute or abstract socket name");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  // '@' names an abstract socket: a leading NUL and no terminator counted.
  socklen_t length = offsetof(sockaddr_un, sun_path) + path.size();
  if (path.front() == '@') {
    address.sun_path[0] = '\0';
  } else {
    length += 1;
  }

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Error::Kind::environment, where + ": " + std::strerror(errno));
  const ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                              reinterpret_cast<const sockaddr*>(&address), length);
  const int saved = errno;
  close(fd);
  if (sent < 0) return fail(Error::Kind::environment, where + ": " + std::strerror(saved));
  return {};
}

}  // namespace common::notify

#pragma once
// Small POSIX helpers for the IPC and sd_notify targets: a scratch directory
// removed at exit, and an owned file descriptor.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace fuzz {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A fresh directory under $TMPDIR for the process's sockets.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Connects a stream socket to a Unix socket path; -1 on failure.
int connect_unix(const std::string& path, int type);

}  // namespace fuzz

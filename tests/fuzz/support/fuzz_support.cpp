#include "fuzz_support.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/log.hpp"

namespace fuzz {

void quiet_logs() {
  // FUZZ_LOGS=1 keeps them, to see how far a seed gets.
  if (std::getenv("FUZZ_LOGS") == nullptr) {
    common::log::set_min_severity(common::log::Severity::critical);
  }
}

void explain(std::string_view step, const std::string& why) {
  if (std::getenv("FUZZ_LOGS") != nullptr) {
    std::fprintf(stderr, "fuzz: %.*s: %s\n", static_cast<int>(step.size()), step.data(),
                 why.c_str());
  }
}

std::string fixture(std::string_view relative_path) {
  const std::string path =
      std::string(APPLIANCE_FUZZ_DIR) + "/corpus/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: missing fixture %s\n", path.c_str());
    std::abort();
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

namespace {

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

HttpAnswer parse_answer(std::string_view segment, const std::string& base_url) {
  HttpAnswer answer;
  auto next_line = [&segment] {
    const auto end = segment.find('\n');
    std::string_view line = segment.substr(0, end);
    segment.remove_prefix(end == std::string_view::npos ? segment.size() : end + 1);
    return line;
  };
  const auto status = next_line();
  answer.status = 0;
  for (char c : status.substr(0, 3)) {
    if (c < '0' || c > '9') break;
    answer.status = answer.status * 10 + (c - '0');
  }
  if (answer.status < 100) answer.status = 200;
  while (!segment.empty()) {
    const auto line = next_line();
    if (line.empty() || line == "\r") break;
    // Keep the framing ours: a header line cannot carry a line break.
    if (line.find('\r') != std::string_view::npos) continue;
    answer.headers += replace_all(std::string(line), "{base}", base_url) + "\r\n";
  }
  answer.body = replace_all(std::string(segment), "{base}", base_url);
  return answer;
}

}  // namespace

std::deque<HttpAnswer> parse_script(std::string_view bytes, const std::string& base_url) {
  std::deque<HttpAnswer> answers;
  constexpr std::string_view separator = "\n----\n";
  while (!bytes.empty() && answers.size() < 32) {
    const auto end = bytes.find(separator);
    answers.push_back(parse_answer(bytes.substr(0, end), base_url));
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + separator.size());
  }
  return answers;
}

namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 404:
      return "Not Found";
    default:
      return "Status";
  }
}

// Reads the request head and a Content-Length body, whatever they say: the
// client is ours and well-behaved; the fuzzed side is the answer.
void read_request(int fd) {
  std::string data;
  char buffer[4096];
  std::size_t wanted = std::string::npos;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return;
    data.append(buffer, static_cast<std::size_t>(n));
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    if (wanted == std::string::npos) {
      wanted = end + 4;
      auto at = data.find("ontent-Length:");
      if (at == std::string::npos) at = data.find("ontent-length:");
      if (at != std::string::npos && at < end)
        wanted += std::strtoul(data.c_str() + at + 14, nullptr, 10);
    }
    if (data.size() >= wanted) return;
  }
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

ScriptedHttpServer::ScriptedHttpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("fuzz: scripted HTTP server");
    std::abort();
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  thread_.request_stop();
  shutdown(listen_fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

std::string ScriptedHttpServer::base_url() const { return "http://" + host_port(); }
std::string ScriptedHttpServer::host_port() const { return "127.0.0.1:" + std::to_string(port_); }

void ScriptedHttpServer::script(std::deque<HttpAnswer> answers) {
  std::lock_guard lock(mutex_);
  answers_ = std::move(answers);
  served_ = 0;
}

std::size_t ScriptedHttpServer::served() const {
  std::lock_guard lock(mutex_);
  return served_;
}

ScriptedHttpServer& http_server() {
  static ScriptedHttpServer instance;
  return instance;
}

void ScriptedHttpServer::serve(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;  // shut down by the destructor
    }
    read_request(fd);
    HttpAnswer answer{404, "", ""};
    {
      std::lock_guard lock(mutex_);
      if (!answers_.empty()) {
        answer = std::move(answers_.front());
        answers_.pop_front();
      }
      ++served_;
    }
    std::string response =
        "HTTP/1.1 " + std::to_string(answer.status) + " " + reason(answer.status) +
        "\r\nConnection: close\r\nContent-Length: " + std::to_string(answer.body.size()) + "\r\n" +
        answer.headers + "\r\n" + answer.body;
    write_all(fd, response);
    shutdown(fd, SHUT_WR);
    close(fd);
  }
}

}  // namespace fuzz

#include <sys/un.h>

#include <cstring>
#include <system_error>

#include "unix_socket.hpp"

namespace fuzz {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "appliance-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("fuzz: mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

int connect_unix(const std::string& path, int type) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return -1;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace fuzz

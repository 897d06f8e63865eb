#pragma once
// Shared pieces of the fuzz targets: quiet logs, the committed fixtures, and
// a loopback HTTP server that answers with fuzzed responses so that the
// clients of the metadata server, Secret Manager, PayPal and the ACME CA are
// fuzzed through their real code (curl included), not through copies.
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

namespace fuzz {

// Logs at critical only: the parsers log every rejection, and writing those
// lines would cost more than parsing. FUZZ_LOGS=1 keeps every line.
void quiet_logs();

// With FUZZ_LOGS=1, prints why a run stopped (where a seed gets stuck).
void explain(std::string_view step, const std::string& why);

// A file under tests/fuzz/corpus/ (the verifier fixture, keys), read whole;
// aborts when it is missing, since the target would then fuzz nothing.
std::string fixture(std::string_view relative_path);

// One HTTP/1.1 response, built from fuzz bytes by the target.
struct HttpAnswer {
  int status = 200;
  std::string headers;  // extra header lines, each ending in \r\n
  std::string body;
};

// The fuzz input of the HTTP client targets, a readable text format so that
// seeds are easy to write and the dictionary applies: answers separated by a
// line "----", each "STATUS\n" + header lines + "\n" + body. "{base}"
// anywhere stands for the server's base URL (documents link to it).
std::deque<HttpAnswer> parse_script(std::string_view bytes, const std::string& base_url);

// A serial loopback HTTP server: each connection reads one request and gets
// the next queued answer (404 when the queue is empty), then is closed.
class ScriptedHttpServer {
 public:
  ScriptedHttpServer();
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  // "http://127.0.0.1:PORT"
  std::string base_url() const;
  std::string host_port() const;
  void script(std::deque<HttpAnswer> answers);
  // Requests served since the last script() (method and target lines).
  std::size_t served() const;

 private:
  void serve(const std::stop_token& stop);
  int listen_fd_ = -1;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<HttpAnswer> answers_;
  std::size_t served_ = 0;
  std::jthread thread_;
};

// The process's one scripted server, started on first use.
ScriptedHttpServer& http_server();

}  // namespace fuzz

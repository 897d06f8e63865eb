// IPC benchmark: round trips per second over the real Unix-socket server,
// for one client, several concurrent clients, and a large payload, plus event
// fan-out. Prints a report; not part of ctest (no timing asserts anywhere).
//
//   bench_ipc [--seconds N]     (default 1 second per scenario)

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"
#include "common/log.hpp"

namespace {

using common::json;
using Clock = std::chrono::steady_clock;
namespace ipc = common::ipc;

struct Figures {
  std::uint64_t operations = 0;
  double seconds = 0;
  std::uint64_t failures = 0;
};

// `clients` threads each do round trips with `payload` for `duration`.
Figures round_trips(const std::string& path, int clients, const std::string& payload,
                    std::chrono::milliseconds duration) {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto end = start + duration;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto client = ipc::Client::connect(path);
      if (!client) {
        ++failed;
        return;
      }
      const json params{{"payload", payload}};
      while (Clock::now() < end) {
        if (client->call("echo", params)) {
          ++done;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return {done, std::chrono::duration<double>(Clock::now() - start).count(), failed};
}

// Publishes `count` events to `subscribers` clients and times full delivery.
Figures fan_out(ipc::Server& server, const std::string& path, int subscribers, int count) {
  std::vector<ipc::Client> clients;
  for (int s = 0; s < subscribers; ++s) {
    auto client = ipc::Client::connect(path);
    if (!client || !client->subscribe({"tick"})) return {0, 0, 1};
    clients.push_back(std::move(*client));
  }
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> readers;
  for (auto& client : clients) {
    readers.emplace_back([&, c = &client] {
      for (int i = 0; i < count; ++i) {
        if (c->next_event(std::chrono::seconds(10))) {
          ++received;
        } else {
          ++failed;
          return;
        }
      }
    });
  }
  for (int i = 0; i < count; ++i) server.publish("tick", json{{"i", i}});
  for (auto& reader : readers) reader.join();
  return {received, std::chrono::duration<double>(Clock::now() - start).count(), failed};
}

void report(const char* name, const Figures& figures) {
  std::printf("%-34s %10.0f /s  (%llu in %.2f s, %llu failed)\n", name,
              figures.seconds > 0 ? static_cast<double>(figures.operations) / figures.seconds : 0,
              static_cast<unsigned long long>(figures.operations), figures.seconds,
              static_cast<unsigned long long>(figures.failures));
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  const auto duration = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  common::log::set_min_severity(common::log::Severity::error);

  char pattern[] = "/tmp/bench-ipc-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::string path = std::string(pattern) + "/bench.sock";

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  ipc::ServerOptions options;
  options.allowed_uids = {::getuid()};
  options.max_queued_bytes = 64U << 20;
  auto server = ipc::Server::listen(io, path, options);
  if (!server) {
    std::fprintf(stderr, "unable to listen: %s\n", server.error().message.c_str());
    return 1;
  }
  (*server)->on(
      "echo", [](const json& params, const ipc::Peer&) -> common::Result<json> { return params; });
  std::thread io_thread([&] { io.run(); });

  std::printf("IPC benchmark (one server thread, Unix socket, JSON frames)\n");
  report("round trips, 1 client, 16 B", round_trips(path, 1, std::string(16, 'x'), duration));
  report("round trips, 4 clients, 16 B", round_trips(path, 4, std::string(16, 'x'), duration));
  report("round trips, 16 clients, 16 B", round_trips(path, 16, std::string(16, 'x'), duration));
  report("round trips, 1 client, 64 KiB",
         round_trips(path, 1, std::string(64 << 10, 'x'), duration));
  report("events delivered, 4 subscribers", fan_out(**server, path, 4, 20000));

  server->reset();
  guard.reset();
  io.stop();
  io_thread.join();
  ::rmdir(pattern);
  return 0;
}

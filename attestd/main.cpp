// attestd: TPM quotes over HTTPS with the live TLS key and authd's JWKS bound
// in, and the measured runtime configuration for the other daemons.
// Flags (all --name=value): see usage() and docs/attestation.md.

#include <stdlib.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/crypto.hpp"
#include "common/daemon.hpp"
#include "common/http_server.hpp"
#include "common/listen_fds.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "common/x509.hpp"
#include "attestd/attester.hpp"
#include "attestd/binding_state.hpp"
#include "attestd/config_measurer.hpp"
#include "attestd/http_api.hpp"
#include "attestd/peer_links.hpp"
#include "attestd/runtime_config.hpp"

#ifndef APPLIANCE_VERSION
#define APPLIANCE_VERSION "unknown"
#endif

namespace {

struct Options {
  std::string tcti = "device:/dev/tpmrm0";
  std::string host = "0.0.0.0";
  int port = 8443;
  std::string event_log = "/sys/kernel/security/tpm0/binary_bios_measurements";
  unsigned config_pcr = 15;
  std::string state_dir = "/run/attestd";
  std::string config_file;  // empty: the metadata server
  int config_poll_seconds = 60;
  std::string tls_name = "attestd";
};

const std::set<std::string> kFlags = {
    "tcti",       "host",      "port",        "event-log",
    "config-pcr", "state-dir", "config-file", "config-poll-seconds",
    "tls-name"};

void usage(const std::string& problem) {
  std::fprintf(stderr,
               "attestd: %s\n"
               "usage: attestd [--tcti=device:/dev/tpmrm0] [--host=0.0.0.0] [--port=8443]\n"
               "  [--event-log=/sys/kernel/security/tpm0/binary_bios_measurements]\n"
               "  [--config-pcr=15] [--state-dir=/run/attestd] [--config-file=PATH]\n"
               "  [--config-poll-seconds=60] [--tls-name=attestd]\n",
               problem.c_str());
}

bool parse_int(const std::string& text, int low, int high, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= low && out <= high;
}

common::Result<Options> parse_options(int argc, char** argv) {
  auto flags = common::daemon::parse_flags(argc, argv);
  if (!flags) return std::unexpected(flags.error());
  Options o;
  for (const auto& [name, value] : *flags) {
    if (!kFlags.contains(name)) {
      return common::fail(common::Error::Kind::invalid_input, "unknown flag --" + name);
    }
  }
  auto get = [&](const char* name, std::string& out) {
    if (auto it = flags->find(name); it != flags->end()) out = it->second;
  };
  auto get_int = [&](const char* name, int low, int high, int& out) -> common::Status {
    auto it = flags->find(name);
    if (it == flags->end()) return {};
    if (!parse_int(it->second, low, high, out)) {
      return common::fail(common::Error::Kind::invalid_input, std::string("bad --") + name);
    }
    return {};
  };
  get("tcti", o.tcti);
  get("host", o.host);
  get("event-log", o.event_log);
  get("state-dir", o.state_dir);
  get("config-file", o.config_file);
  get("tls-name", o.tls_name);
  int pcr = static_cast<int>(o.config_pcr);
  for (auto s : {get_int("port", 0, 65535, o.port), get_int("config-pcr", 0, 15, pcr),
                 get_int("config-poll-seconds", 0, 86400, o.config_poll_seconds)}) {
    if (!s) return std::unexpected(s.error());
  }
  o.config_pcr = static_cast<unsigned>(pcr);
  return o;
}

// Until acmed hands over the domain's certificate, serve (and bind) a
// self-signed one whose key was born in RAM.
common::Status install_bootstrap_identity(common::CertificateStore& store,
                                          const std::string& name) {
  auto key = common::crypto::generate_p256();
  if (!key) return std::unexpected(key.error());
  auto cert = common::x509::self_signed_pem(key->get(), {name}, std::chrono::hours(24 * 365));
  if (!cert) return std::unexpected(cert.error());
  auto key_pem = common::crypto::private_key_pem(key->get());
  if (!key_pem) return std::unexpected(key_pem.error());
  return store.update(*cert, *key_pem);
}

}  // namespace

int main(int argc, char** argv) {
  common::log::set_component("attestd");
  // tpm2-tss logs to stderr on its own, e.g. for every NV index that a TPM
  // does not have; our JSON lines say what matters. TSS2_LOG still wins.
  setenv("TSS2_LOG", "all+none", 0);
  auto options = parse_options(argc, argv);
  if (!options) {
    usage(options.error().message);
    return common::daemon::kExitPermanent;
  }
  const Options& o = *options;
  auto inherited = common::take_listen_fds();

  auto certificates = std::make_shared<common::CertificateStore>();
  if (auto s = install_bootstrap_identity(*certificates, o.tls_name); !s) {
    common::log::critical("unable to create the bootstrap TLS identity",
                          {{"reason", s.error().message}});
    return common::daemon::kExitTemporary;
  }

  attestd::Attester attester(o.tcti);
  attestd::RuntimeConfig runtime(attester, o.config_pcr,
                                 std::filesystem::path(o.state_dir) / "runtime_events.json");
  if (auto s = runtime.load_saved(); !s) {
    common::log::error("ignoring the saved runtime log", {{"reason", s.error().message}});
  }
  attester.set_on_connect([&runtime] { return runtime.reconcile(); });
  attestd::BindingState bindings(certificates);

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  attestd::PeerLinks peers(io, certificates, bindings, runtime);
  if (auto s = peers.start(); !s) {
    common::log::critical("unable to start IPC", {{"reason", s.error().message}});
    return common::daemon::kExitTemporary;
  }

  auto source = o.config_file.empty() ? attestd::metadata_config_source({})
                                      : attestd::file_config_source(o.config_file);
  // Ready (for init, which then starts acmed and authd) once the configuration
  // they will ask for is measured, not merely once the sockets listen.
  std::once_flag ready_once;
  attestd::ConfigMeasurer measurer(
      std::move(source), runtime,
      [&peers, &ready_once](const common::json& c) {
        peers.publish_config(c);
        std::call_once(ready_once, [] {
          (void)common::notify::ready();
          common::log::info("ready: configuration measured");
        });
      },
      std::chrono::seconds(o.config_poll_seconds));

  common::http::Router router;
  std::vector<unsigned> pcrs;
  for (unsigned i = 0; i < 16; ++i) pcrs.push_back(i);
  attestd::install_http_api(router, attester, runtime, bindings,
                            {o.event_log, pcrs, APPLIANCE_VERSION});
  common::http::Server server(std::move(router), certificates);
  auto fd = common::listen_fd_or_bind(inherited, "attest", o.host, o.port);
  if (!fd) {
    common::log::critical("unable to listen", {{"reason", fd.error().message}});
    return common::daemon::kExitTemporary;
  }
  if (auto adopted = server.adopt(*fd); !adopted) {
    common::log::critical("unable to listen", {{"reason", adopted.error().message}});
    return common::daemon::kExitTemporary;
  }
  common::log::info("serving", {{"port", common::local_port(*fd).value_or(-1)},
                                {"tcti", o.tcti},
                                {"config_pcr", o.config_pcr}});
  std::atomic<bool> stopping = false;
  std::thread http([&] {
    server.run();
    if (!stopping) {
      common::log::critical("HTTPS server stopped unexpectedly");
      io.stop();  // exit; init restarts us
    }
  });
  measurer.start();

  common::daemon::stop_on_signals(io, [&] {
    common::log::info("stopping");
    stopping = true;
    (void)common::notify::stopping();
    server.stop();
    measurer.stop();
    peers.stop();
    work.reset();
    io.stop();
  });
  io.run();
  server.stop();
  http.join();
  return stopping ? 0 : common::daemon::kExitTemporary;
}

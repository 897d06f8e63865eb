// acmed against a real pebble: issuance with real HTTP-01 validation, both
// renewal policies, nonce rejection, a CA outage mid-order, a failing
// challenge, External Account Binding, alternate chains and the IPC uid check.

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "acmed_harness.hpp"
#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/ipc_client.hpp"
#include "common/ipc_server.hpp"

namespace acmed_test {
namespace {

using namespace std::chrono_literals;
namespace crypto = common::crypto;

constexpr auto kIssueTimeout = 45s;

TEST(AcmedPebble, IssuesWithRealHttp01ValidationAndTheChainVerifies) {
  AcmedHarness harness;
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  const std::string chain = issued["chain_pem"];
  EXPECT_EQ(openssl_verify(chain, harness.pebble().root_pem()), "");
  // The chain carries pebble's intermediate, and the key is the leaf's.
  EXPECT_NE(chain.find(harness.pebble().intermediate_pem().substr(0, 80)), std::string::npos);
  auto key = crypto::load_private_key_pem(issued["key_pem"].get<std::string>());
  ASSERT_TRUE(key);
  EXPECT_EQ(issued["spki_sha256"], crypto::hex(*crypto::spki_sha256(key->get())));
  EXPECT_GT(issued["not_after"].get<long long>(), std::time(nullptr));
  EXPECT_EQ(issued["self_signed"], false);
  // Pebble really fetched the token from acmed's listener.
  EXPECT_GE(harness.log_count("\"event\":\"challenge.served\""), 1U);
  EXPECT_EQ(harness.log().find("acme_eab_hmac\":\""), std::string::npos);
}

TEST(AcmedPebble, FailedChallengeIsReportedServesBootstrapAndRetries) {
  AcmedHarness harness;
  // Pebble resolves the name to an address where nothing listens.
  harness.pebble().set_a_record(kDomain, "127.0.0.2");
  harness.start_acmed();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"challenge.failed\"", 30s)) << harness.log();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"certificate.attempt_failed\"", 30s, 2))
      << harness.log();
  EXPECT_NE(harness.log().find("urn:ietf:params:acme:error:connection"), std::string::npos)
      << harness.log();
  auto bootstrap = harness.certificate();
  ASSERT_TRUE(bootstrap) << bootstrap.error().message;
  EXPECT_EQ((*bootstrap)["self_signed"], true);
  EXPECT_NE(openssl_verify((*bootstrap)["chain_pem"], harness.pebble().root_pem()), "");
  // Once DNS points back at acmed, a later attempt succeeds.
  harness.pebble().clear_a_record(kDomain);
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
}

TEST(AcmedPebble, RenewsWhenAThirdOfTheLifetimeRemainsAndSubscribersHear) {
  HarnessOptions options;
  options.pebble.certificate_validity_seconds = 9;  // renewal due 6 s after issuance
  AcmedHarness harness(options);
  harness.start_acmed();
  auto subscriber = common::ipc::Client::connect(harness.socket_path());
  ASSERT_TRUE(subscriber);
  ASSERT_TRUE(subscriber->subscribe({"certificate.updated"}));
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  const std::string first_serial = leaf_serial(first["chain_pem"]);
  // Events: the bootstrap (maybe, if we subscribed before it), the first
  // certificate, then the renewal: wait for one with a new serial.
  std::set<std::string> serials;
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  common::json renewed;
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = subscriber->next_event(5s);
    if (!event) continue;
    ASSERT_EQ((*event)["event"], "certificate.updated");
    const auto& data = (*event)["data"];
    if (data["self_signed"] == true) continue;
    const std::string serial = leaf_serial(data["chain_pem"]);
    if (serial != first_serial) {
      renewed = data;
      break;
    }
  }
  ASSERT_TRUE(renewed.is_object()) << harness.log();
  EXPECT_EQ(openssl_verify(renewed["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_NE(renewed["spki_sha256"], first["spki_sha256"]);  // a fresh key each time
  EXPECT_EQ(harness.log().find("\"event\":\"renewal_info.received\""),
            std::string::npos);  // no ARI here
}

// Pebble 2.4 (Debian 12) predates ARI, so the test puts a small HTTPS front
// in place of the directory: it serves pebble's directory plus renewalInfo,
// and answers renewalInfo itself. Everything else goes to pebble directly.
class AriFront {
 public:
  explicit AriFront(fixtures::Pebble& pebble)
      : pebble_(pebble),
        server_((pebble.dir() / "listener-cert.pem").c_str(),
                (pebble.dir() / "listener-key.pem").c_str()) {
    server_.Get("/dir", [this](const httplib::Request&, httplib::Response& response) {
      common::HttpRequest request;
      request.url = pebble_.directory_url();
      request.ca_pem = pebble_.listener_ca_pem();
      auto upstream = common::http_request(request);
      if (!upstream) {
        response.status = 502;
        return;
      }
      auto directory = common::json::parse(upstream->body);
      directory["renewalInfo"] = "https://127.0.0.1:" + std::to_string(port_) + "/renewal-info/";
      response.set_content(directory.dump(), "application/json");
    });
    server_.Get("/renewal-info/(.+)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  const std::string id = request.matches[1];
                  std::lock_guard lock(mutex_);
                  const auto now = std::chrono::system_clock::now();
                  if (first_id_.empty()) {
                    first_id_ = id;
                    first_window_ = now + 1s;
                  }
                  ids_.push_back(id);
                  // The first certificate is due 1-2 s after the CA first
                  // answered for it, a window that then stands (as a real
                  // CA's does: a window computed from each request's own
                  // time moved away from acmed at every recheck, and the
                  // test passed only when the seconds lined up); any later
                  // certificate is due in a day.
                  const auto start = id == first_id_ ? first_window_ : now + 24h;
                  common::json body{
                      {"suggestedWindow", {{"start", format(start)}, {"end", format(start + 1s)}}},
                      {"explanationURL", "https://ca.example/incident"}};
                  response.set_header("Retry-After", "1");
                  response.set_content(body.dump(), "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    fixtures::wait_for_tcp_port(port_, 5s);
  }
  ~AriFront() {
    server_.stop();
    thread_.join();
  }
  std::string directory_url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/dir";
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mutex_);
    return ids_;
  }

 private:
  static std::string format(std::chrono::system_clock::time_point t) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }
  fixtures::Pebble& pebble_;
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string first_id_;
  std::chrono::system_clock::time_point first_window_{};
  std::vector<std::string> ids_;
};

// RFC 9773 certID computed with the OpenSSL CLI, independently of acmed.
std::string cli_cert_id(const std::string& chain_pem) {
  auto aki = fixtures::run_command({"openssl", "x509", "-noout", "-ext", "authorityKeyIdentifier"},
                                   10s, chain_pem);
  std::string hex;
  for (char c : aki.output.substr(aki.output.find('\n') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex.push_back(c);
  }
  std::string serial_hex = leaf_serial(chain_pem);
  if (serial_hex.size() % 2 == 1) serial_hex.insert(serial_hex.begin(), '0');
  auto serial = crypto::unhex(serial_hex).value_or("");
  if (!serial.empty() && (static_cast<unsigned char>(serial[0]) & 0x80U) != 0)
    serial.insert(0, 1, '\0');
  return crypto::base64url(crypto::unhex(hex).value_or("")) + "." + crypto::base64url(serial);
}

TEST(AcmedPebble, RenewsInsideTheAriWindowWithReplaces) {
  AcmedHarness harness;
  AriFront front(harness.pebble());
  harness.metadata().set_instance_attribute("acme_directory", front.directory_url());
  harness.start_acmed();
  auto first = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(first.is_object());
  const std::string first_chain = first["chain_pem"];
  const std::string first_id = cli_cert_id(first_chain);
  auto renewed = harness.wait_for_issued(30s, leaf_serial(first_chain));
  ASSERT_TRUE(renewed.is_object());
  EXPECT_EQ(openssl_verify(renewed["chain_pem"], harness.pebble().root_pem()), "");
  auto ids = front.ids();
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), first_id);
  // The replacement order named the certificate it replaces.
  EXPECT_NE(harness.log().find("\"replaces\":\"" + first_id + "\""), std::string::npos)
      << harness.log();
  // The new certificate's window is a day away: acmed now waits, asking again per Retry-After.
  const std::string second_id = cli_cert_id(renewed["chain_pem"]);
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        auto now_ids = front.ids();
        return std::count(now_ids.begin(), now_ids.end(), second_id) >= 2;
      },
      15s))
      << harness.log();
  EXPECT_EQ(leaf_serial(harness.certificate()->at("chain_pem")), leaf_serial(renewed["chain_pem"]));
}

TEST(AcmedPebble, IssuesDespiteHalfTheNoncesRejected) {
  HarnessOptions options;
  options.pebble.env["PEBBLE_WFE_NONCEREJECT"] = "50";
  AcmedHarness harness(options);
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_GE(harness.log_count("\"event\":\"acme.nonce_rejected\""), 1U);
  EXPECT_EQ(harness.log_count("\"event\":\"certificate.attempt_failed\""), 0U) << harness.log();
}

// Holds pebble's validation request until released, then forwards it to
// acmed's listener: a deterministic "mid-order" moment.
class ValidationGate {
 public:
  ValidationGate(int listen_port, int acmed_port) : acmed_port_(acmed_port) {
    server_.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
      {
        std::unique_lock lock(mutex_);
        hits_++;
        changed_.notify_all();
        changed_.wait(lock, [this] { return released_; });
      }
      httplib::Client client("127.0.0.1", acmed_port_);
      auto forwarded = client.Get(request.path);
      if (!forwarded) {
        response.status = 502;
        return;
      }
      response.status = forwarded->status;
      response.set_content(forwarded->body, "application/octet-stream");
    });
    EXPECT_TRUE(server_.bind_to_port("127.0.0.1", listen_port));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    fixtures::wait_for_tcp_port(listen_port, 5s);
  }
  ~ValidationGate() {
    release();
    server_.stop();
    thread_.join();
  }
  bool wait_for_hit(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return hits_ > 0; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  int acmed_port_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int hits_ = 0;
  bool released_ = false;
};

TEST(AcmedPebble, CaOutageMidOrderBacksOffAndCompletesWhenItReturns) {
  HarnessOptions options;
  options.pebble.http01_port = fixtures::free_tcp_port();  // the gate, in front of acmed
  AcmedHarness harness(options);
  ValidationGate gate(options.pebble.http01_port, harness.http_port());
  harness.start_acmed();
  ASSERT_TRUE(gate.wait_for_hit(30s)) << harness.log();
  // Pebble is validating our challenge right now: take it away.
  harness.pebble().stop_acme_server();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"certificate.attempt_failed\"", 30s, 2))
      << harness.log();
  harness.pebble().start_acme_server();
  gate.release();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  // Issued by the restarted pebble (it makes a new root at every start).
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  // The restarted CA forgot the account: acmed noticed and registered again.
  EXPECT_GE(harness.log_count("\"event\":\"account.registered\""), 2U) << harness.log();
  EXPECT_EQ(harness.log_count("\"severity\":\"CRITICAL\""), 0U);
}

TEST(AcmedPebble, ExternalAccountBinding) {
  const std::string mac = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
  HarnessOptions options;
  options.pebble.eab_required = true;
  options.pebble.eab_keys = {{"kid-1", mac}};
  options.attributes = {{"acme_eab_kid", "kid-1"}, {"acme_eab_hmac", mac}};
  AcmedHarness harness(options);
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem()), "");
  EXPECT_NE(harness.log().find("\"eab\":true"), std::string::npos);
  EXPECT_EQ(harness.log().find(mac), std::string::npos);  // the MAC key is never logged
}

TEST(AcmedPebble, ExternalAccountBindingRequiredButMissingIsAClearError) {
  HarnessOptions options;
  options.pebble.eab_required = true;
  options.pebble.eab_keys = {
      {"kid-1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"}};
  AcmedHarness harness(options);
  harness.start_acmed();
  EXPECT_TRUE(harness.wait_for_log("requires External Account Binding", 30s)) << harness.log();
  auto current = harness.certificate();
  ASSERT_TRUE(current);
  EXPECT_EQ((*current)["self_signed"], true);
}

TEST(AcmedPebble, PreferredIssuerPicksTheAlternateChain) {
  HarnessOptions options;
  options.pebble.env["PEBBLE_ALTERNATE_ROOTS"] = "1";
  AcmedHarness harness(options);
  // Root 1's Common Name, read from the CLI.
  auto subject =
      fixtures::run_command({"openssl", "x509", "-noout", "-subject", "-nameopt", "multiline"}, 10s,
                            harness.pebble().root_pem(1));
  auto cn = subject.output.find("commonName");
  ASSERT_NE(cn, std::string::npos) << subject.output;
  std::string name = subject.output.substr(subject.output.find('=', cn) + 1);
  name = name.substr(name.find_first_not_of(' '));
  name = name.substr(0, name.find('\n'));
  harness.metadata().set_instance_attribute("acme_preferred_issuer", name);
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  ASSERT_TRUE(issued.is_object());
  EXPECT_EQ(openssl_verify(issued["chain_pem"], harness.pebble().root_pem(1)), "") << harness.log();
  EXPECT_NE(openssl_verify(issued["chain_pem"], harness.pebble().root_pem(0)), "");
}

// The appliance's default: configuration from attestd's config.get (here a
// stand-in attestd socket serving the same attributes), secrets from metadata.
TEST(AcmedPebble, TakesItsConfigurationFromAttestd) {
  HarnessOptions options;
  options.config_from_attestd = true;
  AcmedHarness harness(options);
  boost::asio::io_context io;
  auto server =
      common::ipc::Server::listen(io, (harness.run_dir() / "attestd" / "ipc.sock").string(),
                                  common::ipc::ServerOptions{.allowed_uids = {geteuid()}});
  ASSERT_TRUE(server) << server.error().message;
  std::atomic<int> calls{0};
  const common::json config = harness.attributes();
  (*server)->on("config.get", [&](const common::json&, const common::ipc::Peer&) {
    ++calls;
    return common::Result<common::json>(common::json{{"config", config}});
  });
  // Nothing in the metadata server but what is not measured.
  for (const auto& [key, _] : config.items()) harness.metadata().remove_instance_attribute(key);
  std::thread io_thread([&] { io.run(); });
  harness.start_acmed();
  auto issued = harness.wait_for_issued(kIssueTimeout);
  EXPECT_TRUE(issued.is_object());
  EXPECT_GE(calls.load(), 1);
  io.stop();
  io_thread.join();
}

// Connects as `uid` from a forked child using only system calls, and reports
// whether the server's first frame is a refusal ("forbidden").
bool refused_for_uid(const std::string& path, uid_t uid) {
  pid_t child = fork();
  if (child == 0) {
    if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) _exit(3);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) _exit(4);
    static const char request[] =
        "\x00\x00\x00\x2f{\"id\":1,\"method\":\"certificate.get\",\"params\":{}}";
    (void)!write(fd, request, sizeof request - 1);
    char buffer[4096];
    std::size_t total = 0;
    for (ssize_t n; (n = read(fd, buffer + total, sizeof buffer - 1 - total)) > 0;) total += n;
    buffer[total] = '\0';
    _exit(std::strstr(buffer + 4, "forbidden") != nullptr ? 0
          : std::strstr(buffer + 4, "chain_pem")          ? 1
                                                          : 2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(AcmedPebble, IpcRefusesPeersWithOtherUids) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another uid";
  AcmedHarness harness;
  harness.start_acmed();
  ASSERT_TRUE(harness.wait_for_log("\"event\":\"certificate.bootstrap_served\"", 20s));
  // Our own uid (the daemon's) is admitted; nobody (65534) is not.
  EXPECT_TRUE(harness.certificate());
  // The socket directory must let nobody reach the socket at all.
  std::filesystem::permissions(
      std::filesystem::path(harness.socket_path()).parent_path().parent_path(),
      std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
  EXPECT_TRUE(refused_for_uid(harness.socket_path(), 65534));
}

}  // namespace
}  // namespace acmed_test

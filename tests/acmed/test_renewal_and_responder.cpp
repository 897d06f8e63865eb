// Unit tests of the renewal policy (ARI certID checked against the OpenSSL
// CLI, windows, lifetime) and of the port-80 responder over real HTTP.

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "acmed/chain_selection.hpp"
#include "acmed/http01_responder.hpp"
#include "acmed/renewal_info.hpp"
#include "common/crypto.hpp"
#include "common/http_client.hpp"
#include "common/listen_fds.hpp"
#include "fixtures/process.hpp"

namespace acmed {
namespace {

using namespace std::chrono_literals;
namespace crypto = common::crypto;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A CA and a leaf it signs, made by the OpenSSL CLI, with a serial whose top
// bit is set (its DER content needs a leading zero byte).
struct CliChain {
  fixtures::TempDir dir;
  std::string leaf_pem;
  std::string ca_pem;
  CliChain() {
    auto p = [this](const char* name) { return (dir.path() / name).string(); };
    auto run = [](const std::vector<std::string>& argv) {
      auto result = fixtures::run_command(argv);
      ASSERT_EQ(result.exit_code, 0) << result.output;
    };
    run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "2", "-subj",
         "/CN=Test Root X"});
    run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", p("leaf.key"), "-out", p("leaf.csr"), "-subj", "/CN=leaf"});
    std::ofstream(p("ext.cnf"))
        << "authorityKeyIdentifier=keyid\nsubjectAltName=DNS:leaf.example\n";
    run({"openssl", "x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
         "-set_serial", "0x87aa0102", "-days", "1", "-extfile", p("ext.cnf"), "-out",
         p("leaf.pem")});
    leaf_pem = read_file(p("leaf.pem"));
    ca_pem = read_file(p("ca.pem"));
  }
};

// The AKI keyid as the OpenSSL CLI prints it ("keyid:AB:CD:..." or "AB:CD:...").
std::string cli_aki_bytes(const std::string& leaf_path) {
  auto shown = fixtures::run_command(
      {"openssl", "x509", "-in", leaf_path, "-noout", "-ext", "authorityKeyIdentifier"});
  std::string hex;
  for (char c : shown.output.substr(shown.output.find('\n') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex.push_back(c);
  }
  auto bytes = crypto::unhex(hex);
  return bytes.value_or("");
}

TEST(AcmedAriCertId, MatchesTheOpenSslCli) {
  CliChain chain;
  const std::string aki = cli_aki_bytes((chain.dir.path() / "leaf.pem").string());
  ASSERT_EQ(aki.size(), 20U);
  const std::string serial("\x00\x87\xaa\x01\x02", 5);
  auto id = ari_certificate_id(chain.leaf_pem + chain.ca_pem);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, crypto::base64url(aki) + "." + crypto::base64url(serial));
  EXPECT_FALSE(ari_certificate_id("not a pem"));
}

TEST(AcmedPreferredIssuer, MatchesTopmostIssuerOrAnySubject) {
  CliChain chain;
  EXPECT_TRUE(chain_matches_issuer(chain.leaf_pem, "Test Root X"));
  EXPECT_TRUE(chain_matches_issuer(chain.leaf_pem + chain.ca_pem, "Test Root X"));
  EXPECT_FALSE(chain_matches_issuer(chain.leaf_pem, "Other Root"));
  EXPECT_FALSE(chain_matches_issuer("garbage", "Test Root X"));
}

TEST(AcmedRenewalWindow, ParsesAndPicksInside) {
  auto window = parse_renewal_info(common::json::parse(
      R"({"suggestedWindow":{"start":"2025-01-02T00:00:00Z","end":"2025-01-03T00:00:00Z"},
          "explanationURL":"https://ca/why"})"));
  ASSERT_TRUE(window);
  EXPECT_EQ(window->explanation_url, "https://ca/why");
  std::mt19937_64 random(42);
  for (int i = 0; i < 200; ++i) {
    auto t = pick_time_in_window(*window, random);
    EXPECT_GE(t, window->start);
    EXPECT_LE(t, window->end);
  }
  EXPECT_FALSE(parse_renewal_info(common::json::parse(
      R"({"suggestedWindow":{"start":"2025-01-03T00:00:00Z","end":"2025-01-02T00:00:00Z"}})")));
  EXPECT_FALSE(parse_renewal_info(common::json::parse(R"({"suggestedWindow":{"start":"x"}})")));
  EXPECT_FALSE(parse_renewal_info(common::json::parse(R"([1,2])")));
}

TEST(AcmedLifetimeRenewal, OneThirdRemainsEvenForSixDayCertificates) {
  const auto start = Clock::from_time_t(1'700'000'000);
  EXPECT_EQ(lifetime_renewal_time(start, start + 90 * 24h), start + 60 * 24h);
  EXPECT_EQ(lifetime_renewal_time(start, start + 6 * 24h), start + 4 * 24h);
  EXPECT_EQ(lifetime_renewal_time(start, start + 30s), start + 20s);
  EXPECT_EQ(lifetime_renewal_time(start, start - 1s), start);
}

class AcmedResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fd = common::bind_tcp_listener("127.0.0.1", 0);
    ASSERT_TRUE(fd);
    port_ = *common::local_port(*fd);
    ASSERT_TRUE(responder_.start(*fd));
  }
  common::HttpResponse get(const std::string& target, std::string method = "GET",
                           std::string body = {}) {
    common::HttpRequest request;
    request.method = std::move(method);
    request.url = "http://127.0.0.1:" + std::to_string(port_) + target;
    request.body = std::move(body);
    request.headers.emplace_back("Host", "evil.example");
    auto response = common::http_request(request);
    EXPECT_TRUE(response) << (response ? "" : response.error().message);
    return response.value_or(common::HttpResponse{});
  }
  ChallengeBook book_;
  Http01Responder responder_{book_};
  int port_ = 0;
};

TEST_F(AcmedResponderTest, ServesOfferedTokensOnly) {
  {
    OfferedChallenge offered(book_, "tok_en-1", "tok_en-1.thumb");
    auto response = get("/.well-known/acme-challenge/tok_en-1");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "tok_en-1.thumb");
    EXPECT_EQ(get("/.well-known/acme-challenge/other").status, 404);
    EXPECT_EQ(get("/.well-known/acme-challenge/..%2Fetc").status, 404);
  }
  EXPECT_EQ(get("/.well-known/acme-challenge/tok_en-1").status, 404);  // withdrawn
}

TEST_F(AcmedResponderTest, RedirectsEverythingElseToTheConfiguredHttpsHost) {
  EXPECT_EQ(get("/login").status, 404);  // no domain yet: nowhere safe to send it
  responder_.set_domain("app.example.com");
  auto response = get("/login?next=%2Fhome");
  EXPECT_EQ(response.status, 301);
  EXPECT_EQ(response.header("location"), "https://app.example.com/login?next=%2Fhome");
  auto post = get("/token", "POST", "a=b");
  EXPECT_EQ(post.status, 301);
  EXPECT_EQ(post.header("location"), "https://app.example.com/token");
}

TEST_F(AcmedResponderTest, RefusesLargeBodies) {
  responder_.set_domain("app.example.com");
  auto response = get("/upload", "POST", std::string(64 * 1024, 'x'));
  EXPECT_EQ(response.status, 413);
}

}  // namespace
}  // namespace acmed

// init's DHCP client against a real server (dnsmasq) across a veth pair
// between two network namespaces made by the test. The server hands out what
// GCP does: a /32 address, a gateway outside it, MTU, DNS, a domain and a
// hostname; T1 is short so that a renewal happens during the test.

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixtures/process.hpp"

namespace {

using namespace std::chrono_literals;

std::string run(const std::vector<std::string>& argv) {
  return fixtures::run_command(argv, 20s).output;
}

// Two namespaces joined by a veth pair; removed (with the pair) at the end.
class NamespacePair {
 public:
  NamespacePair() {
    const std::string id = std::to_string(getpid() % 100000);
    server_ = "initdhcp-s" + id;
    client_ = "initdhcp-c" + id;
    server_link_ = "vs" + id;
    client_link_ = "vc" + id;
    for (const auto& step : std::vector<std::vector<std::string>>{
             {"ip", "netns", "add", server_},
             {"ip", "netns", "add", client_},
             {"ip", "link", "add", server_link_, "type", "veth", "peer", "name", client_link_,
              "address", kClientMac},
             {"ip", "link", "set", server_link_, "netns", server_},
             {"ip", "link", "set", client_link_, "netns", client_},
             {"ip", "-n", server_, "addr", "add", "10.77.0.1/24", "dev", server_link_},
             {"ip", "-n", server_, "link", "set", server_link_, "up"},
             {"ip", "-n", server_, "link", "set", "lo", "up"},
         }) {
      auto result = fixtures::run_command(step, 20s);
      if (result.exit_code != 0) {
        error_ = "'" + step[0] + " " + step[1] + " " + step[2] + "' failed: " + result.output;
        return;
      }
    }
  }
  ~NamespacePair() {
    fixtures::run_command({"ip", "netns", "del", client_}, 20s);
    fixtures::run_command({"ip", "netns", "del", server_}, 20s);
  }
  static constexpr const char* kClientMac = "02:00:00:00:77:55";
  const std::string& error() const { return error_; }
  const std::string& server() const { return server_; }
  const std::string& client() const { return client_; }
  const std::string& server_link() const { return server_link_; }
  const std::string& client_link() const { return client_link_; }

 private:
  std::string server_, client_, server_link_, client_link_, error_;
};

TEST(InitDhcp, ObtainsAppliesAndRenewsAGcpStyleLease) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  if (!fixtures::find_program("ip") || !fixtures::find_program("unshare")) {
    GTEST_SKIP() << "needs ip and unshare";
  }
  const auto dnsmasq = fixtures::find_program("dnsmasq");
  if (!dnsmasq) GTEST_SKIP() << "needs dnsmasq (Debian dnsmasq-base)";
  NamespacePair net;
  ASSERT_TRUE(net.error().empty()) << net.error();
  fixtures::TempDir dir;

  fixtures::Process server(fixtures::ProcessOptions{
      {"ip", "netns", "exec", net.server(), dnsmasq->string(), "--no-daemon",
       "--conf-file=/dev/null", "--port=0", "--user=root", "--bind-interfaces",
       "--interface=" + net.server_link(), "--dhcp-leasefile=" + (dir.path() / "leases").string(),
       "--log-dhcp", "--log-facility=-", "--dhcp-range=10.77.0.50,10.77.0.60,2m",
       "--dhcp-host=" + std::string(NamespacePair::kClientMac) + ",10.77.0.55,appliance-test",
       // GCP's shape: a host address whose gateway is outside its (empty) subnet.
       "--dhcp-option=option:netmask,255.255.255.255", "--dhcp-option=option:router,10.77.0.1",
       "--dhcp-option=option:dns-server,10.77.0.1,10.77.0.2",
       "--dhcp-option=option:domain-name,test.internal", "--dhcp-option=option:mtu,1400",
       "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100"},
      {},
      dir.path() / "dnsmasq.log",
      {}});

  const auto resolv = dir.path() / "resolv.conf";
  const auto table = dir.path() / "services.conf";
  std::ofstream(table) << "set network dhcp " << net.client_link() << "\nset resolv-conf "
                       << resolv.string() << "\n";
  // unshare --uts: the hostname init sets stays in the test's namespace.
  fixtures::Process init(fixtures::ProcessOptions{
      {"unshare", "--uts", "ip", "netns", "exec", net.client(),
       fixtures::project_binary("init").string(), "--services=" + table.string(), "--network"},
      {{"APPLIANCE_RUN_DIR", dir.path().string()}},
      dir.path() / "init.log",
      {}});

  ASSERT_TRUE(fixtures::wait_until(
      [&] { return init.log().find("\"event\":\"dhcp.lease_bound\"") != std::string::npos; }, 30s))
      << init.log() << "\n--- dnsmasq:\n"
      << server.log();
  const std::string log = init.log();
  EXPECT_NE(log.find("\"hostname\":\"appliance-test\""), std::string::npos) << log;

  const auto addresses =
      run({"ip", "-n", net.client(), "-4", "addr", "show", "dev", net.client_link()});
  EXPECT_NE(addresses.find("inet 10.77.0.55/32"), std::string::npos) << addresses;
  const auto link = run({"ip", "-n", net.client(), "link", "show", "dev", net.client_link()});
  EXPECT_NE(link.find("mtu 1400"), std::string::npos) << link;
  const auto routes = run({"ip", "-n", net.client(), "-4", "route", "show"});
  EXPECT_NE(routes.find("default via 10.77.0.1 dev " + net.client_link()), std::string::npos)
      << routes;
  EXPECT_NE(routes.find("10.77.0.1 dev " + net.client_link() + " proto dhcp scope link"),
            std::string::npos)
      << routes;
  std::ifstream resolv_file(resolv);
  std::stringstream resolv_text;
  resolv_text << resolv_file.rdbuf();
  EXPECT_EQ(resolv_text.str(),
            "# written by init from the DHCP lease\nsearch test.internal\n"
            "nameserver 10.77.0.1\nnameserver 10.77.0.2\n");
  // The routes work: the gateway answers through them.
  if (fixtures::find_program("ping")) {
    auto ping = fixtures::run_command(
        {"ip", "netns", "exec", net.client(), "ping", "-c", "1", "-W", "5", "10.77.0.1"}, 20s);
    EXPECT_EQ(ping.exit_code, 0) << ping.output;
  }
  // T1 is 3 s: the client renews by unicast and keeps its address.
  EXPECT_TRUE(fixtures::wait_until(
      [&] { return init.log().find("\"event\":\"dhcp.lease_renewed\"") != std::string::npos; }, 30s))
      << init.log() << "\n--- dnsmasq:\n"
      << server.log();

  init.stop(SIGTERM, 20s);
}

}  // namespace

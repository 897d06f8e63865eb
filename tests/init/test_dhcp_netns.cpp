// init's DHCP client across a veth pair between two network namespaces made
// by the test: against a real server (dnsmasq) handing out what GCP does (a
// /32 address, a gateway outside it, MTU, DNS, a domain and a hostname; T1
// short so that a renewal happens during the test), a lease that cannot be
// applied, and a flood of packets to port 68.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "fixtures/process.hpp"
#include "init/dhcp_client.hpp"
#include "init/net_config.hpp"

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

// dnsmasq in the server namespace, handing out what GCP does: a /32 address
// whose gateway is outside it, MTU, DNS, a domain and a hostname; T1 is 3 s.
fixtures::Process start_dhcp_server_process(const NamespacePair& net, const fixtures::TempDir& dir,
                                            const std::filesystem::path& dnsmasq) {
  return fixtures::Process(fixtures::ProcessOptions{
      {"ip",
       "netns",
       "exec",
       net.server(),
       dnsmasq.string(),
       "--no-daemon",
       "--conf-file=/dev/null",
       "--port=0",
       "--user=root",
       "--bind-interfaces",
       "--interface=" + net.server_link(),
       "--dhcp-leasefile=" + (dir.path() / "leases").string(),
       "--log-dhcp",
       "--log-facility=-",
       "--dhcp-range=10.77.0.50,10.77.0.60,2m",
       "--dhcp-host=" + std::string(NamespacePair::kClientMac) + ",10.77.0.55,appliance-test",
       "--dhcp-option=option:netmask,255.255.255.255",
       "--dhcp-option=option:router,10.77.0.1",
       "--dhcp-option=option:dns-server,10.77.0.1,10.77.0.2",
       "--dhcp-option=option:domain-name,test.internal",
       "--dhcp-option=option:mtu,1400",
       "--dhcp-option=option:T1,3",
       "--dhcp-option=option:T2,100"},
      {},
      dir.path() / "dnsmasq.log",
      {}});
}

// The real init in the client namespace, its network from DHCP; resolv.conf
// written to `resolv`. unshare --uts: the hostname it sets stays in there.
fixtures::Process start_init_process(const NamespacePair& net, const fixtures::TempDir& dir,
                                     const std::filesystem::path& resolv) {
  const auto table = dir.path() / "services.conf";
  std::ofstream(table) << "set network dhcp " << net.client_link() << "\nset resolv-conf "
                       << resolv.string() << "\n";
  return fixtures::Process(fixtures::ProcessOptions{
      {"unshare", "--uts", "ip", "netns", "exec", net.client(),
       fixtures::project_binary("init").string(), "--services=" + table.string(), "--network"},
      {{"APPLIANCE_RUN_DIR", dir.path().string()}},
      dir.path() / "init.log",
      {}});
}

bool logged(const fixtures::Process& process, const std::string& event) {
  return process.log().find("\"event\":\"" + event + "\"") != std::string::npos;
}

// Each test gets its own pair of namespaces and a directory; the tests that
// need a DHCP server start dnsmasq in the server's namespace.
class InitDhcp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0 || !fixtures::find_program("ip") || !fixtures::find_program("unshare")) {
      GTEST_SKIP() << "needs root, ip and unshare for network namespaces";
    }
    net_.emplace();
    ASSERT_TRUE(net_->error().empty()) << net_->error();
  }

  // false where the machine has no dnsmasq (the test then skips).
  bool start_dhcp_server() {
    const auto dnsmasq = fixtures::find_program("dnsmasq");
    if (dnsmasq) server_.emplace(start_dhcp_server_process(*net_, dir_, *dnsmasq));
    return dnsmasq.has_value();
  }
  fixtures::Process start_init() { return start_init_process(*net_, dir_, resolv_); }

  std::string client_addresses() const {
    return run({"ip", "-n", net_->client(), "-4", "addr", "show", "dev", net_->client_link()});
  }
  // Waits a little for 10.77.0.55 to leave the client's interface.
  bool address_gone() const {
    return fixtures::wait_until(
        [&] { return client_addresses().find("inet 10.77.0.55") == std::string::npos; }, 3s);
  }

  std::optional<NamespacePair> net_;
  fixtures::TempDir dir_;
  std::optional<fixtures::Process> server_;
  std::filesystem::path resolv_ = dir_.path() / "resolv.conf";
};

TEST_F(InitDhcp, ObtainsAppliesAndRenewsAGcpStyleLease) {
  if (!start_dhcp_server()) GTEST_SKIP() << "needs dnsmasq (Debian dnsmasq-base)";
  const NamespacePair& net = *net_;
  auto init = start_init();

  ASSERT_TRUE(fixtures::wait_until([&] { return logged(init, "dhcp.lease_bound"); }, 30s))
      << init.log() << "\n--- dnsmasq:\n"
      << server_->log();
  const std::string log = init.log();
  EXPECT_NE(log.find("\"hostname\":\"appliance-test\""), std::string::npos) << log;

  const auto addresses = client_addresses();
  EXPECT_NE(addresses.find("inet 10.77.0.55/32"), std::string::npos) << addresses;
  const auto link = run({"ip", "-n", net.client(), "link", "show", "dev", net.client_link()});
  EXPECT_NE(link.find("mtu 1400"), std::string::npos) << link;
  const auto routes = run({"ip", "-n", net.client(), "-4", "route", "show"});
  EXPECT_NE(routes.find("default via 10.77.0.1 dev " + net.client_link()), std::string::npos)
      << routes;
  EXPECT_NE(routes.find("10.77.0.1 dev " + net.client_link() + " proto dhcp scope link"),
            std::string::npos)
      << routes;
  std::ifstream resolv_file(resolv_);
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
  EXPECT_TRUE(fixtures::wait_until([&] { return logged(init, "dhcp.lease_renewed"); }, 30s))
      << init.log() << "\n--- dnsmasq:\n"
      << server_->log();

  init.stop(SIGTERM, 20s);
}

// A renewal whose lease cannot be applied (here: resolv.conf's path became a
// directory that rename cannot replace) leaves init without a lease it trusts:
// the address it no longer holds goes, rather than stay half-configured.
TEST_F(InitDhcp, ARenewalThatCannotBeAppliedGivesUpTheAddress) {
  if (!start_dhcp_server()) GTEST_SKIP() << "needs dnsmasq (Debian dnsmasq-base)";
  auto init = start_init();
  ASSERT_TRUE(fixtures::wait_until([&] { return logged(init, "dhcp.lease_bound"); }, 30s))
      << init.log();
  ASSERT_NE(client_addresses().find("inet 10.77.0.55/32"), std::string::npos);

  std::filesystem::remove(resolv_);
  std::filesystem::create_directories(resolv_ / "occupied");
  ASSERT_TRUE(fixtures::wait_until([&] { return logged(init, "dhcp.lease_not_applied"); }, 30s))
      << init.log();
  EXPECT_TRUE(address_gone()) << client_addresses() << "\n--- init:\n" << init.log();
  init.stop(SIGTERM, 20s);
}

// The same on a first lease: an address added by a lease that could not be
// applied in full is taken away again.
TEST_F(InitDhcp, AFirstLeaseThatCannotBeAppliedLeavesNoAddress) {
  if (!start_dhcp_server()) GTEST_SKIP() << "needs dnsmasq (Debian dnsmasq-base)";
  std::filesystem::create_directories(resolv_ / "occupied");
  auto init = start_init();
  ASSERT_TRUE(fixtures::wait_until([&] { return logged(init, "dhcp.lease_not_applied"); }, 30s))
      << init.log();
  EXPECT_TRUE(address_gone()) << client_addresses() << "\n--- init:\n" << init.log();
  EXPECT_FALSE(logged(init, "dhcp.lease_bound")) << init.log();
  init.stop(SIGTERM, 20s);
}

// This thread in a named network namespace (ip netns), back in its own at the end.
class InNamespace {
 public:
  explicit InNamespace(const std::string& name)
      : own_(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    const int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    entered_ = own_ >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) close(target);
  }
  ~InNamespace() {
    if (entered_) setns(own_, CLONE_NEWNET);
    if (own_ >= 0) close(own_);
  }
  InNamespace(const InNamespace&) = delete;
  InNamespace& operator=(const InNamespace&) = delete;
  bool entered() const { return entered_; }

 private:
  int own_;
  bool entered_ = false;
};

// Bytes queued on the packet sockets bound to `ifindex` in this thread's
// namespace (/proc/net/packet's Rmem column); nullopt if there is none.
std::optional<long> packet_socket_queue(int ifindex) {
  std::ifstream table("/proc/thread-self/net/packet");
  std::string line;
  std::getline(table, line);  // sk RefCnt Type Proto Iface R Rmem User Inode
  std::optional<long> queued;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string sk, refs, type, proto;
    int iface = 0, running = 0;
    long rmem = 0;
    fields >> sk >> refs >> type >> proto >> iface >> running >> rmem;
    if (fields && iface == ifindex) queued = queued.value_or(0) + rmem;
  }
  return queued;
}

// Anyone on the link can send UDP to port 68, and the client's packet socket
// sees all of it: one wake of the event loop reads a bounded number of
// packets and then yields, so that a flood cannot starve init's other work.
TEST_F(InitDhcp, TheClientReadsABoundedNumberOfPacketsPerWake) {
  const NamespacePair& net = *net_;
  int flood = -1;  // a UDP socket in the server's namespace, on its end of the pair
  {
    InNamespace server(net.server());
    ASSERT_TRUE(server.entered());
    flood = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ASSERT_EQ(setsockopt(flood, SOL_SOCKET, SO_BROADCAST, &on, sizeof on), 0);
    ASSERT_EQ(setsockopt(flood, SOL_SOCKET, SO_BINDTODEVICE, net.server_link().c_str(),
                         static_cast<socklen_t>(net.server_link().size())),
              0);
  }
  InNamespace client(net.client());
  ASSERT_TRUE(client.entered());
  auto interface = init::net::find_interface(net.client_link());
  ASSERT_TRUE(interface) << interface.error().message;
  boost::asio::io_context io;
  init::dhcp::Client dhcp(io, *interface, {.resolv_conf = "", .set_hostname = false}, nullptr);
  ASSERT_TRUE(dhcp.start()) << "the client could not start";
  ASSERT_EQ(packet_socket_queue(interface->index).value_or(-1), 0);

  constexpr int kFlood = 64;
  const std::vector<std::uint8_t> junk(300, 0xab);
  sockaddr_in everyone{};
  everyone.sin_family = AF_INET;
  everyone.sin_port = htons(68);
  everyone.sin_addr.s_addr = htonl(INADDR_BROADCAST);
  for (int i = 0; i < kFlood; ++i) {
    ASSERT_EQ(sendto(flood, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&everyone),
                     sizeof everyone),
              static_cast<ssize_t>(junk.size()))
        << std::strerror(errno);
  }
  close(flood);
  long queued = 0;
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        queued = packet_socket_queue(interface->index).value_or(0);
        return queued > 0 && queued % kFlood == 0;
      },
      2s))
      << "queued " << queued << " bytes";
  const long per_packet = queued / kFlood;

  bool other_work_ran = false;
  boost::asio::post(io, [&] { other_work_ran = true; });
  io.run_one();  // the posted handler
  io.run_one();  // one wake of the packet socket
  EXPECT_TRUE(other_work_ran);
  const long left = packet_socket_queue(interface->index).value_or(0);
  EXPECT_GT(left, 0) << "one wake read the whole queue";
  EXPECT_LE((queued - left) / per_packet, init::dhcp::Client::kMaxPacketsPerWake);
  EXPECT_TRUE(fixtures::wait_until(
      [&] {
        io.poll();
        return packet_socket_queue(interface->index).value_or(-1) == 0;
      },
      2s))
      << "the rest must be read on later wakes";
}

}  // namespace

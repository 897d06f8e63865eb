// The interface counter read as deltas (fake /proc/net/route and
// /sys/class/net trees), and the NV record's exact bytes.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "egressd/nv_record.hpp"
#include "egressd/tx_counter.hpp"
#include "fixtures/process.hpp"

namespace {

namespace fs = std::filesystem;

constexpr const char* kRouteHeader =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

class FakeNet {
 public:
  FakeNet() { routes("eth0\t0000FEA9\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"); }
  void routes(const std::string& lines) { std::ofstream(route_file()) << kRouteHeader << lines; }
  void tx(const std::string& interface, std::uint64_t value) {
    const auto dir = dir_.path() / "net" / interface / "statistics";
    fs::create_directories(dir);
    std::ofstream(dir / "tx_bytes") << value << "\n";
  }
  fs::path route_file() const { return dir_.path() / "route"; }
  egressd::TxPaths paths() const { return {route_file(), dir_.path() / "net"}; }

 private:
  fixtures::TempDir dir_;
};

const char* kDefaultVia = "ens4\t00000000\t01FEA9FE\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";

TEST(TxCounter, FindsTheDefaultRouteInterface) {
  FakeNet net;
  EXPECT_EQ(egressd::default_route_interface(net.route_file()).error().kind,
            common::Error::Kind::not_found);
  net.routes(std::string("eth0\t0000FEA9\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n") +
             kDefaultVia);
  EXPECT_EQ(egressd::default_route_interface(net.route_file()).value(), "ens4");
  // A default route that is not up does not count.
  net.routes("ens5\t00000000\t01FEA9FE\t0002\t0\t0\t0\t00000000\t0\t0\t0\n");
  EXPECT_FALSE(egressd::default_route_interface(net.route_file()));
}

TEST(TxCounter, CountsDeltasAndSurvivesACounterReset) {
  FakeNet net;
  net.routes(kDefaultVia);
  net.tx("ens4", 1000);
  egressd::TxCounter counter(net.paths(), "", "", 0);
  EXPECT_EQ(counter.delta().value(), 1000U) << "a new boot counts everything since boot";
  net.tx("ens4", 1500);
  EXPECT_EQ(counter.delta().value(), 500U);
  EXPECT_EQ(counter.delta().value(), 0U);
  net.tx("ens4", 200);  // the driver was reloaded: the counter restarted
  EXPECT_EQ(counter.delta().value(), 200U);
  EXPECT_EQ(counter.last_value(), 200U);
  EXPECT_EQ(counter.interface(), "ens4");
}

TEST(TxCounter, ResumesFromTheSavedValueWithinOneBoot) {
  FakeNet net;
  net.routes(kDefaultVia);
  net.tx("ens4", 5000);
  egressd::TxCounter counter(net.paths(), "", "ens4", 4200);
  EXPECT_EQ(counter.delta().value(), 800U);
}

TEST(TxCounter, WaitsForARouteAndHonoursAFixedInterface) {
  FakeNet net;
  net.tx("ens4", 300);
  egressd::TxCounter following(net.paths(), "", "", 0);
  EXPECT_FALSE(following.delta()) << "no default route yet";
  net.routes(kDefaultVia);
  EXPECT_EQ(following.delta().value(), 300U) << "nothing lost while waiting";
  net.tx("eth1", 70);
  egressd::TxCounter fixed(net.paths(), "eth1", "", 0);
  EXPECT_EQ(fixed.delta().value(), 70U);
  egressd::TxCounter hostile(net.paths(), "../../etc", "", 0);
  EXPECT_FALSE(hostile.delta());
}

TEST(NvRecord, ExactBytesAndRoundTrip) {
  egressd::NvRecord record;
  record.month = 2026 * 12 + 11;
  record.bytes = 0x0102030405060708ULL;
  for (std::size_t i = 0; i < record.boot_id.size(); ++i) record.boot_id[i] = 0xa0 + i;
  record.tx_at_write = 42;
  record.interface = "ens4";
  const auto bytes = egressd::encode(record);
  ASSERT_EQ(bytes.size(), egressd::kNvRecordSize);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "EGR1");
  const std::uint32_t month = 2026 * 12 + 11;
  EXPECT_EQ(bytes[4], month >> 24);
  EXPECT_EQ(bytes[7], month & 0xff);
  EXPECT_EQ(bytes[8], 0x01);
  EXPECT_EQ(bytes[15], 0x08);
  EXPECT_EQ(bytes[16], 0xa0);
  EXPECT_EQ(bytes[39], 42);
  EXPECT_EQ(std::string(bytes.begin() + 40, bytes.begin() + 44), "ens4");
  EXPECT_EQ(bytes[44], 0);
  auto decoded = egressd::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, record);
}

TEST(NvRecord, RejectsOtherContent) {
  EXPECT_FALSE(egressd::decode(std::vector<std::uint8_t>(egressd::kNvRecordSize, 0)));
  auto bytes = egressd::encode({});
  bytes.pop_back();
  EXPECT_FALSE(egressd::decode(bytes));
  egressd::NvRecord long_name;
  long_name.interface = std::string(40, 'x');
  auto decoded = egressd::decode(egressd::encode(long_name));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->interface, std::string(15, 'x')) << "IFNAMSIZ - 1, NUL-terminated";
}

TEST(NvRecord, ReadsTheKernelsBootId) {
  fixtures::TempDir dir;
  const auto file = dir.path() / "boot_id";
  std::ofstream(file) << "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n";
  auto id = egressd::current_boot_id(file.string());
  ASSERT_TRUE(id);
  EXPECT_EQ((*id)[0], 0x0f);
  EXPECT_EQ((*id)[15], 0xf0);
  std::ofstream(file, std::ios::trunc) << "not-a-uuid\n";
  EXPECT_FALSE(egressd::current_boot_id(file.string()));
  EXPECT_TRUE(egressd::current_boot_id());  // this machine's
}

}  // namespace

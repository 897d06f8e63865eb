// The month's count in a real TPM's NV (swtpm), and the enforcer around it:
// a restart within a boot and a reboot resume the count, a TPM restart keeps
// it, someone else's index is never touched, and a machine still over its
// cap asks for the power-off at once after a reboot.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "egressd/enforcer.hpp"
#include "egressd/nv_store.hpp"
#include "fixtures/process.hpp"
#include "fixtures/swtpm.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::uint32_t kIndex = egressd::kDefaultNvIndex;

egressd::NvRecord sample(std::uint64_t bytes) {
  egressd::NvRecord record;
  record.month = 2026 * 12 + 11;
  record.bytes = bytes;
  record.boot_id[0] = 7;
  record.tx_at_write = 1234;
  record.interface = "ens4";
  return record;
}

TEST(NvStore, AbsentThenSavedThenKeptAcrossATpmRestart) {
  fixtures::Swtpm tpm;
  egressd::NvStore store(tpm.tcti(), kIndex);
  auto empty = store.load();
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_FALSE(empty->has_value());

  ASSERT_TRUE(store.save(sample(100)));
  ASSERT_TRUE(store.save(sample(200)));  // defined once, written twice
  tpm.stop();
  EXPECT_EQ(store.load().error().kind, common::Error::Kind::environment);
  tpm.start();
  auto loaded = store.load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, sample(200));

  // The index as tpm2-tools sees it: ours, with the documented attributes.
  auto pub = tpm.tpm2("nvreadpublic", {"0x01001500"});
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  EXPECT_NE(pub.output.find("authwrite"), std::string::npos) << pub.output;
  EXPECT_NE(pub.output.find("authread"), std::string::npos) << pub.output;
  EXPECT_NE(pub.output.find("no_da"), std::string::npos) << pub.output;
  EXPECT_NE(pub.output.find("size: 56"), std::string::npos) << pub.output;
}

TEST(NvStore, NeverTouchesSomeoneElsesIndex) {
  fixtures::Swtpm tpm;
  auto defined = tpm.tpm2("nvdefine", {"0x01001500", "-C", "o", "-s", "8", "-a",
                                       "ownerread|ownerwrite|authread|authwrite"});
  ASSERT_EQ(defined.exit_code, 0) << defined.output;
  auto written = tpm.tpm2("nvwrite", {"0x01001500", "-C", "o", "-i", "-"}, "ABCDEFGH");
  ASSERT_EQ(written.exit_code, 0) << written.output;
  egressd::NvStore store(tpm.tcti(), kIndex);
  EXPECT_EQ(store.load().error().kind, common::Error::Kind::permission);
  EXPECT_EQ(store.save(sample(1)).error().kind, common::Error::Kind::permission);
  auto read = tpm.tpm2("nvread", {"0x01001500", "-C", "o", "-s", "8"});
  EXPECT_EQ(read.output.substr(0, 8), "ABCDEFGH");
}

// One appliance boot as the enforcer sees it: its boot id, its interface
// counter, a clock and init's power-off, all under the test's control.
struct Machine {
  fixtures::TempDir dir;
  std::chrono::sys_seconds now =
      std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + std::chrono::hours{19};
  int power_offs = 0;

  Machine() { boot("11111111-2222-3333-4444-555555555555"); }
  void boot(const std::string& id) {
    std::ofstream(dir.path() / "boot_id", std::ios::trunc) << id << "\n";
    std::ofstream(dir.path() / "route", std::ios::trunc)
        << "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
        << "ens4\t00000000\t01FEA9FE\t0003\t0\t0\t0\t00000000\n";
    sent(0);
  }
  void sent(std::uint64_t tx_bytes) {
    fs::create_directories(dir.path() / "net/ens4/statistics");
    std::ofstream(dir.path() / "net/ens4/statistics/tx_bytes", std::ios::trunc) << tx_bytes;
  }
  std::unique_ptr<egressd::Enforcer> enforcer(boost::asio::io_context& io,
                                              const std::string& tcti) {
    egressd::EnforcerOptions options;
    options.poll = 100ms;
    options.paths = {dir.path() / "route", dir.path() / "net"};
    options.boot_id_path = (dir.path() / "boot_id").string();
    return std::make_unique<egressd::Enforcer>(
        io, options, std::make_unique<egressd::NvStore>(tcti, kIndex),
        [this]() -> common::Status {
          ++power_offs;
          return {};
        },
        [this] { return now; });
  }
};

// Runs the io_context until `done` or a deadline.
template <class Predicate>
bool run_until(boost::asio::io_context& io, Predicate done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(50ms);
  }
  return done();
}

common::config::Values cap(std::uint64_t bytes) {
  return {{"egress_cap_bytes", std::to_string(bytes)}};
}

TEST(Enforcer, ResumesAcrossARestartAndARebootAndPowersOffAtTheCap) {
  fixtures::Swtpm tpm;
  Machine machine;
  {
    boost::asio::io_context io;
    auto enforcer = machine.enforcer(io, tpm.tcti());
    enforcer->on_config(cap(10000));
    enforcer->start();
    machine.sent(3000);
    ASSERT_TRUE(run_until(io, [&] { return enforcer->status().to_json().value("bytes", 0) == 3000; }));
    EXPECT_EQ(enforcer->status().state, "under");
    EXPECT_EQ(enforcer->status().persisted, true) << "the first count after start is written";
    machine.sent(4000);
    ASSERT_TRUE(run_until(io, [&] { return enforcer->status().to_json().value("bytes", 0) == 4000; }));
    enforcer->stop();  // SIGTERM: the last bytes are written
  }
  {
    // init restarted egressd within the same boot: the counter is not recounted.
    boost::asio::io_context io;
    auto enforcer = machine.enforcer(io, tpm.tcti());
    enforcer->on_config(cap(10000));
    enforcer->start();
    machine.sent(8500);
    ASSERT_TRUE(run_until(io, [&] { return enforcer->status().to_json().value("bytes", 0) == 8500; }))
        << enforcer->status().to_json().dump();
    EXPECT_EQ(enforcer->status().state, "warning");
    EXPECT_EQ(machine.power_offs, 0);
    machine.sent(10500);
    ASSERT_TRUE(run_until(io, [&] { return machine.power_offs == 1; }));
    EXPECT_EQ(enforcer->status().state, "over");
    io.restart();
    io.run_for(300ms);
    EXPECT_EQ(machine.power_offs, 1) << "asked once";
    enforcer->stop();
  }
  tpm.stop();  // the machine is off; its vTPM keeps NV
  tpm.start();
  {
    // Booted again in the same month: the interface counter starts at 0, the
    // month's count comes from NV and is still over: power-off at once.
    machine.boot("66666666-7777-8888-9999-aaaaaaaaaaaa");
    machine.sent(600);
    boost::asio::io_context io;
    auto enforcer = machine.enforcer(io, tpm.tcti());
    enforcer->on_config(cap(10000));
    enforcer->start();
    ASSERT_TRUE(run_until(io, [&] { return machine.power_offs == 2; }));
    EXPECT_EQ(enforcer->status().bytes, std::optional<std::int64_t>(11100));
    enforcer->stop();
  }
  {
    // The next month: counted from zero, under the cap again.
    machine.now += std::chrono::days(31);
    machine.boot("bbbbbbbb-cccc-dddd-eeee-ffffffffffff");
    machine.sent(50);
    boost::asio::io_context io;
    auto enforcer = machine.enforcer(io, tpm.tcti());
    enforcer->on_config(cap(10000));
    enforcer->start();
    ASSERT_TRUE(run_until(io, [&] { return enforcer->status().to_json().value("month", "") == "2027-01"; }));
    EXPECT_EQ(enforcer->status().bytes, std::optional<std::int64_t>(50));
    EXPECT_EQ(enforcer->status().state, "under");
    EXPECT_EQ(machine.power_offs, 2);
    enforcer->stop();
  }
  auto saved = egressd::NvStore(tpm.tcti(), kIndex).load();
  ASSERT_TRUE(saved && saved->has_value());
  EXPECT_EQ((*saved)->bytes, 50U);
  EXPECT_EQ(egressd::month_name((*saved)->month), "2027-01");
}

TEST(Enforcer, WaitsForTheTpmBeforeCountingAndLosesNothing) {
  fixtures::Swtpm tpm;
  Machine machine;
  tpm.stop();
  boost::asio::io_context io;
  auto enforcer = machine.enforcer(io, tpm.tcti());
  enforcer->start();
  machine.sent(700);
  io.run_for(300ms);
  EXPECT_EQ(enforcer->status().state, "restoring");
  tpm.start();
  ASSERT_TRUE(run_until(
      io, [&] { return enforcer->status().to_json().value("bytes", 0) == 700; }, 30s))
      << enforcer->status().to_json().dump();
  EXPECT_EQ(enforcer->status().state, "uncapped");
  EXPECT_EQ(enforcer->status().persisted, true);
}

TEST(Enforcer, AsksAgainUntilInitAcceptsThePowerOffThenNeverAgain) {
  Machine machine;
  int refused = 0;
  int accepted = 0;
  boost::asio::io_context io;
  egressd::EnforcerOptions options;
  options.poll = 50ms;
  options.paths = {machine.dir.path() / "route", machine.dir.path() / "net"};
  options.boot_id_path = (machine.dir.path() / "boot_id").string();
  egressd::Enforcer enforcer(
      io, options, /*store=*/nullptr,
      [&]() -> common::Status {
        if (refused < 3) {
          ++refused;
          return common::fail(common::Error::Kind::environment, "init is not answering");
        }
        ++accepted;
        return {};
      },
      [&] { return machine.now; });
  enforcer.on_config(cap(1000));
  enforcer.start();
  machine.sent(5000);
  ASSERT_TRUE(run_until(io, [&] { return accepted == 1; }));
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(enforcer.status().persisted, false) << "no TPM: nothing persisted";
}

}  // namespace

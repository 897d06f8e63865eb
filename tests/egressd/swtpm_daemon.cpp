// The egressd binary as init runs it, with stand-ins for its two peers on
// real IPC sockets (attestd's config.get, init's poweroff), a real swtpm and
// a fake interface counter: egress.status answers, the cap is announced as
// an ERROR and init is asked to power off once, SIGTERM writes the count to
// NV, and a bad command line is exit 100.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/ipc_server.hpp"
#include "egressd/nv_store.hpp"
#include "fixtures/process.hpp"
#include "fixtures/swtpm.hpp"

namespace {

using namespace std::chrono_literals;
namespace contract = common::contract;
namespace fs = std::filesystem;

// attestd (config.get) and init (poweroff), served from one thread.
class Peers {
 public:
  Peers(const fs::path& run_dir, common::json config) {
    fs::create_directories(run_dir / "attestd");
    fs::create_directories(run_dir / "init");
    fs::create_directories(run_dir / "egressd");
    std::promise<void> listening;
    boost::asio::post(io_, [&] {
      common::ipc::ServerOptions options;
      options.allowed_uids = {getuid()};
      const auto at = [&](std::string_view socket) { return (run_dir / socket).string(); };
      attestd_ = common::ipc::Server::listen(io_, at(contract::attestd::socket), options).value();
      attestd_->on(
          std::string(contract::attestd::config_get),
          [config](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
            return config;
          });
      init_ = common::ipc::Server::listen(io_, at(contract::init::socket), options).value();
      init_->on(
          std::string(contract::init::poweroff),
          [this](const common::json&, const common::ipc::Peer&) -> common::Result<common::json> {
            ++power_offs;
            return common::json::object();
          });
      listening.set_value();
    });
    thread_ = std::thread([this] { io_.run(); });
    listening.get_future().wait();
  }
  ~Peers() {
    boost::asio::post(io_, [this] {
      attestd_->close();
      init_->close();
      work_.reset();
    });
    thread_.join();
  }
  std::atomic<int> power_offs = 0;

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<common::ipc::Server> attestd_;
  std::unique_ptr<common::ipc::Server> init_;
  std::thread thread_;
};

// A number field, or -1 (absent, null before the configuration arrives).
long long number(const common::json& object, const char* key) {
  return object.contains(key) && object[key].is_number() ? object[key].get<long long>() : -1;
}

class EgressdDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "route") << "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\t"
                                            "Metric\tMask\n"
                                         << "ens4\t00000000\t01FEA9FE\t0003\t0\t0\t0\t00000000\n";
    sent(1000);
  }
  void sent(std::uint64_t bytes) {
    fs::create_directories(dir_.path() / "net/ens4/statistics");
    std::ofstream(dir_.path() / "net/ens4/statistics/tx_bytes", std::ios::trunc) << bytes;
  }
  fixtures::Process start(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {fixtures::project_binary("egressd").string(),
                                     "--tcti=" + tpm_.tcti(), "--poll-ms=100",
                                     "--sys-class-net=" + (dir_.path() / "net").string(),
                                     "--proc-net-route=" + (dir_.path() / "route").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return fixtures::Process(
        {argv, {{"APPLIANCE_RUN_DIR", dir_.path().string()}}, dir_.path() / "egressd.log", {}});
  }
  common::json status() {
    auto client =
        common::ipc::Client::connect((dir_.path() / contract::egressd::socket).string(), 2s);
    if (!client) return nullptr;
    auto answer = client->call(contract::egressd::status);
    return answer ? *answer : common::json();
  }

  fixtures::TempDir dir_;
  fixtures::Swtpm tpm_;
};

TEST_F(EgressdDaemon, ServesStatusPowersOffAtTheCapAndSavesOnStop) {
  Peers peers(dir_.path(), {{"config", {{"egress_cap_bytes", "10000"}}}});
  auto egressd = start();
  common::json answer;
  ASSERT_TRUE(fixtures::wait_until(
      [&] {
        answer = status();
        return answer.is_object() && number(answer, "bytes") == 1000 &&
               number(answer, "cap_bytes") == 10000 && answer.value("persisted", false);
      },
      20s))
      << answer.dump() << "\n"
      << egressd.log();
  EXPECT_EQ(answer["state"], "under");
  EXPECT_EQ(answer["interface"], "ens4");
  EXPECT_EQ(answer["nv_index"], "0x01001500");

  sent(12000);
  ASSERT_TRUE(fixtures::wait_until([&] { return peers.power_offs.load() == 1; }, 20s))
      << egressd.log();
  EXPECT_NE(egressd.log().find(
                R"("severity":"ERROR","component":"egressd","event":"egress.cap_reached")"),
            std::string::npos)
      << egressd.log();
  EXPECT_EQ(status()["state"], "over");
  // Counted but not written yet (10 minutes between routine writes)...
  sent(12500);
  ASSERT_TRUE(fixtures::wait_until([&] { return number(status(), "bytes") == 12500; }, 20s));
  // ...until the orderly stop.
  const int exit = egressd.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << egressd.log();
  EXPECT_EQ(peers.power_offs.load(), 1) << "asked once";
  auto saved = egressd::NvStore(tpm_.tcti(), egressd::kDefaultNvIndex).load();
  ASSERT_TRUE(saved && saved->has_value()) << egressd.log();
  EXPECT_EQ((*saved)->bytes, 12500U);
}

TEST_F(EgressdDaemon, BadCommandLineIsExit100) {
  for (const std::string flag : {"--frobnicate", "--nv-index=0x01c10000", "--poll-ms=5"}) {
    auto egressd = start({flag});
    auto exit = egressd.wait_exit(20s);
    ASSERT_TRUE(exit) << flag;
    EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 100) << flag << "\n" << egressd.log();
  }
}

}  // namespace

#include "init/service_table.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

constexpr const char* kTable = R"(# a comment
set modules /lib/modules.list
set network dhcp eth1
set on-failure reboot
set resolv-conf /run/resolv.conf

service db
  exec /bin/db --flag="two words"
  ready notify

service web
  exec /bin/web
  user www
  group www-data
  env A=1 B=two
  pass GCE_METADATA_HOST
  after db
  restart on-failure
  backoff 250ms 8s
  stable 1m
  stop SIGINT 3s
  socket http tcp 0.0.0.0:80
  socket https tcp [::]:443
  grant /dev/tpmrm0 rw
  copy /sys/a /run/web/a
  rundir web
)";

TEST(ServiceTable, ParsesEverySetting) {
  auto table = init::parse_service_table(kTable, "services.conf");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->settings.modules_file, "/lib/modules.list");
  EXPECT_EQ(table->settings.network.mode, init::NetworkPolicy::Mode::dhcp);
  EXPECT_EQ(table->settings.network.interface, "eth1");
  EXPECT_EQ(table->settings.on_failure, init::FailurePolicy::reboot);
  EXPECT_EQ(table->settings.resolv_conf, "/run/resolv.conf");
  ASSERT_EQ(table->services.size(), 2U);
  const auto& db = table->services[0];
  EXPECT_EQ(db.name, "db");
  EXPECT_EQ(db.argv, (std::vector<std::string>{"/bin/db", "--flag=two words"}));
  EXPECT_EQ(db.readiness, init::Readiness::notify);
  EXPECT_EQ(db.restart, init::RestartPolicy::always);
  const auto& web = table->services[1];
  EXPECT_EQ(web.user, "www");
  EXPECT_EQ(web.group, "www-data");
  EXPECT_EQ(web.environment, (std::vector<std::string>{"A=1", "B=two"}));
  EXPECT_EQ(web.pass, (std::vector<std::string>{"GCE_METADATA_HOST"}));
  EXPECT_EQ(web.after, (std::vector<std::string>{"db"}));
  EXPECT_EQ(web.restart, init::RestartPolicy::on_failure);
  EXPECT_EQ(web.backoff_initial, 250ms);
  EXPECT_EQ(web.backoff_max, 8s);
  EXPECT_EQ(web.stable, 60s);
  EXPECT_EQ(web.stop_signal, 2);
  EXPECT_EQ(web.stop_timeout, 3s);
  ASSERT_EQ(web.sockets.size(), 2U);
  EXPECT_EQ(web.sockets[0].name, "http");
  EXPECT_EQ(web.sockets[0].host, "0.0.0.0");
  EXPECT_EQ(web.sockets[0].port, 80);
  EXPECT_EQ(web.sockets[1].host, "[::]");
  EXPECT_EQ(web.sockets[1].port, 443);
  ASSERT_EQ(web.grants.size(), 1U);
  EXPECT_TRUE(web.grants[0].write);
  ASSERT_EQ(web.copies.size(), 1U);
  EXPECT_EQ(web.copies[0].destination, "/run/web/a");
  EXPECT_EQ(web.run_dirs, (std::vector<std::string>{"web"}));
}

TEST(ServiceTable, OrdersDependenciesFirst) {
  auto table = init::parse_service_table(
      "service c\n exec /c\n after b\nservice b\n exec /b\n after a\nservice a\n exec /a\n", "t");
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->services.size(), 3U);
  EXPECT_EQ(table->services[0].name, "a");
  EXPECT_EQ(table->services[1].name, "b");
  EXPECT_EQ(table->services[2].name, "c");
}

struct BadTable {
  const char* text;
  const char* expected;  // the whole message must start with this
};

class ServiceTableErrors : public ::testing::TestWithParam<BadTable> {};

TEST_P(ServiceTableErrors, NameTheLineAndTheReason) {
  auto table = init::parse_service_table(GetParam().text, "services.conf");
  ASSERT_FALSE(table) << GetParam().text;
  EXPECT_EQ(table.error().kind, common::Error::Kind::invalid_input);
  EXPECT_EQ(table.error().message.rfind(GetParam().expected, 0), 0U)
      << "got: " << table.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServiceTableErrors,
    ::testing::Values(
        BadTable{"service a\n exec /a\n exce /b\n", "services.conf:3: unknown keyword 'exce'"},
        BadTable{"exec /a\n", "services.conf:1: 'exec' outside a service block"},
        BadTable{"service a\n user x\n", "services.conf:1: service 'a' has no exec line"},
        BadTable{"service a\n exec a\n", "services.conf:2: exec program must be an absolute path"},
        BadTable{"service a\n exec /a\n after b\n",
                 "services.conf:1: service 'a' is after unknown service 'b'"},
        BadTable{"service a\n exec /a\n after b\nservice b\n exec /b\n after a\n",
                 "services.conf:1: dependency cycle"},
        BadTable{"service a\n exec /a\n backoff 1x 2s\n", "services.conf:3: invalid duration '1x'"},
        BadTable{"service a\n exec /a\n backoff 2s 1s\n", "services.conf:3: backoff wants"},
        BadTable{"service a\n exec /a\n stop SIGNOPE 1s\n", "services.conf:3: unknown signal"},
        BadTable{"service a\n exec /a\n socket x tcp 1.2.3.4\n",
                 "services.conf:3: socket address must be HOST:PORT"},
        BadTable{"service a\n exec /a\n socket x tcp 1.2.3.4:70000\n",
                 "services.conf:3: invalid port"},
        BadTable{"service a\n exec /a \"open\n", "services.conf:2: unterminated quote"},
        BadTable{"service a\n exec /a\nservice a\n exec /a\n",
                 "services.conf:3: service 'a' defined twice"},
        BadTable{"service A!\n", "services.conf:1: service wants one name"},
        BadTable{"set network maybe\n", "services.conf:1: network wants"},
        BadTable{"set on-failure explode\n", "services.conf:1: on-failure wants"},
        BadTable{"service a\n exec /a\n env NOEQUALS\n", "services.conf:3: env wants KEY=VALUE"},
        BadTable{"service a\n exec /a\n grant /dev/x rwx\n", "services.conf:3: grant wants"},
        BadTable{"service a\n exec /a\n ready maybe\n", "services.conf:3: ready wants"},
        BadTable{"service a\n exec /a\n ready notify 0s\n",
                 "services.conf:3: ready notify wants TIMEOUT > 0"},
        BadTable{"service a\n exec /a\n ready none 5s\n", "services.conf:3: ready wants"}));

// Found by tests/fuzz (service_table): a line of only \v or \f has no
// words, and used to be read as if it had a keyword.
TEST(ServiceTable, LinesOfOtherBlanksAreBlank) {
  auto table = init::parse_service_table("\v\nservice a\n\f \n  exec /bin/a\n", "t.conf");
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->services.size(), 1u);
  EXPECT_EQ(table->services[0].argv, std::vector<std::string>{"/bin/a"});
}

// Found by tests/fuzz (service_table): 8198552921648689606s overflowed.
TEST(ServiceTable, DurationsBeyondAYearAreRefused) {
  auto table = init::parse_service_table(
      "service a\n  exec /bin/a\n  stable 8198552921648689606s\n", "t.conf");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().message.find("t.conf:3: duration"), std::string::npos)
      << table.error().message;
  EXPECT_TRUE(init::parse_service_table("service a\n  exec /bin/a\n  stable 525600m\n", "t.conf"));
}

TEST(ServiceTable, ReadyNotifyTakesAnOptionalTimeout) {
  auto table = init::parse_service_table(
      "service a\n exec /a\n ready notify 90s\nservice b\n exec /b\n ready notify\n",
      "services.conf");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->services[0].readiness, init::Readiness::notify);
  EXPECT_EQ(table->services[0].ready_timeout, 90s);
  EXPECT_EQ(table->services[1].ready_timeout, 0ms);  // waits forever
}

TEST(ServiceTable, TheImagesTableIsValid) {
  auto table = init::load_service_table(INIT_SOURCE_DIR "/services.conf");
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->services.size(), 4U);
  EXPECT_EQ(table->services[0].name, "attestd");  // the others are after it
  for (const auto& service : table->services) {
    EXPECT_EQ(service.user, service.name);
    EXPECT_EQ(service.readiness, init::Readiness::notify);
    if (service.name == "egressd") {
      // No port; the TPM through attestd's group, never a grant of its own.
      EXPECT_TRUE(service.sockets.empty());
      EXPECT_EQ(service.group, "attestd");
      EXPECT_TRUE(service.grants.empty());
      continue;
    }
    ASSERT_EQ(service.sockets.size(), 1U);
  }
}

TEST(ServiceTable, SignalNames) {
  EXPECT_EQ(init::parse_signal("SIGTERM"), 15);
  EXPECT_EQ(init::parse_signal("HUP"), 1);
  EXPECT_EQ(init::parse_signal("9"), 9);
  EXPECT_EQ(init::parse_signal("SIGBOGUS"), 0);
  EXPECT_EQ(init::parse_signal("0"), 0);
}

}  // namespace

// What the firmware log must say about the boot: PCR 4's applications after
// the separator are exactly the build's, PCR 9/11 hold the build's events,
// and PCR 7 tells the Secure Boot state.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "attestd/verify/boot_events.hpp"
#include "attestd/verify/event_log.hpp"

namespace {

namespace crypto = common::crypto;
using attest::TcgEvent;

TcgEvent event(std::uint32_t pcr, std::uint32_t type, const std::string& data) {
  return TcgEvent{pcr, type, {{attest::kTpmAlgSha256, crypto::sha256(data)}}, data};
}

TcgEvent separator(std::uint32_t pcr) {
  return event(pcr, attest::kEvSeparator, std::string(4, '\0'));
}
TcgEvent application(const std::string& image) {
  return event(4, attest::kEvEfiBootServicesApplication, image);
}

attest::TcgEventLog log_of(std::vector<TcgEvent> events) {
  return attest::TcgEventLog{{{attest::kTpmAlgSha256, 32}}, std::move(events)};
}

const std::vector<std::string> kBuild = {crypto::sha256("uki"), crypto::sha256("kernel")};

TEST(BootApplications, ExactlyTheBuildsUkiAndKernelAfterTheSeparator) {
  auto genuine = log_of({event(4, attest::kEvEfiAction, "Calling EFI Application from Boot Option"),
                         separator(4), application("uki"), application("kernel")});
  EXPECT_TRUE(attest::check_boot_applications(genuine, kBuild));
}

TEST(BootApplications, AnExtraMissingReorderedOrOtherApplicationFailsNamingPcr4) {
  const std::vector<std::pair<std::string, std::vector<TcgEvent>>> cases = {
      {"extra", {separator(4), application("uki"), application("kernel"), application("shell")}},
      {"missing kernel", {separator(4), application("uki")}},
      {"missing both", {separator(4)}},
      {"reordered", {separator(4), application("kernel"), application("uki")}},
      {"another UKI", {separator(4), application("other uki"), application("kernel")}},
      {"no separator", {application("uki"), application("kernel")}},
      {"two separators", {separator(4), application("uki"), separator(4), application("kernel")}},
      {"a driver after the separator",
       {separator(4), application("uki"), event(4, 0x80000004, "driver"), application("kernel")}},
  };
  for (const auto& [what, events] : cases) {
    auto status = attest::check_boot_applications(log_of(events), kBuild);
    ASSERT_FALSE(status) << what;
    EXPECT_NE(status.error().message.find("PCR 4"), std::string::npos) << what;
  }
}

TEST(BootApplications, ApplicationsBeforeTheSeparatorAreTheFirmwaresOwn) {
  auto log = log_of({application("firmware's own setup app"), separator(4), application("uki"),
                     application("kernel")});
  EXPECT_TRUE(attest::check_boot_applications(log, kBuild));
}

TEST(PcrEvents, MustBeTheBuildsInOrder) {
  auto log = log_of({event(9, 13, "cmdline"), event(9, 13, "initrd"), event(11, 13, ".linux")});
  EXPECT_TRUE(
      attest::check_pcr_events(log, 9, {crypto::sha256("cmdline"), crypto::sha256("initrd")}));
  EXPECT_FALSE(
      attest::check_pcr_events(log, 9, {crypto::sha256("initrd"), crypto::sha256("cmdline")}));
  EXPECT_FALSE(attest::check_pcr_events(log, 9, {crypto::sha256("cmdline")}));
  EXPECT_FALSE(attest::check_pcr_events(log, 11, {}));
}

std::string secure_boot_data(std::string value, std::string name = "SecureBoot") {
  std::string data = *crypto::unhex("61dfe48bca93d211aa0d00e098032b8c");
  auto le64 = [](std::uint64_t v) {
    std::string out;
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  data += le64(name.size()) + le64(value.size());
  for (char c : name) data += std::string{c, '\0'};
  return data + value;
}

TEST(SecureBoot, ReadFromTheSecureBootVariableEventInPcr7) {
  auto on = attest::secure_boot_state(
      log_of({event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data("\x01"))}));
  EXPECT_EQ(on.enabled, true);
  auto off = attest::secure_boot_state(log_of(
      {event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data(std::string(1, '\0')))}));
  EXPECT_EQ(off.enabled, false);
  auto absent = attest::secure_boot_state(
      log_of({event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data(""))}));
  EXPECT_EQ(absent.enabled, false);
  // Another variable (PK) says nothing about it.
  auto other = attest::secure_boot_state(
      log_of({event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data("\x01", "PK"))}));
  EXPECT_FALSE(other.enabled.has_value());
  // Data that is not what the digest covers proves nothing.
  auto forged = event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data("\x01"));
  forged.digests[attest::kTpmAlgSha256] = crypto::sha256(secure_boot_data(std::string(1, '\0')));
  EXPECT_FALSE(attest::secure_boot_state(log_of({forged})).enabled.has_value());
  // Truncated data.
  auto truncated =
      event(7, attest::kEvEfiVariableDriverConfig, secure_boot_data("\x01").substr(0, 40));
  EXPECT_FALSE(attest::secure_boot_state(log_of({truncated})).enabled.has_value());
}

}  // namespace

// The TCG2 crypto-agile event log parser and replay, on logs built here.
#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "attestd/verify/event_log.hpp"

namespace {

using attest::TcgEvent;
namespace crypto = common::crypto;

TcgEvent event(std::uint32_t pcr, std::uint32_t type, const std::string& data) {
  return TcgEvent{pcr, type, {{attest::kTpmAlgSha256, crypto::sha256(data)}}, data};
}

std::string extend(const std::string& pcr, const std::string& data) {
  return crypto::sha256(pcr + crypto::sha256(data));
}

TEST(EventLog, ParsesAndReplaysItsOwnLog) {
  std::vector<TcgEvent> events = {event(0, 0x80000008, "firmware"), event(4, 0x80000003, "app"),
                                  event(4, 0x80000003, "kernel"), event(7, 0x800000e0, "sb")};
  auto log = attest::parse_tcg_event_log(attest::write_tcg_event_log_sha256(events));
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ(log->events.size(), 4u);
  EXPECT_EQ(log->events[1].data, "app");
  auto replay = attest::replay_sha256(*log);
  ASSERT_TRUE(replay);
  const std::string zero(32, '\0');
  EXPECT_EQ(replay->at(0), extend(zero, "firmware"));
  EXPECT_EQ(replay->at(4), extend(extend(zero, "app"), "kernel"));
  EXPECT_EQ(replay->at(7), extend(zero, "sb"));
  EXPECT_FALSE(replay->contains(1));
}

TEST(EventLog, NoActionEventsAreNotExtendedButStartupLocalitySetsPcr0) {
  std::string locality("StartupLocality\0\x03", 17);
  std::vector<TcgEvent> events = {
      TcgEvent{0, attest::kEvNoAction, {{attest::kTpmAlgSha256, std::string(32, '\0')}}, locality},
      event(0, 0x80000008, "crtm")};
  auto log = attest::parse_tcg_event_log(attest::write_tcg_event_log_sha256(events));
  ASSERT_TRUE(log);
  auto replay = attest::replay_sha256(*log);
  ASSERT_TRUE(replay);
  std::string initial(32, '\0');
  initial[31] = 3;
  EXPECT_EQ(replay->at(0), extend(initial, "crtm"));
}

TEST(EventLog, ToleratesTrailingPadding) {
  std::string bytes = attest::write_tcg_event_log_sha256({event(1, 1, "x")});
  EXPECT_TRUE(attest::parse_tcg_event_log(bytes + std::string(64, '\0')));
  EXPECT_TRUE(attest::parse_tcg_event_log(bytes + std::string(64, '\xff')));
}

TEST(EventLog, EveryTruncationIsAnErrorNotACrash) {
  std::string bytes =
      attest::write_tcg_event_log_sha256({event(1, 1, "abc"), event(2, 5, "defgh")});
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    auto log = attest::parse_tcg_event_log(bytes.substr(0, length));
    // A cut exactly at an event boundary is a shorter valid log; anything
    // else must be refused.
    if (log) {
      EXPECT_LT(log->events.size(), 2u) << "length " << length;
    } else {
      EXPECT_EQ(log.error().kind, common::Error::Kind::invalid_input);
    }
  }
}

TEST(EventLog, RejectsLogsThatAreNotCryptoAgileSha256) {
  std::string bytes = attest::write_tcg_event_log_sha256({event(1, 1, "abc")});
  std::string bad_signature = bytes;
  bad_signature[32] = 'X';  // inside "Spec ID Event03"
  EXPECT_FALSE(attest::parse_tcg_event_log(bad_signature));
  std::string not_no_action = bytes;
  not_no_action[4] = 1;  // first event type
  EXPECT_FALSE(attest::parse_tcg_event_log(not_no_action));
  EXPECT_FALSE(attest::parse_tcg_event_log(""));
  EXPECT_FALSE(attest::parse_tcg_event_log(std::string(200, 'A')));
}

TEST(EventLog, RejectsBadPcrIndexAndUndeclaredAlgorithm) {
  auto bad_pcr = attest::write_tcg_event_log_sha256({event(24, 1, "abc")});
  auto r = attest::parse_tcg_event_log(bad_pcr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("PCR index"), std::string::npos);
  TcgEvent sha1_only{1, 1, {{0x0004, std::string(20, 'a')}}, "x"};
  EXPECT_FALSE(attest::parse_tcg_event_log(attest::write_tcg_event_log_sha256({sha1_only})));
}

TEST(EventLog, FlippedByteChangesTheReplay) {
  std::string bytes = attest::write_tcg_event_log_sha256({event(9, 1, "kernel cmdline")});
  auto good = attest::replay_sha256(*attest::parse_tcg_event_log(bytes));
  bytes[bytes.size() - 20] ^= 1;  // inside the digest of the event
  auto log = attest::parse_tcg_event_log(bytes);
  ASSERT_TRUE(log);
  EXPECT_NE(attest::replay_sha256(*log)->at(9), good->at(9));
}

}  // namespace

namespace {

// Every single-byte corruption of a valid log is parsed or refused, never
// read out of bounds (run under ASan in the sanitizer build).
TEST(EventLog, SingleByteCorruptionsNeverCrash) {
  std::vector<TcgEvent> events = {event(0, 8, "a"), event(4, 0x80000003, "bb"),
                                  event(7, 0x800000e0, std::string(40, 'c'))};
  const std::string good = attest::write_tcg_event_log_sha256(events);
  int parsed = 0, refused = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(value);
      auto log = attest::parse_tcg_event_log(bad);
      if (log) {
        ++parsed;
        (void)attest::replay_sha256(*log);
      } else {
        ++refused;
      }
    }
  }
  // Digest and data bytes may change freely; sizes, counts and the header may not.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace

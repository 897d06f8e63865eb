// The frame codec on its own: length prefix, split input, limits.
#include <gtest/gtest.h>

#include "common/ipc_frame.hpp"
#include "ipc_test_support.hpp"

namespace {

using common::json;
namespace ipc = common::ipc;

TEST(IpcFrame, EncodesBigEndianLengthThenJson) {
  auto frame = ipc::encode_frame(json{{"a", 1}});
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, ipc_test::header(7) + R"({"a":1})");
  EXPECT_EQ(ipc::decode_length(reinterpret_cast<const unsigned char*>("\x01\x02\x03\x04")),
            0x01020304U);
}

TEST(IpcFrame, DecodesFramesFedOneByteAtATime) {
  std::string stream = ipc::encode_frame(ipc::make_request(1, "a", json::object())).value() +
                       ipc::encode_frame(ipc::make_event("e", json{{"k", "v"}})).value();
  ipc::FrameDecoder decoder;
  std::vector<json> messages;
  for (char c : stream) {
    decoder.feed(std::string_view(&c, 1));
    auto next = decoder.next();
    ASSERT_TRUE(next);
    if (*next) messages.push_back(**next);
  }
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[0]["method"], "a");
  EXPECT_EQ(messages[1]["data"]["k"], "v");
  EXPECT_FALSE(decoder.mid_frame());
}

TEST(IpcFrame, DecodesSeveralFramesFromOneFeed) {
  ipc::FrameDecoder decoder;
  std::string stream;
  for (int i = 0; i < 5; ++i) stream += ipc::encode_frame(ipc::make_result(i, i * 2)).value();
  decoder.feed(stream);
  for (int i = 0; i < 5; ++i) {
    auto next = decoder.next();
    ASSERT_TRUE(next && *next);
    EXPECT_EQ((**next)["result"], i * 2);
  }
  auto empty = decoder.next();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
}

TEST(IpcFrame, OversizedLengthIsRefusedFromTheHeaderAlone) {
  ipc::FrameDecoder decoder(1024);
  decoder.feed(ipc_test::header(0xFFFFFFFF));  // no payload follows
  auto next = decoder.next();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, common::Error::Kind::invalid_input);
  EXPECT_NE(next.error().message.find("exceeds"), std::string::npos);

  ipc::FrameDecoder exact(16);
  exact.feed(ipc_test::header(16) + R"({"k":"12345678"})");
  auto fits = exact.next();
  ASSERT_TRUE(fits && *fits);
  ipc::FrameDecoder over(16);
  over.feed(ipc_test::header(17));
  EXPECT_FALSE(over.next());
}

TEST(IpcFrame, EmptyAndNonJsonPayloadsAreErrors) {
  ipc::FrameDecoder empty;
  empty.feed(ipc_test::header(0));
  EXPECT_FALSE(empty.next());

  ipc::FrameDecoder garbage;
  garbage.feed(ipc_test::header(5) + "{oops");
  auto next = garbage.next();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, common::Error::Kind::invalid_input);
}

TEST(IpcFrame, EncodeRefusesMessagesOverTheLimit) {
  json big = std::string(2000, 'x');
  EXPECT_FALSE(ipc::encode_frame(big, 1000));
  EXPECT_TRUE(ipc::encode_frame(big, 4000));
}

TEST(IpcFrame, MessageBuildersFollowTheWireFormat) {
  EXPECT_EQ(ipc::make_request(3, "m", json{{"p", 1}}),
            json::parse(R"({"id":3,"method":"m","params":{"p":1}})"));
  EXPECT_EQ(ipc::make_result(3, "ok"), json::parse(R"({"id":3,"result":"ok"})"));
  EXPECT_EQ(ipc::make_error(3, "forbidden", "no"),
            json::parse(R"({"id":3,"error":{"code":"forbidden","message":"no"}})"));
  EXPECT_EQ(ipc::make_event("e", 1), json::parse(R"({"event":"e","data":1})"));
}

}  // namespace

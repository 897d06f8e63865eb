// The request-head policy of the public ports (common/http_head), byte for
// byte as a client sends it: each refusal with its status, decided before
// any body is read, and what is accepted.
#include "common/http_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using common::http::HeadLimits;
using common::http::judge_head;

std::string head(const std::string& fields, const std::string& line = "GET / HTTP/1.1") {
  return line + "\r\n" + fields + "\r\n";
}

TEST(HttpHead, AcceptsAnOrdinaryRequestAndReportsItsBody) {
  auto plain = judge_head(head("Host: a\r\n"), {});
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(plain.fields, 1U);
  auto post = judge_head(head("Host: a\r\nContent-Length: 12\r\n", "POST /token HTTP/1.1") +
                             "grant_type=x",
                         {});
  EXPECT_EQ(post.status, 0);
  EXPECT_EQ(post.body_bytes, 12U);
  EXPECT_EQ(judge_head(head("Content-Encoding: IDENTITY \r\n"), {}).status, 0);
}

TEST(HttpHead, RefusesEachWayOutOfTheLimits) {
  const HeadLimits limits;
  EXPECT_EQ(judge_head(head("X: " + std::string(17000, 'a') + "\r\n"), limits).status, 431);
  std::string many;
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": 1\r\n";
  EXPECT_EQ(judge_head(head(many), limits).status, 431);
  EXPECT_EQ(judge_head(head("Transfer-Encoding: chunked\r\n", "POST / HTTP/1.1"), limits).status,
            411);
  EXPECT_EQ(judge_head(head("Transfer-Encoding: gzip\r\n", "POST / HTTP/1.1"), limits).status,
            501);
  EXPECT_EQ(judge_head(head("Content-Encoding: gzip\r\nContent-Length: 3\r\n"), limits).status,
            415);
  EXPECT_EQ(judge_head(head("Content-Length: 65537\r\n", "POST / HTTP/1.1"), limits).status, 413);
  EXPECT_EQ(judge_head(head("Host: a\r\n", "GET http://a/ HTTP/1.1"), limits).status, 400);
  EXPECT_EQ(judge_head("GARBAGE\r\n\r\n", limits).status, 400);
}

// Found by the fuzzer (tests/fuzz/targets/http_head.cpp): Beast's header
// limit let a head that arrived whole run a few bytes past it.
TEST(HttpHead, TheHeadLimitIsExactToTheByte) {
  const HeadLimits limits{256, 100, 16};
  const std::string start = "GET / HTTP/1.1\r\nX: ";
  for (std::size_t size = 250; size <= 262; ++size) {
    const std::string request = start + std::string(size - start.size() - 4, 'a') + "\r\n\r\n";
    ASSERT_EQ(request.size(), size);
    EXPECT_EQ(judge_head(request, limits).status, size <= 256 ? 0 : 431) << size;
  }
}

TEST(HttpHead, AnUnfinishedHeadIsNotYetAVerdictUntilItPassesTheLimit) {
  EXPECT_EQ(judge_head("GET / HTTP/1.1\r\nHost: a\r\n", {}).status, -1);
  EXPECT_EQ(judge_head("GET / HTTP/1.1\r\nX: " + std::string(17000, 'a'), {}).status, 431);
}

}  // namespace

// Exponential back-off with jitter.
#include <gtest/gtest.h>

#include "common/backoff.hpp"

namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyUpToTheMaximum) {
  common::Backoff backoff(milliseconds(100), milliseconds(1000), 2.0, /*jitter=*/false);
  EXPECT_EQ(backoff.next(), milliseconds(100));
  EXPECT_EQ(backoff.next(), milliseconds(200));
  EXPECT_EQ(backoff.next(), milliseconds(400));
  EXPECT_EQ(backoff.next(), milliseconds(800));
  EXPECT_EQ(backoff.next(), milliseconds(1000));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(backoff.next(), milliseconds(1000));
  EXPECT_GT(backoff.attempts(), 5U);
}

TEST(Backoff, ResetStartsOver) {
  common::Backoff backoff(milliseconds(10), milliseconds(1000), 3.0, false);
  backoff.next();
  backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0U);
  EXPECT_EQ(backoff.next(), milliseconds(10));
  EXPECT_EQ(backoff.next(), milliseconds(30));
}

TEST(Backoff, JitterStaysWithinHalfAndFullDelay) {
  common::Backoff backoff(milliseconds(1000), milliseconds(1000), 2.0, /*jitter=*/true);
  bool varied = false;
  auto first = backoff.next();
  for (int i = 0; i < 500; ++i) {
    auto delay = backoff.next();
    EXPECT_GE(delay, milliseconds(500));
    EXPECT_LE(delay, milliseconds(1000));
    if (delay != first) varied = true;
  }
  EXPECT_TRUE(varied);
}

}  // namespace

#include "init/dhcp_message.hpp"

#include <gtest/gtest.h>

namespace {

using namespace init::dhcp;

constexpr Ipv4 ip(int a, int b, int c, int d) {
  return (Ipv4(a) << 24) | (Ipv4(b) << 16) | (Ipv4(c) << 8) | Ipv4(d);
}

Message gcp_style_ack() {
  Message m;
  m.op = 2;
  m.xid = 0x12345678;
  m.yiaddr = ip(10, 128, 0, 5);
  m.chaddr = {0x42, 0x01, 0x0a, 0x80, 0x00, 0x05};
  m.options[option::message_type] = {5};
  m.options[option::subnet_mask] = {255, 255, 255, 255};
  m.options[option::router] = {10, 128, 0, 1};
  m.options[option::server_id] = {169, 254, 169, 254};
  m.options[option::dns] = {169, 254, 169, 254, 8, 8, 8, 8};
  m.options[option::domain] = {'c', '.', 'p', '.', 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l'};
  m.options[option::hostname] = {'v', 'm', '-', '1'};
  m.options[option::mtu] = {0x05, 0xb4};               // 1460
  m.options[option::lease_time] = {0, 0, 0x0e, 0x10};  // 3600
  return m;
}

TEST(DhcpMessage, EncodeDecodeRoundTrip) {
  const Message m = gcp_style_ack();
  const auto bytes = encode(m);
  EXPECT_GE(bytes.size(), 300U);
  auto decoded = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->op, 2);
  EXPECT_EQ(decoded->xid, 0x12345678U);
  EXPECT_EQ(decoded->yiaddr, ip(10, 128, 0, 5));
  EXPECT_EQ(decoded->chaddr, m.chaddr);
  EXPECT_EQ(decoded->options, m.options);
  EXPECT_EQ(decoded->type(), MessageType::ack);
}

TEST(DhcpMessage, LongOptionsSplitAndRejoin) {
  Message m = gcp_style_ack();
  m.options[option::classless_routes] = std::vector<std::uint8_t>(300, 0);
  const auto bytes = encode(m);
  auto decoded = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->options[option::classless_routes].size(), 300U);
}

TEST(DhcpMessage, GcpLeaseHasAHostAddressAndAnOffLinkGateway) {
  auto lease = lease_from_ack(gcp_style_ack());
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->address, ip(10, 128, 0, 5));
  EXPECT_EQ(lease->prefix_length, 32);
  ASSERT_EQ(lease->routes.size(), 1U);
  EXPECT_EQ(lease->routes[0], (Route{0, 0, ip(10, 128, 0, 1)}));
  EXPECT_EQ(lease->dns, (std::vector<Ipv4>{ip(169, 254, 169, 254), ip(8, 8, 8, 8)}));
  EXPECT_EQ(lease->domain, "c.p.internal");
  EXPECT_EQ(lease->hostname, "vm-1");
  EXPECT_EQ(lease->mtu, 1460);
  EXPECT_EQ(lease->lease_seconds, 3600U);
  EXPECT_EQ(lease->t1_seconds, 1800U);
  EXPECT_EQ(lease->t2_seconds, 3150U);
  EXPECT_EQ(lease->server, ip(169, 254, 169, 254));
}

TEST(DhcpMessage, ClasslessRoutesReplaceTheRouterOption) {
  Message m = gcp_style_ack();
  // 10.128.0.1/32 on-link, 0.0.0.0/0 via 10.128.0.1, 192.168.0.0/17 via 10.0.0.9
  m.options[option::classless_routes] = {32,  10, 128, 0,  1,   0,   0, 0,  0, 0, 10,
                                         128, 0,  1,   17, 192, 168, 0, 10, 0, 0, 9};
  auto lease = lease_from_ack(m);
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->routes, (std::vector<Route>{{ip(10, 128, 0, 1), 32, 0},
                                               {0, 0, ip(10, 128, 0, 1)},
                                               {ip(192, 168, 0, 0), 17, ip(10, 0, 0, 9)}}));
}

TEST(DhcpMessage, ClasslessRouteIgnoresBitsBeyondThePrefix) {
  auto routes = decode_classless_routes({9, 10, 255, 1, 2, 3, 4});
  ASSERT_TRUE(routes);
  EXPECT_EQ((*routes)[0].destination, ip(10, 128, 0, 0));
}

TEST(DhcpMessage, MalformedInputIsAnErrorNotACrash) {
  const auto good = encode(gcp_style_ack());
  for (std::size_t size = 0; size < good.size(); size += 7) {
    (void)decode(good.data(), size);  // any prefix: error or message, never UB
  }
  EXPECT_FALSE(decode(good.data(), 200));
  auto bad_cookie = good;
  bad_cookie[236] = 0;
  EXPECT_FALSE(decode(bad_cookie.data(), bad_cookie.size()));
  auto truncated_option = std::vector<std::uint8_t>(good.begin(), good.begin() + 240);
  truncated_option.insert(truncated_option.end(), {53, 10, 5});
  EXPECT_FALSE(decode(truncated_option.data(), truncated_option.size()));
  EXPECT_FALSE(decode_classless_routes({33, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_FALSE(decode_classless_routes({24, 10, 0}));
  Message odd_mask = gcp_style_ack();
  odd_mask.options[option::subnet_mask] = {255, 0, 255, 0};
  EXPECT_FALSE(lease_from_ack(odd_mask));
  Message offer = gcp_style_ack();
  offer.options[option::message_type] = {2};
  EXPECT_FALSE(lease_from_ack(offer));
}

TEST(DhcpMessage, HostnameAndDomainKeepOnlyNameCharacters) {
  Message m = gcp_style_ack();
  m.options[option::hostname] = {'a', '\n', 'b', ';', ' ', 'c'};
  auto lease = lease_from_ack(m);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->hostname, "abc");
}

}  // namespace

namespace {

// A lease of 0 s (or a T1 of 0) from a broken or hostile server would make
// the client renew in a tight loop: the times have sane minimums and order.
TEST(DhcpMessage, LeaseT1AndT2HaveSaneMinimums) {
  Message zero = gcp_style_ack();
  zero.options[option::lease_time] = {0, 0, 0, 0};
  auto lease = lease_from_ack(zero);
  ASSERT_TRUE(lease);
  EXPECT_GE(lease->lease_seconds, kMinLeaseSeconds);
  EXPECT_GE(lease->t1_seconds, kMinRenewalSeconds);
  EXPECT_LT(lease->t1_seconds, lease->t2_seconds);
  EXPECT_LT(lease->t2_seconds, lease->lease_seconds);

  Message no_t1 = gcp_style_ack();
  no_t1.options[option::renewal_time] = {0, 0, 0, 0};
  no_t1.options[option::rebinding_time] = {0, 0, 0, 1};
  lease = lease_from_ack(no_t1);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->lease_seconds, 3600U);
  EXPECT_EQ(lease->t1_seconds, 1800U);
  EXPECT_EQ(lease->t2_seconds, 3150U);
}

}  // namespace

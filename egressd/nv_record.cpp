#include "egressd/nv_record.hpp"

#include <fstream>

namespace egressd {
namespace {

using common::Error;

constexpr std::array<std::uint8_t, 4> kMagic = {'E', 'G', 'R', '1'};
constexpr std::size_t kInterfaceSize = 16;

void put(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

std::uint64_t get(const std::vector<std::uint8_t>& in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | in[at + static_cast<std::size_t>(i)];
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::uint8_t> encode(const NvRecord& record) {
  std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
  put(out, record.month, 4);
  put(out, record.bytes, 8);
  out.insert(out.end(), record.boot_id.begin(), record.boot_id.end());
  put(out, record.tx_at_write, 8);
  for (std::size_t i = 0; i < kInterfaceSize; ++i) {
    const bool in_name = i + 1 < kInterfaceSize && i < record.interface.size();
    out.push_back(in_name ? static_cast<std::uint8_t>(record.interface[i]) : 0);
  }
  return out;
}

common::Result<NvRecord> decode(const std::vector<std::uint8_t>& data) {
  if (data.size() != kNvRecordSize || !std::equal(kMagic.begin(), kMagic.end(), data.begin())) {
    return common::fail(Error::Kind::invalid_input, "not an egress record of version 1");
  }
  NvRecord record;
  record.month = static_cast<MonthIndex>(get(data, 4, 4));
  record.bytes = get(data, 8, 8);
  std::copy(data.begin() + 16, data.begin() + 32, record.boot_id.begin());
  record.tx_at_write = get(data, 32, 8);
  for (std::size_t i = 40; i < kNvRecordSize && data[i] != 0; ++i) {
    record.interface.push_back(static_cast<char>(data[i]));
  }
  return record;
}

common::Result<BootId> current_boot_id(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) {
    return common::fail(Error::Kind::environment, "unable to read " + path);
  }
  BootId id{};
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size() && n < id.size(); ++i) {
    if (text[i] == '-') continue;
    const int high = hex_digit(text[i]);
    const int low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) break;
    id[n++] = static_cast<std::uint8_t>(high << 4 | low);
    ++i;
  }
  if (n != id.size()) return common::fail(Error::Kind::environment, "unable to parse " + path);
  return id;
}

}  // namespace egressd

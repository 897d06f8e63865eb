#include "attestd/verify/event_log.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/crypto.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;

constexpr std::string_view kSpecIdSignature("Spec ID Event03\0", 16);
constexpr std::string_view kStartupLocality("StartupLocality\0", 16);
constexpr unsigned kMaxPcr = 23;

// A bounds-checked little-endian reader over the untrusted log.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u8(std::uint8_t& out) {
    return take(1, [&](const char* p) { out = byte(p[0]); });
  }
  bool u16(std::uint16_t& out) {
    return take(
        2, [&](const char* p) { out = static_cast<std::uint16_t>(byte(p[0]) | byte(p[1]) << 8); });
  }
  bool u32(std::uint32_t& out) {
    return take(4, [&](const char* p) {
      out = byte(p[0]) | byte(p[1]) << 8 | byte(p[2]) << 16 |
            static_cast<std::uint32_t>(byte(p[3])) << 24;
    });
  }
  bool bytes(std::size_t n, std::string& out) {
    return take(n, [&](const char* p) { out.assign(p, n); });
  }
  std::size_t offset() const { return offset_; }
  std::string_view rest() const { return bytes_.substr(offset_); }
  bool done() const { return offset_ == bytes_.size(); }

 private:
  static std::uint32_t byte(char c) { return static_cast<unsigned char>(c); }
  template <class F>
  bool take(std::size_t n, F f) {
    if (bytes_.size() - offset_ < n) return false;
    f(bytes_.data() + offset_);
    offset_ += n;
    return true;
  }
  std::string_view bytes_;
  std::size_t offset_ = 0;
};

common::Status truncated(std::string_view what, std::size_t offset) {
  return fail(Error::Kind::invalid_input, "unable to parse event log: truncated " +
                                              std::string(what) + " at byte " +
                                              std::to_string(offset));
}

bool is_padding(std::string_view rest) {
  return !rest.empty() && (std::all_of(rest.begin(), rest.end(), [](char c) { return c == 0; }) ||
                           std::all_of(rest.begin(), rest.end(), [](char c) {
                             return static_cast<unsigned char>(c) == 0xff;
                           }));
}

common::Status parse_spec_id(Reader& r, TcgEventLog& log) {
  std::uint32_t pcr = 0, type = 0, size = 0;
  std::string digest, event;
  if (!r.u32(pcr) || !r.u32(type) || !r.bytes(20, digest) || !r.u32(size)) {
    return truncated("Spec ID event header", r.offset());
  }
  if (type != kEvNoAction || pcr != 0) {
    return fail(
        Error::Kind::invalid_input,
        "unable to parse event log: first event is not the Spec ID event (not crypto agile)");
  }
  if (!r.bytes(size, event)) return truncated("Spec ID event", r.offset());
  Reader spec(event);
  std::string signature;
  std::uint32_t platform_class = 0, algorithms = 0;
  std::uint8_t minor = 0, major = 0, errata = 0, uintn = 0, vendor_size = 0;
  if (!spec.bytes(16, signature) || !spec.u32(platform_class) || !spec.u8(minor) ||
      !spec.u8(major) || !spec.u8(errata) || !spec.u8(uintn) || !spec.u32(algorithms)) {
    return truncated("Spec ID event body", r.offset());
  }
  if (signature != kSpecIdSignature) {
    return fail(Error::Kind::invalid_input,
                "unable to parse event log: Spec ID signature is not \"Spec ID Event03\"");
  }
  if (algorithms == 0 || algorithms > 16) {
    return fail(Error::Kind::invalid_input, "unable to parse event log: bad algorithm count");
  }
  for (std::uint32_t i = 0; i < algorithms; ++i) {
    std::uint16_t alg = 0, digest_size = 0;
    if (!spec.u16(alg) || !spec.u16(digest_size)) return truncated("algorithm list", r.offset());
    if (digest_size == 0 || digest_size > 64) {
      return fail(Error::Kind::invalid_input, "unable to parse event log: bad digest size");
    }
    log.digest_sizes[alg] = digest_size;
  }
  std::string vendor;
  if (!spec.u8(vendor_size) || !spec.bytes(vendor_size, vendor)) {
    return truncated("vendor info", r.offset());
  }
  if (!log.digest_sizes.contains(kTpmAlgSha256) || log.digest_sizes[kTpmAlgSha256] != 32) {
    return fail(Error::Kind::invalid_input, "unable to parse event log: no SHA-256 bank");
  }
  return {};
}

common::Status parse_event2(Reader& r, TcgEventLog& log) {
  TcgEvent event;
  std::uint32_t count = 0, size = 0;
  std::size_t start = r.offset();
  if (!r.u32(event.pcr) || !r.u32(event.type) || !r.u32(count)) return truncated("event", start);
  if (event.pcr > kMaxPcr) {
    return fail(Error::Kind::invalid_input, "unable to parse event log: PCR index " +
                                                std::to_string(event.pcr) + " at byte " +
                                                std::to_string(start));
  }
  if (count > log.digest_sizes.size()) {
    return fail(
        Error::Kind::invalid_input,
        "unable to parse event log: more digests than banks at byte " + std::to_string(start));
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t alg = 0;
    if (!r.u16(alg)) return truncated("digest", start);
    auto known = log.digest_sizes.find(alg);
    if (known == log.digest_sizes.end()) {
      return fail(Error::Kind::invalid_input,
                  "unable to parse event log: digest of an undeclared algorithm at byte " +
                      std::to_string(start));
    }
    std::string digest;
    if (!r.bytes(known->second, digest)) return truncated("digest", start);
    event.digests[alg] = std::move(digest);
  }
  if (!r.u32(size) || !r.bytes(size, event.data)) return truncated("event data", start);
  if (event.type != kEvNoAction && !event.digests.contains(kTpmAlgSha256)) {
    return fail(Error::Kind::invalid_input,
                "unable to parse event log: event without SHA-256 "
                "digest at byte " +
                    std::to_string(start));
  }
  log.events.push_back(std::move(event));
  return {};
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

}  // namespace

common::Result<TcgEventLog> parse_tcg_event_log(std::string_view bytes) {
  Reader r(bytes);
  TcgEventLog log;
  if (auto s = parse_spec_id(r, log); !s) return std::unexpected(s.error());
  while (!r.done()) {
    if (is_padding(r.rest())) break;
    if (auto s = parse_event2(r, log); !s) return std::unexpected(s.error());
  }
  return log;
}

common::Result<std::map<unsigned, std::string>> replay_sha256(const TcgEventLog& log) {
  std::map<unsigned, std::string> pcrs;
  auto value = [&](unsigned pcr) -> std::string& {
    auto [it, inserted] = pcrs.try_emplace(pcr, std::string(32, '\0'));
    return it->second;
  };
  for (const auto& event : log.events) {
    if (event.type == kEvNoAction) {
      // A startup locality other than 0 (an H-CRTM) shows in PCR 0's
      // initial value; it must come before anything is extended into PCR 0.
      if (event.pcr == 0 && event.data.size() == 17 && event.data.starts_with(kStartupLocality)) {
        if (pcrs.contains(0)) {
          return fail(Error::Kind::invalid_input,
                      "unable to replay event log: StartupLocality after PCR 0 extends");
        }
        value(0)[31] = event.data[16];
      }
      continue;
    }
    std::string& pcr = value(event.pcr);
    pcr = common::crypto::sha256(pcr + event.digests.at(kTpmAlgSha256));
  }
  return pcrs;
}

std::string write_tcg_event_log_sha256(const std::vector<TcgEvent>& events) {
  std::string spec(kSpecIdSignature);
  put_u32(spec, 0);                             // platformClass: client
  spec += std::string{'\0', '\2', '\0', '\2'};  // version 2.0, errata 0, uintnSize 2 (64-bit)
  put_u32(spec, 1);
  put_u16(spec, kTpmAlgSha256);
  put_u16(spec, 32);
  spec.push_back('\0');  // no vendor info

  std::string out;
  put_u32(out, 0);
  put_u32(out, kEvNoAction);
  out.append(20, '\0');
  put_u32(out, static_cast<std::uint32_t>(spec.size()));
  out += spec;
  for (const auto& event : events) {
    put_u32(out, event.pcr);
    put_u32(out, event.type);
    put_u32(out, static_cast<std::uint32_t>(event.digests.size()));
    for (const auto& [alg, digest] : event.digests) {
      put_u16(out, alg);
      out += digest;
    }
    put_u32(out, static_cast<std::uint32_t>(event.data.size()));
    out += event.data;
  }
  return out;
}

}  // namespace attest

#include "attestd/verify/instance_identity.hpp"

#include <vector>

namespace attest {
namespace {

using common::Error;
using common::fail;

constexpr unsigned char kBoolean = 0x01;
constexpr unsigned char kInteger = 0x02;
constexpr unsigned char kUtf8String = 0x0c;
constexpr unsigned char kSequence = 0x30;
constexpr unsigned char kContext0 = 0xa0;  // [0] constructed (EXPLICIT)
constexpr unsigned char kContext1 = 0xa1;

common::Status malformed(std::string_view what) {
  return fail(Error::Kind::invalid_input,
              "unable to read the instance identity: " + std::string(what));
}

// Reads consecutive DER TLVs out of one buffer.
class DerReader {
 public:
  explicit DerReader(std::string_view bytes) : rest_(bytes) {}
  bool empty() const { return rest_.empty(); }
  std::optional<unsigned char> peek_tag() const {
    return rest_.empty() ? std::nullopt : std::optional<unsigned char>(rest_[0]);
  }

  // The contents of the next element, which must carry `tag`.
  common::Result<std::string_view> expect(unsigned char tag, std::string_view what) {
    if (rest_.size() < 2)
      return std::unexpected(malformed(std::string(what) + " is missing").error());
    if (static_cast<unsigned char>(rest_[0]) != tag) {
      return std::unexpected(malformed(std::string(what) + " has the wrong type").error());
    }
    std::size_t length = static_cast<unsigned char>(rest_[1]);
    std::size_t header = 2;
    if (length & 0x80) {
      const std::size_t count = length & 0x7f;
      // DER: long form only for lengths >= 128, no leading zero, at most 4 bytes.
      if (count == 0 || count > 4 || rest_.size() < 2 + count || rest_[2] == 0) {
        return std::unexpected(malformed(std::string(what) + " has a bad length").error());
      }
      length = 0;
      for (std::size_t i = 0; i < count; ++i) {
        length = (length << 8) | static_cast<unsigned char>(rest_[2 + i]);
      }
      if (length < 0x80)
        return std::unexpected(malformed(std::string(what) + " has a bad length").error());
      header += count;
    }
    if (rest_.size() - header < length) {
      return std::unexpected(malformed(std::string(what) + " is truncated").error());
    }
    std::string_view contents = rest_.substr(header, length);
    rest_.remove_prefix(header + length);
    return contents;
  }

 private:
  std::string_view rest_;
};

common::Result<std::uint64_t> unsigned_integer(DerReader& in, std::string_view what) {
  auto bytes = in.expect(kInteger, what);
  if (!bytes) return std::unexpected(bytes.error());
  std::string_view v = *bytes;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(v[i]); };
  if (v.empty() || (byte(0) & 0x80)) {
    return std::unexpected(malformed(std::string(what) + " is not a non-negative integer").error());
  }
  if (v.size() > 1 && byte(0) == 0 && !(byte(1) & 0x80)) {
    return std::unexpected(malformed(std::string(what) + " is not minimally encoded").error());
  }
  if (byte(0) == 0) v.remove_prefix(1);
  if (v.size() > 8)
    return std::unexpected(malformed(std::string(what) + " is out of range").error());
  std::uint64_t value = 0;
  for (char c : v) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

common::Result<std::string> utf8_string(DerReader& in, std::string_view what) {
  auto bytes = in.expect(kUtf8String, what);
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(*bytes);
}

common::Status read_security_properties(std::string_view explicit_contents,
                                        GceInstanceIdentity& out) {
  DerReader outer(explicit_contents);
  auto sequence = outer.expect(kSequence, "security properties");
  if (!sequence) return std::unexpected(sequence.error());
  if (!outer.empty()) return malformed("trailing bytes after the security properties");
  DerReader in(*sequence);
  if (in.peek_tag() == kContext0) {
    auto tagged = in.expect(kContext0, "security version");
    if (!tagged) return std::unexpected(tagged.error());
    DerReader inner(*tagged);
    auto version = unsigned_integer(inner, "security version");
    if (!version) return std::unexpected(version.error());
    if (!inner.empty()) return malformed("trailing bytes in the security version");
    out.security_version = *version;
  }
  if (in.peek_tag() == kContext1) {
    auto tagged = in.expect(kContext1, "is-production");
    if (!tagged) return std::unexpected(tagged.error());
    DerReader inner(*tagged);
    auto flag = inner.expect(kBoolean, "is-production");
    if (!flag) return std::unexpected(flag.error());
    // DER booleans are exactly 0x00 or 0xff.
    if (flag->size() != 1 || (static_cast<unsigned char>((*flag)[0]) != 0x00 &&
                              static_cast<unsigned char>((*flag)[0]) != 0xff)) {
      return malformed("is-production is not a DER boolean");
    }
    if (!inner.empty()) return malformed("trailing bytes in is-production");
    out.is_production = (*flag)[0] != 0;
  }
  if (!in.empty()) return malformed("unexpected field in the security properties");
  return {};
}

void append_length(std::string& out, std::size_t length) {
  if (length < 0x80) {
    out += static_cast<char>(length);
    return;
  }
  std::string bytes;
  for (; length > 0; length >>= 8) bytes.insert(bytes.begin(), static_cast<char>(length & 0xff));
  out += static_cast<char>(0x80 | bytes.size());
  out += bytes;
}

std::string tlv(unsigned char tag, std::string_view contents) {
  std::string out(1, static_cast<char>(tag));
  append_length(out, contents.size());
  out += contents;
  return out;
}

std::string integer_der(std::uint64_t value) {
  std::string bytes;
  do {
    bytes.insert(bytes.begin(), static_cast<char>(value & 0xff));
    value >>= 8;
  } while (value > 0);
  if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(bytes.begin(), '\0');
  return tlv(kInteger, bytes);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

common::Result<GceInstanceIdentity> parse_gce_instance_identity(std::string_view der) {
  DerReader outer(der);
  auto body = outer.expect(kSequence, "the identity");
  if (!body) return std::unexpected(body.error());
  if (!outer.empty())
    return std::unexpected(malformed("trailing bytes after the identity").error());
  DerReader in(*body);
  GceInstanceIdentity out;
  auto zone = utf8_string(in, "zone");
  if (!zone) return std::unexpected(zone.error());
  auto project_number = unsigned_integer(in, "project number");
  if (!project_number) return std::unexpected(project_number.error());
  auto project_id = utf8_string(in, "project id");
  if (!project_id) return std::unexpected(project_id.error());
  auto instance_id = unsigned_integer(in, "instance id");
  if (!instance_id) return std::unexpected(instance_id.error());
  auto instance_name = utf8_string(in, "instance name");
  if (!instance_name) return std::unexpected(instance_name.error());
  out.zone = std::move(*zone);
  out.project_number = *project_number;
  out.project_id = std::move(*project_id);
  out.instance_id = *instance_id;
  out.instance_name = std::move(*instance_name);
  if (in.peek_tag() == kContext0) {
    auto tagged = in.expect(kContext0, "security properties");
    if (!tagged) return std::unexpected(tagged.error());
    if (auto status = read_security_properties(*tagged, out); !status) {
      return std::unexpected(status.error());
    }
  }
  if (!in.empty())
    return std::unexpected(malformed("unexpected field after the instance name").error());
  return out;
}

std::string gce_instance_identity_der(const GceInstanceIdentity& identity) {
  std::string body = tlv(kUtf8String, identity.zone) + integer_der(identity.project_number) +
                     tlv(kUtf8String, identity.project_id) + integer_der(identity.instance_id) +
                     tlv(kUtf8String, identity.instance_name);
  if (identity.security_version || identity.is_production) {
    std::string security;
    if (identity.security_version) {
      security += tlv(kContext0, integer_der(*identity.security_version));
    }
    if (identity.is_production) {
      security +=
          tlv(kContext1, tlv(kBoolean, std::string(1, *identity.is_production ? '\xff' : '\0')));
    }
    body += tlv(kContext0, tlv(kSequence, security));
  }
  return tlv(kSequence, body);
}

bool identity_matches(const GceInstanceIdentity& identity, std::string_view wanted) {
  auto parts = split(wanted, '/');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) return false;
  const bool project =
      parts[0] == identity.project_id || parts[0] == std::to_string(identity.project_number);
  const bool instance =
      parts[2] == identity.instance_name || parts[2] == std::to_string(identity.instance_id);
  return project && parts[1] == identity.zone && instance;
}

std::string describe_identity(const GceInstanceIdentity& identity) {
  std::string out = identity.project_id + "/" + identity.zone + "/" + identity.instance_name +
                    " (instance id " + std::to_string(identity.instance_id) + ", project number " +
                    std::to_string(identity.project_number);
  if (identity.security_version)
    out += ", security version " + std::to_string(*identity.security_version);
  if (identity.is_production) out += *identity.is_production ? ", production" : ", not production";
  return out + ")";
}

}  // namespace attest

#include "attestd/verify/evidence.hpp"

#include <charconv>

#include "common/crypto.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
using common::json;
namespace crypto = common::crypto;

// Largest decoded field we accept: the firmware log is the biggest (attestd
// caps it at 8 MiB); anything larger is not evidence.
constexpr std::size_t kMaxFieldBytes = 16U << 20;

common::Status field_error(std::string_view name, std::string_view problem) {
  return fail(Error::Kind::invalid_input,
              "unable to read evidence: " + std::string(name) + " " + std::string(problem));
}

common::Result<std::string> text(const json& document, std::string_view name) {
  auto value = common::string_field(document, name);
  if (!value) return std::unexpected(field_error(name, "is missing or not a string").error());
  if (value->size() > kMaxFieldBytes)
    return std::unexpected(field_error(name, "is too long").error());
  return value;
}

// A field that may be absent or null; a present non-null value must be a string.
common::Result<std::optional<std::string>> optional_text(const json& document,
                                                         std::string_view name) {
  auto it = document.find(name);
  if (it == document.end() || it->is_null()) return std::optional<std::string>();
  auto value = text(document, name);
  if (!value) return std::unexpected(value.error());
  return std::optional<std::string>(std::move(*value));
}

common::Result<std::string> hex_field(const json& document, std::string_view name) {
  auto value = text(document, name);
  if (!value) return std::unexpected(value.error());
  auto raw = crypto::unhex(*value);
  if (!raw) return std::unexpected(field_error(name, "is not hex").error());
  return raw;
}

common::Result<std::string> base64_field(const json& document, std::string_view name) {
  auto value = text(document, name);
  if (!value) return std::unexpected(value.error());
  auto raw = crypto::base64_decode(*value);
  if (!raw) return std::unexpected(field_error(name, "is not base64").error());
  return raw;
}

common::Result<unsigned> pcr_index(const std::string& key) {
  unsigned index = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (key.empty() || ec != std::errc() || end != key.data() + key.size() || index > 23 ||
      (key.size() > 1 && key[0] == '0')) {
    return fail(Error::Kind::invalid_input, "bad PCR index \"" + key + "\"");
  }
  return index;
}

// Reads fields one after the other and keeps the first error.
class FieldReader {
 public:
  template <class T>
  void read(T& target, common::Result<T> value) {
    if (error_) return;
    if (value) {
      target = std::move(*value);
    } else {
      error_ = value.error();
    }
  }
  void reject(common::Status status) {
    if (!error_ && !status) error_ = status.error();
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  std::optional<Error> error_;
};

common::Result<unsigned> config_pcr_field(const json& d) {
  auto it = d.find("config_pcr");
  if (it == d.end()) return 15U;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 23)
    return std::unexpected(field_error("config_pcr", "is not a PCR index").error());
  return it->get<unsigned>();
}

common::Result<json> runtime_events_field(const json& d) {
  auto it = d.find("runtime_events");
  if (it == d.end()) return json::array();
  if (!it->is_array())
    return std::unexpected(field_error("runtime_events", "is not an array").error());
  return *it;
}

common::Result<std::optional<std::string>> event_log_field(const json& d) {
  auto it = d.find("event_log");
  if (it == d.end() || it->is_null()) return std::optional<std::string>();
  auto log = base64_field(d, "event_log");
  if (!log) return std::unexpected(log.error());
  return std::optional<std::string>(std::move(*log));
}

}  // namespace

common::Result<std::map<unsigned, std::string>> parse_pcr_values(const json& object) {
  if (!object.is_object()) return fail(Error::Kind::invalid_input, "PCR values are not an object");
  std::map<unsigned, std::string> out;
  for (const auto& [key, value] : object.items()) {
    auto index = pcr_index(key);
    if (!index) return std::unexpected(index.error());
    auto raw = value.is_string() ? crypto::unhex(value.get<std::string>())
                                 : fail(Error::Kind::invalid_input, "not a string");
    if (!raw || raw->size() != 32) {
      return fail(Error::Kind::invalid_input, "PCR " + key + " is not a 32-byte hex value");
    }
    out[*index] = std::move(*raw);
  }
  return out;
}

json pcr_values_json(const std::map<unsigned, std::string>& pcrs) {
  json out = json::object();
  for (const auto& [index, value] : pcrs) out[std::to_string(index)] = crypto::hex(value);
  return out;
}

json evidence_json(const Evidence& e) {
  auto or_null = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
  return {{"nonce", crypto::hex(e.nonce)},
          {"qualifying_data", crypto::hex(e.qualifying_data)},
          {"quote", crypto::base64(e.quote)},
          {"signature", crypto::base64(e.signature)},
          {"pcr_bank", "sha256"},
          {"pcrs", pcr_values_json(e.pcrs)},
          {"ak_public_pem", e.ak_public_pem},
          {"ak_source", e.ak_source},
          {"ak_certificate_pem", or_null(e.ak_certificate_pem)},
          {"ek_public_pem", or_null(e.ek_public_pem)},
          {"ek_certificate_pem", or_null(e.ek_certificate_pem)},
          {"event_log", e.event_log ? json(crypto::base64(*e.event_log)) : json(nullptr)},
          {"runtime_events", e.runtime_events},
          {"config_pcr", e.config_pcr},
          {"bindings", e.bindings}};
}

common::Result<Evidence> parse_evidence(const json& d) {
  if (!d.is_object()) {
    return fail(Error::Kind::invalid_input, "unable to read evidence: not a JSON object");
  }
  Evidence e;
  FieldReader r;
  r.read(e.nonce, hex_field(d, "nonce"));
  r.read(e.qualifying_data, hex_field(d, "qualifying_data"));
  r.read(e.quote, base64_field(d, "quote"));
  r.read(e.signature, base64_field(d, "signature"));
  std::string bank;
  r.read(bank, text(d, "pcr_bank"));
  if (!r.error() && bank != "sha256") r.reject(field_error("pcr_bank", "is not \"sha256\""));
  auto pcrs = parse_pcr_values(d.contains("pcrs") ? d["pcrs"] : json());
  r.read(e.pcrs,
         pcrs ? std::move(pcrs)
              : std::unexpected(common::wrap(pcrs.error(), "unable to read evidence: pcrs")));
  r.read(e.ak_public_pem, text(d, "ak_public_pem"));
  std::optional<std::string> source;
  r.read(source, optional_text(d, "ak_source"));
  e.ak_source = source.value_or("");
  r.read(e.ak_certificate_pem, optional_text(d, "ak_certificate_pem"));
  r.read(e.ek_public_pem, optional_text(d, "ek_public_pem"));
  r.read(e.ek_certificate_pem, optional_text(d, "ek_certificate_pem"));
  r.read(e.event_log, event_log_field(d));
  r.read(e.runtime_events, runtime_events_field(d));
  r.read(e.config_pcr, config_pcr_field(d));
  auto bindings = d.find("bindings");
  if (bindings == d.end() || !bindings->is_object()) {
    r.reject(field_error("bindings", "is missing or not an object"));
  } else {
    e.bindings = *bindings;
  }
  if (r.error()) return std::unexpected(*r.error());
  return e;
}

}  // namespace attest

#include "attestd/verify/runtime_log.hpp"

#include "common/crypto.hpp"

namespace attest {
namespace {

using common::Error;
using common::fail;
using common::json;

constexpr unsigned kMaxPcr = 23;

common::Result<json> parse_event_data(std::string_view data) {
  auto parsed = common::parse_json(data);
  if (!parsed || !parsed->is_object() || !parsed->contains("key") || !parsed->contains("type") ||
      !parsed->contains("value") || parsed->size() != 3 || !(*parsed)["key"].is_string() ||
      (*parsed)["type"] != "config" ||
      !((*parsed)["value"].is_string() || (*parsed)["value"].is_null())) {
    return fail(Error::Kind::invalid_input, "event data is not a config measurement");
  }
  return *parsed;
}

}  // namespace

RuntimeEvent config_event(unsigned pcr, std::string_view key,
                          const std::optional<std::string>& value) {
  json data = {{"key", key}, {"type", "config"}, {"value", nullptr}};
  if (value) data["value"] = *value;
  return RuntimeEvent{pcr, common::dump_json(data)};
}

json runtime_event_json(const RuntimeEvent& event) {
  json out = {{"pcr", event.pcr},
              {"type", "config"},
              {"data", common::crypto::base64(event.data)},
              {"sha256", common::crypto::hex(common::crypto::sha256(event.data))}};
  if (auto parsed = parse_event_data(event.data)) {
    out["key"] = (*parsed)["key"];
    out["value"] = (*parsed)["value"];
  }
  return out;
}

json runtime_log_json(const std::vector<RuntimeEvent>& events) {
  json out = json::array();
  for (const auto& event : events) out.push_back(runtime_event_json(event));
  return out;
}

common::Result<std::vector<RuntimeEvent>> runtime_events_from_json(const json& log) {
  if (!log.is_array()) return fail(Error::Kind::invalid_input, "runtime log is not an array");
  std::vector<RuntimeEvent> events;
  for (const auto& entry : log) {
    if (!entry.is_object() || !entry.contains("pcr") || !entry["pcr"].is_number_unsigned() ||
        !entry.contains("data") || !entry["data"].is_string()) {
      return fail(Error::Kind::invalid_input, "runtime event without pcr or data");
    }
    auto data = common::crypto::base64_decode(entry["data"].get<std::string>());
    if (!data) return fail(Error::Kind::invalid_input, "runtime event data is not base64");
    events.push_back(RuntimeEvent{entry["pcr"].get<unsigned>(), std::move(*data)});
  }
  return events;
}

common::Result<RuntimeReplay> replay_runtime_log(const json& log,
                                                 std::map<unsigned, std::string> initial) {
  if (!log.is_array()) return fail(Error::Kind::invalid_input, "runtime log is not an array");
  RuntimeReplay replay{std::move(initial), {}};
  std::size_t index = 0;
  for (const auto& entry : log) {
    std::string where = "runtime event " + std::to_string(index++) + ": ";
    if (!entry.is_object() || !entry.contains("pcr") || !entry["pcr"].is_number_unsigned() ||
        entry["pcr"].get<std::uint64_t>() > kMaxPcr || !entry.contains("data") ||
        !entry["data"].is_string() || !entry.contains("sha256") || !entry["sha256"].is_string()) {
      return fail(Error::Kind::invalid_input, where + "missing or bad pcr, data or sha256");
    }
    auto data = common::crypto::base64_decode(entry["data"].get<std::string>());
    if (!data) return fail(Error::Kind::invalid_input, where + "data is not base64");
    std::string digest = common::crypto::sha256(*data);
    if (common::crypto::hex(digest) != entry["sha256"].get<std::string>()) {
      return fail(Error::Kind::invalid_input, where + "sha256 does not match data");
    }
    auto parsed = parse_event_data(*data);
    if (!parsed) return fail(Error::Kind::invalid_input, where + parsed.error().message);
    // The readable fields must say what the hashed bytes say.
    if (entry.value("key", json()) != (*parsed)["key"] ||
        entry.value("value", json("\x01")) != (*parsed)["value"]) {
      return fail(Error::Kind::invalid_input, where + "key/value differ from the measured data");
    }
    unsigned pcr = entry["pcr"].get<unsigned>();
    auto [it, inserted] = replay.pcrs.try_emplace(pcr, std::string(32, '\0'));
    it->second = common::crypto::sha256(it->second + digest);
    const json& value = (*parsed)["value"];
    replay.config[(*parsed)["key"].get<std::string>()] =
        value.is_null() ? std::nullopt : std::optional<std::string>(value.get<std::string>());
  }
  return replay;
}

}  // namespace attest

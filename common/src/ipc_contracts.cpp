#include "common/ipc_contracts.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/crypto.hpp"

namespace common::contract {
namespace {

Error invalid(std::string_view payload, std::string_view why) {
  return Error{Error::Kind::invalid_input,
               "unable to read " + std::string(payload) + ": " + std::string(why)};
}

bool is_lower_hex(std::string_view text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A field of `object` that must be a boolean.
Result<bool> bool_field(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) {
    return fail(Error::Kind::invalid_input, "field '" + std::string(key) + "' is not a boolean");
  }
  return it->get<bool>();
}

Result<ServiceStatus> service_from_json(const json& item) {
  if (!item.is_object()) return fail(Error::Kind::invalid_input, "a service is not an object");
  ServiceStatus service;
  auto name = string_field(item, "name");
  auto state = string_field(item, "state");
  auto pid = integer_field(item, "pid");
  auto restarts = integer_field(item, "restarts");
  auto uptime = integer_field(item, "uptime_seconds");
  for (const Error* e : {name ? nullptr : &name.error(), state ? nullptr : &state.error(),
                         pid ? nullptr : &pid.error(), restarts ? nullptr : &restarts.error(),
                         uptime ? nullptr : &uptime.error()}) {
    if (e != nullptr) return std::unexpected(*e);
  }
  service = {*name, *state, *pid, *restarts, std::nullopt, std::nullopt, *uptime};
  auto last = item.find("last_exit");
  if (last == item.end() || last->is_null()) return service;
  if (auto code = integer_field(*last, "code")) service.last_exit_code = *code;
  if (auto signal = integer_field(*last, "signal")) service.last_exit_signal = *signal;
  if (!service.last_exit_code && !service.last_exit_signal) {
    return fail(Error::Kind::invalid_input, "last_exit has neither code nor signal");
  }
  return service;
}

}  // namespace

json MeasuredConfig::to_json() const { return {{"config", values}}; }

Result<MeasuredConfig> MeasuredConfig::from_json(const json& data) {
  auto config = data.is_object() ? data.find("config") : data.end();
  if (config == data.end() || !config->is_object()) {
    return std::unexpected(invalid("the configuration", "no config object"));
  }
  MeasuredConfig out;
  for (const auto& [key, value] : config->items()) {
    if (!value.is_string()) {
      return std::unexpected(invalid("the configuration", "'" + key + "' is not a string"));
    }
    out.values.emplace(key, value.get<std::string>());
  }
  return out;
}

json Certificate::to_json() const {
  return {{"chain_pem", chain_pem},
          {"key_pem", key_pem},
          {"not_after", not_after},
          {"self_signed", self_signed},
          {"spki_sha256", spki_sha256}};
}

Result<Certificate> Certificate::from_json(const json& data) {
  if (!data.is_object()) return std::unexpected(invalid("the certificate", "not an object"));
  auto chain = string_field(data, "chain_pem");
  auto key = string_field(data, "key_pem");
  auto not_after = integer_field(data, "not_after");
  auto self_signed = bool_field(data, "self_signed");
  auto spki = string_field(data, "spki_sha256");
  for (const Error* e :
       {chain ? nullptr : &chain.error(), key ? nullptr : &key.error(),
        not_after ? nullptr : &not_after.error(), self_signed ? nullptr : &self_signed.error(),
        spki ? nullptr : &spki.error()}) {
    if (e != nullptr) return std::unexpected(invalid("the certificate", e->message));
  }
  if (!is_lower_hex(*spki, 64)) {
    return std::unexpected(invalid("the certificate", "spki_sha256 is not 64 hex digits"));
  }
  return Certificate{*chain, *key, *not_after, *self_signed, *spki};
}

json Jwks::to_json() const { return {{"jwks", jwks}, {"sha256", sha256}}; }

Result<Jwks> Jwks::from_json(const json& data) {
  if (!data.is_object()) return std::unexpected(invalid("the JWKS", "not an object"));
  auto keys = data.find("jwks");
  if (keys == data.end() || !keys->is_object() || !keys->contains("keys") ||
      !(*keys)["keys"].is_array()) {
    return std::unexpected(invalid("the JWKS", "no jwks object with a keys array"));
  }
  auto digest = string_field(data, "sha256");
  if (!digest || !is_lower_hex(*digest, 64)) {
    return std::unexpected(invalid("the JWKS", "sha256 is not 64 hex digits"));
  }
  // authd serves /jwks.json as dump_json(jwks) (sorted keys, no spaces), so
  // the digest it binds can be checked against the keys it sent.
  if (crypto::hex(crypto::sha256(dump_json(*keys))) != *digest) {
    return std::unexpected(invalid("the JWKS", "sha256 is not the digest of the key set"));
  }
  return Jwks{*keys, *digest};
}

json InitStatus::to_json() const {
  json list = json::array();
  for (const auto& s : services) {
    json last_exit = nullptr;
    if (s.last_exit_code) last_exit = {{"code", *s.last_exit_code}};
    if (s.last_exit_signal) last_exit = {{"signal", *s.last_exit_signal}};
    list.push_back({{"name", s.name},
                    {"state", s.state},
                    {"pid", s.pid},
                    {"restarts", s.restarts},
                    {"last_exit", last_exit},
                    {"uptime_seconds", s.uptime_seconds}});
  }
  return {{"services", list}};
}

Result<InitStatus> InitStatus::from_json(const json& data) {
  auto list = data.is_object() ? data.find("services") : data.end();
  if (list == data.end() || !list->is_array()) {
    return std::unexpected(invalid("init's status", "no services array"));
  }
  InitStatus out;
  for (const auto& item : *list) {
    auto service = service_from_json(item);
    if (!service) return std::unexpected(invalid("init's status", service.error().message));
    out.services.push_back(std::move(*service));
  }
  return out;
}

json EgressStatus::to_json() const {
  json out = {{"state", state},
              {"persisted", persisted},
              {"nv_index", nv_index ? json(*nv_index) : json(nullptr)}};
  if (state == "restoring") return out;
  out["month"] = month.value_or("");
  out["bytes"] = bytes.value_or(0);
  out["cap_bytes"] = cap_bytes ? json(*cap_bytes) : json(nullptr);
  out["warn_percent"] = warn_percent;
  out["interface"] = interface.value_or("");
  return out;
}

Result<EgressStatus> EgressStatus::from_json(const json& data) {
  if (!data.is_object()) return std::unexpected(invalid("egressd's status", "not an object"));
  auto state = string_field(data, "state");
  auto persisted = bool_field(data, "persisted");
  if (!state || !persisted) {
    return std::unexpected(invalid("egressd's status", "no state or persisted field"));
  }
  EgressStatus out;
  out.state = *state;
  out.persisted = *persisted;
  if (auto index = string_field(data, "nv_index")) out.nv_index = *index;
  if (out.state == "restoring") return out;
  auto month = string_field(data, "month");
  auto bytes = integer_field(data, "bytes");
  auto interface = string_field(data, "interface");
  auto percents = data.find("warn_percent");
  if (!month || !bytes || !interface || percents == data.end() || !percents->is_array()) {
    return std::unexpected(invalid("egressd's status", "a restored status lacks its figures"));
  }
  out.month = *month;
  out.bytes = *bytes;
  out.interface = *interface;
  if (auto cap = integer_field(data, "cap_bytes")) out.cap_bytes = *cap;
  for (const auto& percent : *percents) {
    if (!percent.is_number_integer()) {
      return std::unexpected(invalid("egressd's status", "warn_percent is not integers"));
    }
    out.warn_percent.push_back(percent.get<std::int64_t>());
  }
  return out;
}

json RestartRequest::to_json() const { return {{"service", service}}; }

Result<RestartRequest> RestartRequest::from_json(const json& params) {
  if (!params.is_object()) return std::unexpected(invalid("the restart request", "not an object"));
  auto name = string_field(params, "service");
  if (!name || name->empty()) {
    return std::unexpected(invalid("the restart request", "no service name"));
  }
  return RestartRequest{*name};
}

std::string runtime_dir() {
  const char* dir = std::getenv("APPLIANCE_RUN_DIR");
  return (dir != nullptr && *dir != '\0') ? std::string(dir) : std::string("/run");
}

std::string socket_path(std::string_view relative) {
  return runtime_dir() + "/" + std::string(relative);
}

std::vector<uid_t> allowed_uids(std::span<const std::string_view> callers) {
  std::vector<uid_t> uids;
  for (std::string_view name : callers) {
    // getpwnam_r: servers may start on threads other than main.
    std::string user(name);
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> scratch(16384);
    if (getpwnam_r(user.c_str(), &entry, scratch.data(), scratch.size(), &found) == 0 &&
        found != nullptr) {
      uids.push_back(found->pw_uid);
    }
  }
  // Our own uid: on a development machine everything runs as one user.
  uids.push_back(::getuid());
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

}  // namespace common::contract

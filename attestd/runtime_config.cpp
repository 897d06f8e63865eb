#include "attestd/runtime_config.hpp"

#include <fstream>
#include <sstream>

#include "common/crypto.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

namespace attestd {

using common::log::Event;
namespace {

using common::Error;
using common::fail;
using common::json;

class MetadataConfigSource final : public ConfigReader {
 public:
  explicit MetadataConfigSource(common::MetadataOptions options) : client_(std::move(options)) {}
  common::Result<attest::ConfigValues> fetch() override {
    attest::ConfigValues values;
    for (std::string_view key : common::contract::attestd::measured_keys) {
      auto value = client_.attribute(key);
      if (value) {
        values[std::string(key)] = *value;
      } else if (value.error().kind == Error::Kind::not_found) {
        values[std::string(key)] = std::nullopt;
      } else {
        return std::unexpected(common::wrap(value.error(), "unable to read " + std::string(key)));
      }
    }
    return values;
  }

 private:
  common::MetadataClient client_;
};

class FileConfigSource final : public ConfigReader {
 public:
  explicit FileConfigSource(std::filesystem::path path) : path_(std::move(path)) {}
  common::Result<attest::ConfigValues> fetch() override {
    std::ifstream in(path_);
    if (!in) return fail(Error::Kind::environment, "unable to read " + path_.string());
    std::stringstream text;
    text << in.rdbuf();
    auto document = common::parse_json(text.str());
    if (!document || !document->is_object()) {
      return fail(Error::Kind::invalid_input,
                  "unable to read " + path_.string() + ": not a JSON object");
    }
    attest::ConfigValues values;
    for (std::string_view key : common::contract::attestd::measured_keys) {
      auto it = document->find(std::string(key));
      if (it == document->end() || it->is_null()) {
        values[std::string(key)] = std::nullopt;
      } else if (it->is_string()) {
        values[std::string(key)] = it->get<std::string>();
      } else {
        return fail(Error::Kind::invalid_input, "unable to read " + path_.string() + ": " +
                                                    std::string(key) + " is not a string");
      }
    }
    return values;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::unique_ptr<ConfigReader> metadata_config_reader(common::MetadataOptions options) {
  return std::make_unique<MetadataConfigSource>(std::move(options));
}
std::unique_ptr<ConfigReader> file_config_reader(std::filesystem::path path) {
  return std::make_unique<FileConfigSource>(std::move(path));
}

RuntimeConfig::RuntimeConfig(Attester& attester, unsigned pcr, std::filesystem::path state_file)
    : attester_(attester), pcr_(pcr), state_file_(std::move(state_file)) {}

common::Status RuntimeConfig::load_saved() {
  std::ifstream in(state_file_);
  if (!in) return {};  // first start of this boot
  std::stringstream text;
  text << in.rdbuf();
  auto document = common::parse_json(text.str());
  if (!document)
    return std::unexpected(common::wrap(document.error(), "unable to read saved runtime log"));
  auto events = attest::runtime_events_from_json(*document);
  if (!events)
    return std::unexpected(common::wrap(events.error(), "unable to read saved runtime log"));
  std::lock_guard guard(mutex_);
  events_ = std::move(*events);
  common::log::info(Event{"runtime_log.restored"}, "runtime log restored", {{"events", events_.size()}});
  return {};
}

common::Status RuntimeConfig::reconcile() {
  auto value = attester_.read_pcr(pcr_);
  if (!value) return std::unexpected(value.error());
  std::vector<attest::RuntimeEvent> events;
  {
    std::lock_guard guard(mutex_);
    events = events_;
  }
  std::string expected(32, '\0');
  for (const auto& event : events) {
    if (event.pcr == pcr_)
      expected = common::crypto::sha256(expected + common::crypto::sha256(event.data));
  }
  if (*value == expected) {
    std::lock_guard guard(mutex_);
    consistent_ = true;
    return {};
  }
  if (*value == std::string(32, '\0')) {
    // The TPM was reset under us (a restarted simulator): measure the log again.
    common::log::notice(Event{"runtime_log.reextended"}, "re-extending the runtime log into a reset PCR",
                        {{"pcr", pcr_}, {"events", events.size()}});
    for (const auto& event : events) {
      if (auto s = attester_.extend_pcr(event.pcr, common::crypto::sha256(event.data)); !s)
        return s;
    }
    std::lock_guard guard(mutex_);
    consistent_ = true;
    return {};
  }
  std::lock_guard guard(mutex_);
  if (consistent_) {  // said once, not at every TPM opening
    common::log::error(Event{"runtime_log.mismatch"}, "unable to explain the configuration PCR with the runtime log",
                       {{"pcr", pcr_}, {"pcr_value", common::crypto::hex(*value)}});
  }
  consistent_ = false;
  return {};
}

attest::ConfigValues RuntimeConfig::current_locked() const {
  auto replay = attest::replay_runtime_log(attest::runtime_log_json(events_));
  return replay ? replay->config : attest::ConfigValues{};
}

common::Result<bool> RuntimeConfig::measure(const attest::ConfigValues& values) {
  auto tpm = attester_.lock();  // no quote sees a half-measured configuration
  attest::ConfigValues current;
  {
    std::lock_guard guard(mutex_);
    current = current_locked();
  }
  bool changed = false;
  for (std::string_view key_view : common::contract::attestd::measured_keys) {
    std::string key(key_view);
    auto it = values.find(key);
    std::optional<std::string> value = it == values.end() ? std::nullopt : it->second;
    auto logged = current.find(key);
    if (logged != current.end() && logged->second == value) continue;
    attest::RuntimeEvent event = attest::config_event(pcr_, key, value);
    if (auto s = attester_.extend_pcr(pcr_, common::crypto::sha256(event.data)); !s) {
      return std::unexpected(common::wrap(s.error(), "unable to measure " + key));
    }
    std::lock_guard guard(mutex_);
    events_.push_back(std::move(event));
    changed = true;
  }
  {
    std::lock_guard guard(mutex_);
    measured_ = true;
  }
  if (changed) {
    if (auto s = save(); !s)
      common::log::error(Event{"runtime_log.unsaved"}, "unable to save the runtime log", {{"reason", s.error().message}});
    common::log::info(Event{"config.measured"}, "runtime configuration measured", {{"pcr", pcr_}});
  }
  return changed;
}

common::Status RuntimeConfig::save() const {
  std::string text;
  {
    std::lock_guard guard(mutex_);
    text = common::dump_json(attest::runtime_log_json(events_));
  }
  std::error_code ec;
  std::filesystem::create_directories(state_file_.parent_path(), ec);
  auto temporary = state_file_;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush())
      return fail(Error::Kind::environment, "unable to write " + temporary.string());
  }
  std::filesystem::rename(temporary, state_file_, ec);
  if (ec)
    return fail(Error::Kind::environment,
                "unable to rename " + temporary.string() + ": " + ec.message());
  return {};
}

json RuntimeConfig::log_json() const {
  std::lock_guard guard(mutex_);
  return attest::runtime_log_json(events_);
}

std::optional<common::contract::MeasuredConfig> RuntimeConfig::served_config() const {
  std::lock_guard guard(mutex_);
  if (!measured_) return std::nullopt;
  common::contract::MeasuredConfig config;
  for (const auto& [key, value] : current_locked()) {
    if (value) config.values.emplace(key, *value);
  }
  return config;
}

bool RuntimeConfig::measured() const {
  std::lock_guard guard(mutex_);
  return measured_;
}

json RuntimeConfig::status() const {
  std::lock_guard guard(mutex_);
  return {{"pcr", pcr_},
          {"measured", measured_},
          {"events", events_.size()},
          {"pcr_matches_log", consistent_}};
}

}  // namespace attestd

#include "common/config_source.hpp"

#include "common/ipc_client.hpp"
#include "common/ipc_contracts.hpp"
#include "common/log.hpp"

namespace common::config {
namespace {

Result<Values> from_metadata(const MetadataClient& metadata,
                             std::span<const std::string_view> keys) {
  Values values;
  for (auto key : keys) {
    auto value = metadata.attribute(key);
    if (value) {
      values.emplace(key, std::move(*value));
    } else if (value.error().kind != Error::Kind::not_found) {
      return std::unexpected(wrap(value.error(), "unable to read " + std::string(key)));
    }
  }
  return values;
}

// The asked keys out of attestd's measured configuration.
Values select(const contract::MeasuredConfig& config, std::span<const std::string_view> keys) {
  Values values;
  for (auto key : keys) {
    auto it = config.values.find(std::string(key));
    if (it != config.values.end()) values.emplace(key, it->second);
  }
  return values;
}

Result<Values> from_attestd(std::span<const std::string_view> keys) {
  namespace attestd = contract::attestd;
  auto client = ipc::Client::connect(contract::socket_path(attestd::socket));
  if (!client) return std::unexpected(wrap(client.error(), "unable to reach attestd"));
  auto reply = client->call(attestd::config_get);
  if (!reply) {
    return std::unexpected(wrap(reply.error(), "unable to get the configuration from attestd"));
  }
  auto config = contract::MeasuredConfig::from_json(*reply);
  if (!config) return std::unexpected(config.error());
  return select(*config, keys);
}

}  // namespace

Result<Source> parse_source(std::string_view text) {
  if (text == "attestd") return Source::attestd;
  if (text == "metadata") return Source::metadata;
  return fail(Error::Kind::invalid_input, "unable to use --config-source=" + std::string(text) +
                                              ": expected attestd or metadata");
}

Source source_flag(daemon::Flags& flags, Source fallback) {
  auto text = flags.text("config-source");
  if (!text) return fallback;
  auto source = parse_source(*text);
  if (source) return *source;
  flags.reject("config-source", source.error());
  return fallback;
}

Result<Values> load_values(Source source, const MetadataClient& metadata,
                           std::span<const std::string_view> keys) {
  return source == Source::attestd ? from_attestd(keys) : from_metadata(metadata, keys);
}

std::unique_ptr<ipc::Subscriber> follow_attestd(boost::asio::io_context& io,
                                                std::span<const std::string_view> keys,
                                                std::function<void(Values)> on_values) {
  return ipc::follow<contract::MeasuredConfig>(
      io, contract::attestd::config_feed,
      [owned = std::vector<std::string>(keys.begin(), keys.end()),
       on_values = std::move(on_values)](contract::MeasuredConfig config) {
        const std::vector<std::string_view> wanted(owned.begin(), owned.end());
        on_values(select(config, wanted));
      });
}

std::string value_or_empty(const Values& values, std::string_view key) {
  auto it = values.find(std::string(key));
  return it == values.end() ? std::string() : it->second;
}

}  // namespace common::config

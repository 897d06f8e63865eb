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

// The asked keys out of a config.get reply or a config.updated event.
Result<Values> values_of(const json& reply, std::span<const std::string_view> keys) {
  auto config = reply.is_object() ? reply.find("config") : reply.end();
  if (config == reply.end() || !config->is_object()) {
    return fail(Error::Kind::invalid_input,
                "unable to read attestd's configuration: no config object");
  }
  Values values;
  for (auto key : keys) {
    auto it = config->find(key);
    if (it != config->end() && it->is_string()) values.emplace(key, it->get<std::string>());
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
  return values_of(*reply, keys);
}

}  // namespace

Result<Source> parse_source(std::string_view text) {
  if (text == "attestd") return Source::attestd;
  if (text == "metadata") return Source::metadata;
  return fail(Error::Kind::invalid_input, "unable to use --config-source=" + std::string(text) +
                                              ": expected attestd or metadata");
}

Result<Values> load_values(Source source, const MetadataClient& metadata,
                           std::span<const std::string_view> keys) {
  return source == Source::attestd ? from_attestd(keys) : from_metadata(metadata, keys);
}

std::unique_ptr<ipc::Subscriber> follow_attestd(boost::asio::io_context& io,
                                                std::span<const std::string_view> keys,
                                                std::function<void(Values)> on_values) {
  namespace attestd = contract::attestd;
  auto subscriber = std::make_unique<ipc::Subscriber>(
      io, contract::socket_path(attestd::socket), std::string(attestd::config_get),
      std::string(attestd::config_updated),
      [owned = std::vector<std::string>(keys.begin(), keys.end()),
       on_values = std::move(on_values)](const json& reply) {
        const std::vector<std::string_view> wanted(owned.begin(), owned.end());
        auto values = values_of(reply, wanted);
        if (!values) {
          log::warning("ignoring a configuration from attestd",
                       {{"reason", values.error().message}});
          return;
        }
        on_values(std::move(*values));
      });
  subscriber->start();
  return subscriber;
}

std::string value_or_empty(const Values& values, std::string_view key) {
  auto it = values.find(std::string(key));
  return it == values.end() ? std::string() : it->second;
}

}  // namespace common::config

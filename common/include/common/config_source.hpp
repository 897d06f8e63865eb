#pragma once
// Where a daemon's configuration comes from. In the appliance it is attestd
// (config.get), which measures every value into a PCR before it serves it, so
// that no daemon acts on a value the quote does not prove. Tests and local
// runs may read the metadata server directly. Secrets are never measured and
// never pass through here: each daemon reads its own from the metadata server.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/daemon.hpp"
#include "common/error.hpp"
#include "common/ipc_client.hpp"
#include "common/metadata.hpp"

namespace common::config {

enum class Source { attestd, metadata };

// Parses the value of a daemon's --config-source flag.
Result<Source> parse_source(std::string_view text);
// Reads --config-source=attestd|metadata from `flags` (an invalid value is
// kept for flags.finish() to report).
Source source_flag(daemon::Flags& flags, Source fallback = Source::attestd);

// Attribute name -> value; a key the source does not have is simply absent.
using Values = std::map<std::string, std::string>;

// Reads `keys` from `source`. A missing attribute is absent from the result;
// an unreachable source is an error.
Result<Values> load_values(Source source, const MetadataClient& metadata,
                           std::span<const std::string_view> keys);

// Follows attestd's measured configuration: calls on_values with `keys` out
// of config.get on every (re)connection and out of every config.updated
// event, in order, on `io`'s thread. A reply without a config object is
// logged and skipped. The returned subscriber is already started; destroying
// it stops following.
std::unique_ptr<ipc::Subscriber> follow_attestd(boost::asio::io_context& io,
                                                std::span<const std::string_view> keys,
                                                std::function<void(Values)> on_values);

// The value of `key`, or "" when it is not set.
std::string value_or_empty(const Values& values, std::string_view key);

}  // namespace common::config

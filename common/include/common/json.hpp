#pragma once
// The one place that turns nlohmann/json's exceptions into values.

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace common {

using nlohmann::json;

Result<json> parse_json(std::string_view text);

// Typed field access for untrusted objects: a missing or mistyped field is an
// invalid_input error naming the field, never an exception.
Result<std::string> string_field(const json& object, std::string_view key);
Result<std::int64_t> integer_field(const json& object, std::string_view key);
// A string field that may be absent (then ""), as proto3 JSON omits empty
// ones; present with another type is still an error.
Result<std::string> optional_string_field(const json& object, std::string_view key);

// dump() that never throws on invalid UTF-8 (replaces it).
std::string dump_json(const json& value, int indent = -1);

}  // namespace common

#include "common/json.hpp"

#include <exception>
#include <string>

namespace common {

Result<json> parse_json(std::string_view text) {
  // The non-throwing overload: a parse error yields a "discarded" value.
  // Exceptions can still escape for pathological input (e.g. allocation), so
  // they are caught here, the one wrapper around the library.
  try {
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return fail(Error::Kind::invalid_input, "invalid JSON");
    return value;
  } catch (const std::exception& e) {
    return fail(Error::Kind::invalid_input, std::string("invalid JSON: ") + e.what());
  }
}

Result<std::string> string_field(const json& object, std::string_view key) {
  if (!object.is_object()) return fail(Error::Kind::invalid_input, "not a JSON object");
  auto it = object.find(key);
  if (it == object.end()) {
    return fail(Error::Kind::invalid_input, "missing field \"" + std::string(key) + "\"");
  }
  if (!it->is_string()) {
    return fail(Error::Kind::invalid_input, "field \"" + std::string(key) + "\" is not a string");
  }
  return it->get<std::string>();
}

Result<std::string> optional_string_field(const json& object, std::string_view key) {
  if (object.is_object() && !object.contains(key)) return std::string();
  return string_field(object, key);
}

Result<std::int64_t> integer_field(const json& object, std::string_view key) {
  if (!object.is_object()) return fail(Error::Kind::invalid_input, "not a JSON object");
  auto it = object.find(key);
  if (it == object.end()) {
    return fail(Error::Kind::invalid_input, "missing field \"" + std::string(key) + "\"");
  }
  if (it->is_number_integer()) {
    // An unsigned value above INT64_MAX would wrap; refuse it instead.
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      return fail(Error::Kind::invalid_input, "field \"" + std::string(key) + "\" is out of range");
    }
    return it->get<std::int64_t>();
  }
  return fail(Error::Kind::invalid_input, "field \"" + std::string(key) + "\" is not an integer");
}

std::string dump_json(const json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace common

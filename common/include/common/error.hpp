#pragma once
// Errors as values at every boundary that can fail for environmental reasons.
// Messages follow one grammar: "unable to <verb> <object>: <reason>".

#include <expected>
#include <string>
#include <utility>

namespace common {

struct Error {
  // Why it failed decides what the caller does (style: sort failures by cause).
  enum class Kind {
    invalid_input,  // untrusted input: reject, log, go on
    not_found,      // a thing that may legitimately be absent (404, no NV index)
    permission,     // refused by policy (peer uid, HTTP 401/403)
    environment,    // TPM gone, server down, timeout: retry with back-off
    internal,       // a bug or impossible state
  };
  Kind kind = Kind::internal;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Error::Kind kind, std::string message) {
  return std::unexpected(Error{kind, std::move(message)});
}

// Prefixes context to an error as it travels up: "unable to X: <inner>".
inline Error wrap(const Error& inner, std::string_view context) {
  return Error{inner.kind, std::string(context) + ": " + inner.message};
}

std::string_view kind_name(Error::Kind kind);

}  // namespace common

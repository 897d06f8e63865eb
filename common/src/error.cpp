#include "common/error.hpp"

namespace common {

std::string_view kind_name(Error::Kind kind) {
  switch (kind) {
    case Error::Kind::invalid_input:
      return "invalid_input";
    case Error::Kind::not_found:
      return "not_found";
    case Error::Kind::permission:
      return "permission";
    case Error::Kind::environment:
      return "environment";
    case Error::Kind::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace common

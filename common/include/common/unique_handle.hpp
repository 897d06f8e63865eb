#pragma once
// std::unique_ptr for C objects that a library frees with its own function
// (OpenSSL's X_free, curl_easy_cleanup, freeaddrinfo, libnl's X_put...):
// UniqueHandle<T, free_function> instead of a deleter struct in every file.

#include <memory>

namespace common {

// Calls `Free` on the pointer (unique_ptr never calls a deleter on null).
template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

template <typename T, auto Free>
using UniqueHandle = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace common

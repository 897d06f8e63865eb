#pragma once
// Kernel modules from the image's list (one .ko path per line, in load
// order: the image step resolves dependencies when it writes the list).

#include <string>

#include "common/error.hpp"

namespace init {

struct ModuleReport {
  int loaded = 0;
  int already = 0;  // built in or loaded before
  int failed = 0;
};

// Loads every module with finit_module(2). A missing file whose module is
// built in, or EEXIST, is skipped; any other failure is logged and counted,
// and loading goes on (a missing input driver must not cost the network).
common::Result<ModuleReport> load_kernel_modules(const std::string& list_file);

}  // namespace init

#pragma once
// What a service's user is given before each start: its run directories,
// granted devices/files (chown + chmod) and private copies of files whose
// ownership should not change. Done before every start because devices can
// reappear (devtmpfs) and /run is empty at boot.

#include <optional>
#include <string>

#include "common/error.hpp"
#include "init/service_table.hpp"
#include "init/spawn.hpp"

namespace init {

// credentials nullopt (init is not root): directories and copies are made,
// ownership is left alone.
common::Status prepare_service_access(const ServiceSpec& spec,
                                      const std::optional<Credentials>& credentials,
                                      const std::string& runtime_dir);

}  // namespace init

#include "init/options.hpp"

#include <string_view>

namespace init {

common::Result<Options> parse_options(int argc, char** argv, bool is_pid1) {
  Options options;
  options.pid1 = is_pid1;
  options.machine_setup = is_pid1;
  options.network = is_pid1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--services=")) {
      options.services_file = arg.substr(11);
    } else if (arg.starts_with("--modules=")) {
      options.modules_file = std::string(arg.substr(10));
    } else if (arg == "--no-pid1-setup") {
      // PID 1 of a test's PID namespace: behave as an ordinary supervisor.
      options.pid1 = false;
      options.machine_setup = false;
      options.network = false;
    } else if (arg == "--network") {
      options.network = true;
    } else if (!is_pid1) {
      // As PID 1, the kernel passes its unknown command-line words to us as
      // arguments: those are not ours to reject.
      return common::fail(
          common::Error::Kind::invalid_input,
          "unknown argument '" + std::string(arg) +
              "' (known: --services=FILE --modules=FILE --no-pid1-setup --network)");
    }
  }
  return options;
}

}  // namespace init

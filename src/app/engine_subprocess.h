#pragma once
// A child process run to completion with its output captured (the entry-point query,
// `fastest verify`'s two runs). Not for workers: those are src/exec's.

#include <filesystem>
#include <string>
#include <vector>

namespace fastest::app {

struct ProcessOutput {
  bool started = false;  ///< false: the program could not be executed (`err` says why)
  int exit_code = -1;    ///< -1 if killed by a signal
  std::string out, err;  ///< stdout, stderr
  double wall_s = 0;     ///< from spawn to exit
};

/// Runs argv[0] (looked up in PATH when it has no '/') in `cwd` ("" = ours), stdin on
/// /dev/null, with `extra_env` ("KEY=VALUE") added to our environment.
ProcessOutput run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                          const std::vector<std::string>& extra_env = {});

}  // namespace fastest::app

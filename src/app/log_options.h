#pragma once
// pytest's logging plugin, the controller's part: live logging on or off, and the log
// file, which pytest opens once with mode "w" (the workers append to it).

#include <filesystem>

#include "app/context.h"

namespace fastest::app {

/// pytest's _log_cli_enabled: `--log-cli-level` given or `log_cli` true; off under
/// `--collect-only` (pytest's runtestloop is where it forces -v) and `-p no:logging`.
bool live_logging(const RunContext& ctx);

/// `--log-file` / `log_file`, absolute (relative to the invocation directory); empty = none.
std::filesystem::path log_file_path(const RunContext& ctx);

/// Empties the log file once before any worker starts (creating its directory), as
/// pytest's LoggingPlugin does at configure time. Failures are left to the workers.
void truncate_log_file(const RunContext& ctx);

}  // namespace fastest::app

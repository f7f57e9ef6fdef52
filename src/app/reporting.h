#pragma once
// The run's reporters, configured from the options, the ini file and the environment.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/context.h"
#include "base/clock.h"
#include "report/json_report.h"
#include "report/junit.h"
#include "report/live_display.h"
#include "report/reporter.h"

namespace fastest::app {

struct Reporters {
  std::unique_ptr<report::TerminalDevice> device;  ///< the live display's terminal (or none)
  std::vector<std::unique_ptr<report::Reporter>> all;
  report::JunitReporter* junit = nullptr;
  report::Reporter* terminal = nullptr;
  report::JsonReporter* json = nullptr;  ///< --json
};

/// The terminal reporter (live on a terminal unless --progress=plain), and the JUnit one
/// with --junitxml (junit_* ini options applied). `clock` must outlive the reporters.
Reporters make_reporters(const RunContext& ctx, const base::Clock& clock);

/// --progress resolved: "live" or "plain" (not a TTY, TERM=dumb, uncaptured output).
std::string progress_mode(const Options& o, bool isatty, const char* term);

/// A pytest option from the `options` object (pytest dest name), when the CLI set it.
std::optional<bool> option_bool(const Options& o, const std::string& dest);
std::optional<std::string> option_string(const Options& o, const std::string& dest);

/// The header's rootdir/configfile/testpaths parts, as pytest's pytest_report_header.
void describe_root(const RunContext& ctx, report::RunHeader& header);

std::string host_name();

}  // namespace fastest::app

#pragma once
// The composition root: discover -> load history -> plan -> execute -> record -> report.

#include "app/options.h"

namespace fastest::app {

/// Runs the test session described by `opts`; returns pytest's exit code.
/// Prints errors itself; never throws.
ExitCode run_tests(const Options& opts);

/// Asks a running session to stop (Ctrl-C / SIGTERM). Async-signal-safe.
void request_interrupt();

}  // namespace fastest::app

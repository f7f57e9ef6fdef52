#pragma once
// Modules whose runtime collection failed in the last runs, one file per rootdir and
// interpreter in the cache. The plan dispatches them first: an import error that persists
// is then seen before any test runs, and the interrupted run has run nothing, as pytest's.

#include <set>
#include <string>

#include "app/context.h"

namespace fastest::app {

/// Rootdir-relative modules that failed to collect when last run (empty if none or unreadable).
std::set<std::string> load_collect_failures(const RunContext& ctx);

/// After a run: `failed` are added, `collected` (modules that collected fine) removed;
/// the file goes away when nothing is left. Best effort: a cache that cannot be written
/// only loses the ordering hint.
void save_collect_failures(const RunContext& ctx, const std::set<std::string>& failed,
                           const std::set<std::string>& collected);

}  // namespace fastest::app

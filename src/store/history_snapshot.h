#pragma once
// Internal to the store (and its tests): the planner's history as one blob
// (history_snapshot.data, schema 9), so start-up reads one row instead of scanning nodes,
// test_stats and module_stats (210,000 rows for 100,000 tests).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "store/history_store.h"

namespace fastest::store {

/// Format 1: a version byte; the tests in the order given, then the modules sorted by path;
/// each list a varint count, then per entry the number of key bytes shared with the previous
/// key (varint), the rest of the key (length-prefixed) and the seconds (8-byte double), so
/// the ids of one file cost a few bytes each.
std::string encode_history(const History& h);
/// The same from views (the store's recording cache holds the ids already).
std::string encode_history(std::span<const std::pair<std::string_view, double>> tests,
                           const std::unordered_map<std::string, double>& modules);

/// The History back (tests in the encoded order), or nullopt for bytes that are not such an
/// encoding: history() then scans the tables. Values that are not sane durations are left
/// out, as the scan leaves them out.
std::optional<History> decode_history(std::string_view blob);

}  // namespace fastest::store

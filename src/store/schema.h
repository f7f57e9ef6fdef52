#pragma once
// Internal to the store (and its tests): the embedded schema migrations.

#include <span>
#include <string_view>

namespace fastest::store {

/// One schema/NNNN_name.sql file; applying it moves user_version from version - 1 to version.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// All migrations in version order (1, 2, ...), embedded at build time.
std::span<const Migration> migrations();

/// The version this build writes: the last migration's number.
inline int latest_schema_version() { return migrations().back().version; }

}  // namespace fastest::store

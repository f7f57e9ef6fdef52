#pragma once
// Internal: pytest's name and path matching rules built on fnmatch().

#include <string>
#include <string_view>
#include <vector>

namespace fastest::discovery {

/// pytest's fnmatch_ex: a pattern without '/' matches the basename, otherwise the
/// whole path ("*/" prepended to relative patterns when the path is absolute).
bool fnmatch_ex(std::string_view pattern, std::string_view path);

/// pytest's _matches_prefix_or_glob_option: `name` starts with an option, or an option
/// containing glob characters fnmatches it (python_classes / python_functions).
bool matches_prefix_or_glob(std::string_view name, const std::vector<std::string>& options);

}  // namespace fastest::discovery

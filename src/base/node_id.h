#pragma once
// pytest node ids, one rule for every module: `path::Class::function[params]`.
//
// The path may contain `[` (a directory `d[1]/`), the names between `::` are Python
// identifiers, and the parameter part may contain anything (`[a::b]`, `[x[0]]`). So the
// parameter part starts at the first `[` after the first `::`; an id without `::` (a
// module, a text file) has none.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fastest::base {

/// Offset of the `[` that starts the parameter part, or npos.
std::size_t params_start(std::string_view id);

/// `t.py::T::f[1]` -> {"t.py::T::f", "[1]"}. Views into `id`.
std::pair<std::string_view, std::string_view> split_params(std::string_view id);

/// `t.py::T::f[1]` -> {"t.py", "T", "f"} (the parameter part left off). Views into `id`.
std::vector<std::string_view> id_parts(std::string_view id);

/// True when one id equals the other or extends it at a `::` or `[` boundary, so a
/// selection by either covers the other (`t.py::T` and `t.py::T::f[1]`; never `t.py::f`
/// and `t.py::f2`).
bool ids_overlap(std::string_view a, std::string_view b);

/// The name pytest shows in a failure header: the part after the path, `::` -> `.`,
/// parameters kept: `d[1]/t.py::T::f[1]` -> `T.f[1]`. An id without `::` is itself.
std::string display_name(std::string_view id);

}  // namespace fastest::base

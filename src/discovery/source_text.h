#pragma once
// Internal: from a file's bytes to UTF-8 text the parser can read, with CPython's
// rules for NUL bytes, the UTF-8 BOM and PEP 263 coding cookies.

#include <optional>
#include <string>
#include <string_view>

namespace fastest::discovery {

/// Why CPython would refuse to compile the bytes; line is 1-based (0 when unknown).
struct SourceProblem {
  int line = 0;
  std::string message;
};

/// Text ready for the parser: a view either into the input or into `storage`.
struct DecodedSource {
  std::string_view text;
  std::optional<SourceProblem> problem;
};

/// Decodes `raw` as CPython's tokenizer would. `storage` receives transcoded text when
/// the file declares a non-UTF-8 encoding. `rel_path` is only used in messages.
DecodedSource decode_source(std::string_view raw, std::string& storage, std::string_view rel_path);

/// Offset of the first byte that breaks UTF-8 (overlongs and surrogates included), or npos.
std::size_t first_invalid_utf8(std::string_view s);

/// 1-based line number of byte `offset`.
int line_of(std::string_view s, std::size_t offset);

}  // namespace fastest::discovery

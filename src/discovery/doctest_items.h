#pragma once
// Internal: pytest's doctest items (_pytest/doctest.py over the stdlib's DocTestFinder),
// found statically from docstrings.

#include <string>
#include <string_view>
#include <vector>

#include <tree_sitter/api.h>

#include "base/test_item.h"

namespace fastest::discovery {

/// True when DocTestParser finds an example in `text`: a line of spaces then ">>>" whose
/// source (with its "..." lines) is not blank or only a comment. Tabs count as 8 columns.
bool has_doctest_examples(std::string_view text);

/// The DoctestModule items of a parsed module, sorted by name as DocTestFinder sorts them:
/// the module docstring (named `module_name`), then `module_name.Class`, `.Class.method`,
/// `.func`, `.__test__.key`, ... for every docstring with examples. Node ids are
/// `rel_path::name`.
std::vector<base::TestItem> doctest_items(TSNode root, std::string_view source, std::string_view rel_path,
                                          std::string_view module_name);

/// The single item of a doctest text file (`rel_path::basename`), or none without examples.
std::vector<base::TestItem> text_doctest_items(std::string_view text, std::string_view rel_path);

}  // namespace fastest::discovery

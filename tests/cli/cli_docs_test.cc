// docs/cli.md must list every option of the table, with its status.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/option_table.h"

namespace fastest::app {
namespace {

TEST(CliDocs, EveryTableOptionHasARowInDocsCliMd) {
  std::ifstream in(std::string(FASTEST_SOURCE_DIR) + "/docs/cli.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  ASSERT_FALSE(doc.empty());
  for (const auto& s : option_table()) {
    // A row starts with the option's names: "| `-x`, `--exitfirst` |".
    std::string names;
    for (const auto& n : s.names) names += (names.empty() ? "" : ", ") + std::string("`") + n + "`";
    auto row = doc.find("| " + names + " |");
    EXPECT_NE(row, std::string::npos) << "docs/cli.md has no row for " << names;
    if (row == std::string::npos) continue;
    std::string line = doc.substr(row, doc.find('\n', row) - row);
    const char* status = s.status == OptStatus::implemented ? "implemented"
                         : s.status == OptStatus::no_effect ? "no effect"
                                                            : "refused";
    EXPECT_NE(line.find(status), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace fastest::app

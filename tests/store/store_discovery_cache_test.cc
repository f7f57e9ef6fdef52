// The discovery cache's schema-3 columns (parse_key, conftest facts) and the 0002 -> 0003
// upgrade, against real SQLite.
#include <gtest/gtest.h>

#include "store/history_store.h"
#include "store/schema.h"
#include "store/store_test_util.h"

namespace fastest::store {
namespace {

using testing::TempDir;

TEST(StoreDiscoveryCache, ParseKeyAndFactsRoundTrip) {
  auto s = HistoryStore::open_memory();
  ASSERT_TRUE(s.ok());
  CachedFile conftest{"tests/conftest.py",
                      10,
                      20,
                      30,
                      {},
                      std::nullopt,
                      0xFEDCBA9876543210ULL,
                      std::string("conftest-facts 1\nhook\tpytest_configure\n")};
  CachedFile module{"tests/test_a.py", 1, 2, 3, {}, std::nullopt, 7, std::nullopt};
  module.items.push_back({"tests/test_a.py::test_x", "tests/test_a.py", "", "test_x", 1, {}, false});
  ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{conftest, module}).ok());
  auto c = (*s)->cached_file("tests/conftest.py");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->parse_key, 0xFEDCBA9876543210ULL);
  EXPECT_EQ(c->facts, conftest.facts);
  auto m = (*s)->cached_file("tests/test_a.py");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->parse_key, 7u);
  EXPECT_FALSE(m->facts.has_value());
  EXPECT_EQ(m->items.size(), 1u);
}

TEST(StoreDiscoveryCache, UpgradesAVersion2DatabaseWhoseRowsAreParsedAgain) {
  TempDir dir;
  const auto path = dir / "v2.db";
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA journal_mode=WAL");
    raw.exec(std::string(migrations()[0].sql));
    raw.exec(std::string(migrations()[1].sql));
    raw.exec("PRAGMA user_version=2; PRAGMA application_id=" + std::to_string(k_application_id));
    raw.exec(
        "INSERT INTO files VALUES ('t.py', 10, 20, 30, NULL, NULL);"
        "INSERT INTO tests VALUES ('t.py', 0, 't.py::a', '', 'a', 1, '', 0)");
  }
  auto s = HistoryStore::open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  auto c = (*s)->cached_file("t.py");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->parse_key, 0u);  // no parse has key 0: discovery parses it again
  EXPECT_FALSE(c->facts.has_value());
  EXPECT_EQ(c->items.size(), 1u);
}

}  // namespace
}  // namespace fastest::store

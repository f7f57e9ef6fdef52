// The discovery cache: schema-3 columns (parse_key, conftest facts), schema 6's one row per
// file (stat, items blob), and the upgrades, against real SQLite.
#include <gtest/gtest.h>

#include "store/history_store.h"
#include "store/item_blob.h"
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

/// A database at `version` (migrations applied by hand, as an older build left it).
void write_version(const std::filesystem::path& path, int version) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  raw.exec("PRAGMA journal_mode=WAL");
  for (int v = 1; v <= version; ++v) raw.exec(std::string(migrations()[static_cast<std::size_t>(v - 1)].sql));
  raw.exec("PRAGMA user_version=" + std::to_string(version) +
           "; PRAGMA application_id=" + std::to_string(k_application_id));
}

/// A store left at schema `version` holding `rows`, opened (and so upgraded) by this build.
base::Result<std::unique_ptr<HistoryStore>> open_upgraded(const std::filesystem::path& path, int version,
                                                          const std::string& rows) {
  write_version(path, version);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(rows);
  }
  return HistoryStore::open(path);
}

TEST(StoreDiscoveryCache, UpgradesAVersion2DatabaseWhoseRowsAreParsedAgain) {
  TempDir dir;
  auto s = open_upgraded(dir / "v2.db", 2,
                         "INSERT INTO files VALUES ('t.py', 10, 20, 30, NULL, NULL);"
                         "INSERT INTO tests VALUES ('t.py', 0, 't.py::a', '', 'a', 1, '', 0)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  EXPECT_FALSE((*s)->cached_file("t.py").has_value());  // version 6 drops the cache: parsed again
}

TEST(StoreDiscoveryCache, UpgradesAVersion5DatabaseToOneRowPerFileAndKeepsTheHistory) {
  TempDir dir;
  auto s = open_upgraded(
      dir / "v5.db", 5,
      "INSERT INTO files VALUES ('t.py', 10, 20, 30, NULL, NULL, 7, NULL);"
      "INSERT INTO tests VALUES ('t.py', 0, 't.py::a', '', 'a', 1, '', 0);"
      "INSERT INTO runs (id, uuid, started_unix, ended_unix, argv, workers, schedule, shard, python_version, host, "
      "git_commit, predicted_makespan_s) VALUES (1, '0123456789abcdef0123456789abcdef', 1.0, 2.0, 'fastest', 1, "
      "'fifo', '', '3.11', 'h', '', 0)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->warnings().empty()) << (*s)->warnings()[0];
  EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  EXPECT_FALSE((*s)->cached_file("t.py").has_value());
  EXPECT_EQ((*s)->run_count(), 1);
  CachedFile f{"t.py", 10, 20, 30, {}, std::nullopt, 7, std::nullopt};
  f.items.push_back({"t.py::a", "t.py", "", "a", 1, {}, false});
  ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{f}).ok());
  ASSERT_TRUE((*s)->cached_file("t.py").has_value());
}

TEST(StoreDiscoveryCache, StatAndItemsRoundTripThroughOneBlob) {
  auto s = HistoryStore::open_memory();
  ASSERT_TRUE(s.ok());
  CachedFile f{"tests/test_a.py", 100, 200, 300, {}, std::nullopt, 9, std::nullopt};
  f.ctime_ns = 1'700'000'000'000'000'001;
  f.inode = 0xFFFF'FFFF'FFFF'FFF0ULL;
  f.checked_ns = 1'700'000'000'000'000'002;
  f.items.push_back({"tests/test_a.py::TestK::test_m", "tests/test_a.py", "TestK", "test_m", 3, {}, false});
  f.items.push_back(
      {"tests/test_a.py::test_p", "tests/test_a.py", "", "test_p", 300000, {"parametrize", "slow"}, true, {"n", "m"}});
  // A doctest's id is not path::cls::function: stored as it is.
  f.items.push_back({"tests/test_a.py::tests.test_a.f", "tests/test_a.py", "", "", 1, {}, false});
  f.items.push_back({"tests/test_a.py::test_\xc3\xa9", "tests/test_a.py", "", "test_\xc3\xa9", 9, {""}, false});
  ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{f}).ok());
  for (auto got : {(*s)->cached_file(f.rel_path), std::optional<CachedFile>((*s)->cached_files().at(0))}) {
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->ctime_ns, f.ctime_ns);
    EXPECT_EQ(got->inode, f.inode);
    EXPECT_EQ(got->checked_ns, f.checked_ns);
    ASSERT_EQ(got->items.size(), f.items.size());
    for (std::size_t i = 0; i < f.items.size(); ++i) {
      EXPECT_EQ(got->items[i].node_id, f.items[i].node_id);
      EXPECT_EQ(got->items[i].file, f.items[i].file);
      EXPECT_EQ(got->items[i].cls, f.items[i].cls);
      EXPECT_EQ(got->items[i].function, f.items[i].function);
      EXPECT_EQ(got->items[i].line, f.items[i].line);
      EXPECT_EQ(got->items[i].markers, f.items[i].markers);
      EXPECT_EQ(got->items[i].parametrized, f.items[i].parametrized);
      EXPECT_EQ(got->items[i].params, f.items[i].params);
    }
  }
}

// The app reads a big cache with `encoded`: the blob as stored (checked), no TestItems; a
// file written back from such a read keeps its blob.
TEST(StoreDiscoveryCache, AnEncodedReadGivesTheBlobAndWritesItBackUnchanged) {
  auto s = HistoryStore::open_memory();
  ASSERT_TRUE(s.ok());
  CachedFile f{"tests/test_a.py", 100, 200, 300, {}, std::nullopt, 9, std::nullopt};
  f.items.push_back({"tests/test_a.py::TestK::test_m", "tests/test_a.py", "TestK", "test_m", 3, {}, false});
  f.items.push_back({"tests/test_a.py::tests.test_a.f", "tests/test_a.py", "", "", 1, {}, false});
  ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{f}).ok());
  auto got = (*s)->cached_file(f.rel_path, /*encoded=*/true);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->items.empty());
  EXPECT_EQ(got->items_blob, encode_items(f.items, f.rel_path));
  std::vector<std::string> ids;
  NodeIdReader reader(got->items_blob, f.rel_path);
  for (std::string id; reader.next(id);) ids.push_back(id);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(ids, (std::vector<std::string>{f.items[0].node_id, f.items[1].node_id}));
  auto all = (*s)->cached_files(/*encoded=*/true);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].items_blob, got->items_blob);
  got->checked_ns = 5;
  ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{*got}).ok());
  auto back = (*s)->cached_file(f.rel_path);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->checked_ns, 5);
  ASSERT_EQ(back->items.size(), 2u);
  EXPECT_EQ(back->items[1].node_id, f.items[1].node_id);
}

TEST(StoreDiscoveryCache, AnUnreadableItemsBlobIsNotACacheAnswer) {
  TempDir dir;
  const auto path = dir / "c.db";
  {
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok());
    CachedFile f{"t.py", 1, 2, 3, {}, std::nullopt, 7, std::nullopt};
    f.items.push_back({"t.py::a", "t.py", "", "a", 1, {}, false});
    ASSERT_TRUE((*s)->save_files(std::vector<CachedFile>{f}).ok());
  }
  // Truncated (five items promised), and a whole format-1 blob (no parametrize argnames).
  for (const char* blob : {"X'0205'", "X'0101000100016100'"}) {
    {
      SQLite::Database raw(path, SQLite::OPEN_READWRITE);
      raw.exec(std::string("UPDATE files SET items = ") + blob);
    }
    auto s = HistoryStore::open(path);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE((*s)->cached_file("t.py").has_value()) << blob;
    EXPECT_TRUE((*s)->cached_files().empty()) << blob;
    EXPECT_FALSE((*s)->cached_file("t.py", /*encoded=*/true).has_value()) << blob;
    EXPECT_TRUE((*s)->cached_files(/*encoded=*/true).empty()) << blob;
  }
}

}  // namespace
}  // namespace fastest::store

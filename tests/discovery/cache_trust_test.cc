// The discovery cache's trust rule (git's index rule): a cached answer whose stat matches
// and was not racy is used without reading the file; any other is hashed, and parsed when
// its bytes changed.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "discovery/discovery_test_util.h"

namespace fastest::discovery {
namespace {

using testing::TempTree;

constexpr const char* k_test = "def test_a():\n    pass\n";
constexpr std::int64_t k_second = 1'000'000'000;

struct Answer {
  ParsedFile file;
  int asked = 0;
};

/// A cache answer for `rel_path` as an earlier pass would have stored it: the file's
/// current stat, checked `checked_after_ns` after its last change, with `hash` as its
/// content hash and one item the parse would never produce.
Answer answer_for(TempTree& t, const std::string& rel_path, std::int64_t checked_after_ns, std::uint64_t hash) {
  struct stat st {};
  EXPECT_EQ(::stat((t.root() / rel_path).c_str(), &st), 0);
  Answer a;
  a.file.rel_path = rel_path;
  a.file.size = st.st_size;
  a.file.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * k_second + st.st_mtim.tv_nsec;
  a.file.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * k_second + st.st_ctim.tv_nsec;
  a.file.inode = st.st_ino;
  a.file.checked_ns = std::max(a.file.mtime_ns, a.file.ctime_ns) + checked_after_ns;
  a.file.content_hash = hash;
  a.file.items.emplace_back().node_id = rel_path + "::test_from_cache";
  return a;
}

Discovery discover_with(TempTree& t, Answer& a) {
  SourceFile kind;
  kind.rel_path = a.file.rel_path;
  a.file.parse_key = parse_key(kind, t.config());
  return discover(t.config(), [&](const SourceFile& f) -> std::optional<ParsedFile> {
    if (f.rel_path != a.file.rel_path) return std::nullopt;
    ++a.asked;
    return a.file;
  });
}

TEST(DiscoveryCacheTrust, AMatchingStatCheckedLaterThanTheRacyWindowIsNotRead) {
  TempTree t;
  t.write("test_a.py", k_test);
  // A wrong hash: only an answer used without reading the file keeps the cached item.
  Answer a = answer_for(t, "test_a.py", k_racy_ns + k_second, 12345);
  Discovery d = discover_with(t, a);
  EXPECT_EQ(a.asked, 1);
  EXPECT_EQ(d.parsed_count, 0u);
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_EQ(d.files[0].items.at(0).node_id, "test_a.py::test_from_cache");
  EXPECT_FALSE(d.files[0].parsed);
  EXPECT_FALSE(d.files[0].verified);
}

TEST(DiscoveryCacheTrust, ARacyAnswerIsHashedAndVerifiedWhenTheBytesMatch) {
  TempTree t;
  t.write("test_a.py", k_test);
  SourceFile f;
  f.abs_path = t.root() / "test_a.py";
  Answer a = answer_for(t, "test_a.py", k_racy_ns / 2, hash_file(f).value());
  Discovery d = discover_with(t, a);
  EXPECT_EQ(d.parsed_count, 0u);
  EXPECT_EQ(d.files.at(0).items.at(0).node_id, "test_a.py::test_from_cache");
  EXPECT_TRUE(d.files[0].verified);
  // Written back with this pass's time: the next pass trusts it once the window passed.
  EXPECT_GE(d.files[0].checked_ns, a.file.ctime_ns);
  EXPECT_NE(d.files[0].checked_ns, a.file.checked_ns);
}

TEST(DiscoveryCacheTrust, ARacyAnswerWhoseBytesChangedIsParsed) {
  TempTree t;
  t.write("test_a.py", k_test);
  Answer a = answer_for(t, "test_a.py", k_racy_ns / 2, 12345);
  Discovery d = discover_with(t, a);
  EXPECT_EQ(d.parsed_count, 1u);
  EXPECT_EQ(d.files.at(0).items.at(0).node_id, "test_a.py::test_a");
  EXPECT_TRUE(d.files[0].parsed);
}

TEST(DiscoveryCacheTrust, AnotherCtimeOrInodeIsHashedEvenWhenMtimeAndSizeMatch) {
  TempTree t;
  t.write("test_a.py", k_test);
  for (int field = 0; field < 2; ++field) {
    // An edit that restored the mtime (rsync -t, touch -r) still moved the ctime; a file
    // replaced by rename has another inode.
    Answer a = answer_for(t, "test_a.py", k_racy_ns + k_second, 12345);
    if (field == 0)
      a.file.ctime_ns -= 1;
    else
      a.file.inode += 1;
    Discovery d = discover_with(t, a);
    EXPECT_EQ(d.parsed_count, 1u) << field;
    EXPECT_EQ(d.files.at(0).items.at(0).node_id, "test_a.py::test_a") << field;
  }
}

TEST(DiscoveryCacheTrust, AnotherSizeIsParsedWithoutHashing) {
  TempTree t;
  t.write("test_a.py", k_test);
  SourceFile f;
  f.abs_path = t.root() / "test_a.py";
  Answer a = answer_for(t, "test_a.py", k_racy_ns + k_second, hash_file(f).value());
  a.file.size += 1;
  Discovery d = discover_with(t, a);
  EXPECT_EQ(d.parsed_count, 1u);
  EXPECT_TRUE(d.files.at(0).parsed);
}

TEST(DiscoveryCacheTrust, AConftestFollowsTheSameRule) {
  TempTree t;
  t.write("conftest.py", "def pytest_configure(config):\n    pass\n");
  t.write("test_a.py", k_test);
  Answer a = answer_for(t, "conftest.py", k_racy_ns + k_second, 12345);
  a.file.items.clear();
  a.file.conftest.emplace();  // facts without the hook: only a trusted answer lacks it
  SourceFile kind;
  kind.rel_path = "conftest.py";
  kind.conftest = true;
  kind.tests = false;
  a.file.parse_key = parse_key(kind, t.config());
  Discovery d = discover(t.config(), [&](const SourceFile& f) -> std::optional<ParsedFile> {
    if (f.rel_path != "conftest.py") return std::nullopt;
    return a.file;
  });
  ASSERT_EQ(d.conftests.size(), 1u);
  EXPECT_FALSE(d.conftests[0].defines("pytest_configure"));
  a.file.checked_ns -= k_second * 2;  // racy now: hashed, found changed, parsed
  d = discover(t.config(), [&](const SourceFile& f) -> std::optional<ParsedFile> {
    if (f.rel_path != "conftest.py") return std::nullopt;
    return a.file;
  });
  ASSERT_EQ(d.conftests.size(), 1u);
  EXPECT_TRUE(d.conftests[0].defines("pytest_configure"));
}

}  // namespace
}  // namespace fastest::discovery

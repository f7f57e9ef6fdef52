// The file walk and the whole pass: patterns, order, norecursedirs, venvs, links, cache.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "discovery/discovery_test_util.h"

namespace fastest::discovery {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::rel_paths;
using testing::TempTree;

constexpr const char* k_test = "def test_a():\n    pass\n";

TEST(DiscoveryFnmatch, PythonSemantics) {
  EXPECT_TRUE(fnmatch("test_x.py", "test_*.py"));
  EXPECT_TRUE(fnmatch("x_test.py", "*_test.py"));
  EXPECT_FALSE(fnmatch("test_x.pyc", "test_*.py"));
  EXPECT_FALSE(fnmatch("Test_x.py", "test_*.py"));  // case-sensitive on POSIX
  EXPECT_TRUE(fnmatch("a/b", "a*b"));               // '*' crosses '/'
  EXPECT_TRUE(fnmatch("t1.py", "t?.py"));
  EXPECT_TRUE(fnmatch("t\xC3\xA9.py", "t?.py"));  // '?' is one character, not one byte
  EXPECT_TRUE(fnmatch("tb.py", "t[abc].py"));
  EXPECT_FALSE(fnmatch("tb.py", "t[!abc].py"));
  EXPECT_TRUE(fnmatch("t5.py", "t[0-9].py"));
  EXPECT_TRUE(fnmatch("t].py", "t[]].py"));
  EXPECT_TRUE(fnmatch("t[.py", "t[.py"));  // unclosed '[' is literal
  EXPECT_TRUE(fnmatch("{arch}", "{arch}"));
  EXPECT_TRUE(fnmatch(".git", ".*"));
  EXPECT_FALSE(fnmatch("", "?"));
  EXPECT_TRUE(fnmatch("", "*"));
}

TEST(DiscoveryFnmatch, NonAsciiTextMatchesByCodePointAsciiInPlace) {
  // ASCII names and patterns are matched on their bytes, anything else on code points:
  // both must give Python's answers.
  EXPECT_TRUE(fnmatch("t\xC3\xA9.py", "t[\xC3\xA0-\xC3\xAA].py"));  // a range of code points
  EXPECT_FALSE(fnmatch("t\xC3\xA9.py", "t[a-z].py"));
  EXPECT_TRUE(fnmatch("t\xC3\xA9.py", "t[!a].py"));  // one character, not two bytes
  EXPECT_FALSE(fnmatch("tb.py", "t[\xC3\xA0-\xC3\xAA].py"));
  EXPECT_TRUE(fnmatch("tb.py", "t[!\xC3\xA9].py"));
  EXPECT_TRUE(fnmatch("x/\xC3\xA9/test_a.py", "*/test_*.py"));
}

TEST(DiscoveryWalk, PythonFilesOrderAndNorecursedirs) {
  TempTree t;
  for (const char* f : {"tests/test_b.py", "tests/a/test_a.py", "tests/a_test.py", "tests/helper.py",
                        "tests/__init__.py", "tests/test_data.txt", "build/test_built.py", ".hidden/test_h.py",
                        "node_modules/test_n.py", "pkg.egg/test_e.py", "tests/__pycache__/test_c.py"}) {
    t.write(f, k_test);
  }
  std::vector<base::CollectionError> errors;
  std::vector<SourceFile> files = find_test_files(t.config(), errors);
  EXPECT_THAT(errors, IsEmpty());
  // pytest 7: a directory's files first, then its subdirectories. test_data.txt matches the
  // default --doctest-glob (discover() drops it: it holds no examples).
  EXPECT_THAT(rel_paths(files),
              ElementsAre("tests/a_test.py", "tests/test_b.py", "tests/test_data.txt", "tests/a/test_a.py"));
  EXPECT_GT(files[0].size, 0);
  EXPECT_GT(files[0].mtime_ns, 0);
  EXPECT_TRUE(std::filesystem::path(files[0].abs_path).is_absolute());
}

TEST(DiscoveryWalk, CustomPatternsAndExplicitFile) {
  TempTree t;
  t.write("check_one.py", k_test);
  t.write("test_two.py", k_test);
  fs::path odd = t.write("sub/odd_name.py", k_test);
  t.write("skipme/check_three.py", k_test);
  Config cfg = t.config();
  cfg.python_files = {"check_*.py"};
  cfg.norecursedirs = {"skip*"};
  cfg.paths = {t.root(), odd};
  std::vector<base::CollectionError> errors;
  EXPECT_THAT(rel_paths(find_test_files(cfg, errors)), ElementsAre("check_one.py", "sub/odd_name.py"));
}

TEST(DiscoveryWalk, VirtualenvsAreSkipped) {
  TempTree t;
  t.write("env1/pyvenv.cfg", "home = /usr\n");
  t.write("env1/lib/test_site.py", k_test);
  t.write("env2/bin/activate", "");
  t.write("env2/test_pkg.py", k_test);
  t.write("test_real.py", k_test);
  std::vector<base::CollectionError> errors;
  EXPECT_THAT(rel_paths(find_test_files(t.config(), errors)), ElementsAre("test_real.py"));
}

TEST(DiscoveryWalk, SymlinkLoopsBrokenLinksAndDuplicatesSurvived) {
  TempTree t;
  t.write("a/test_one.py", k_test);
  fs::create_directory_symlink(t.root() / "a", t.root() / "a" / "loop");
  fs::create_directory_symlink(t.root(), t.root() / "a" / "up");
  fs::create_symlink(t.root() / "missing.py", t.root() / "test_broken.py");
  fs::create_symlink(t.root() / "a" / "test_one.py", t.root() / "test_link.py");
  Config cfg = t.config();
  cfg.paths = {t.root(), t.root() / "a"};
  std::vector<base::CollectionError> errors;
  std::vector<SourceFile> files = find_test_files(cfg, errors);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_THAT(rel_paths(files), ElementsAre("test_link.py"));  // the same inode as a/test_one.py
}

TEST(DiscoveryWalk, MissingPathAndNonPythonFileAreErrors) {
  TempTree t;
  fs::path txt = t.write("notes.md", "x");  // an explicit .txt/.rst is a doctest file
  Config cfg = t.config();
  cfg.paths = {t.root() / "nope", txt};
  std::vector<base::CollectionError> errors;
  EXPECT_THAT(find_test_files(cfg, errors), IsEmpty());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_THAT(errors[0].message, ::testing::HasSubstr("not found"));
}

TEST(DiscoveryWalk, PathsOutsideRootdirAreRelativeToTheirArgument) {
  TempTree t;
  t.write("root/pytest.ini", "");
  fs::path outside_file = t.write("other/test_o.py", k_test);
  t.write("other/sub/test_s.py", k_test);
  Config cfg;
  cfg.rootdir = t.root() / "root";
  cfg.paths = {t.root() / "other"};
  std::vector<base::CollectionError> errors;
  EXPECT_THAT(rel_paths(find_test_files(cfg, errors)), ElementsAre("test_o.py", "sub/test_s.py"));
  cfg.paths = {outside_file};  // pytest 7.2 gives "::test_a" here
  EXPECT_THAT(rel_paths(find_test_files(cfg, errors)), ElementsAre(""));
}

TEST(DiscoveryPass, BrokenFileDoesNotStopOthersAndFilesAreSorted) {
  TempTree t;
  t.write("test_z.py", k_test);
  t.write("test_bad.py", "def test_a(:\n");
  t.write("sub/test_a.py", k_test);
  Discovery d = discover(t.config());
  ASSERT_EQ(d.files.size(), 3u);
  EXPECT_EQ(d.files[0].rel_path, "sub/test_a.py");
  EXPECT_EQ(d.files[1].rel_path, "test_bad.py");
  ASSERT_TRUE(d.files[1].error);
  EXPECT_EQ(d.files[1].error->line, 1);
  EXPECT_EQ(d.files[2].items.size(), 1u);
  EXPECT_EQ(d.parsed_count, 3u);
  // pytest order: test_bad.py, test_z.py, then sub/test_a.py.
  ASSERT_EQ(d.collection_order.size(), 3u);
  EXPECT_EQ(d.files[d.collection_order[0]].rel_path, "test_bad.py");
  EXPECT_EQ(d.files[d.collection_order[2]].rel_path, "sub/test_a.py");
}

TEST(DiscoveryPass, CacheAnswersAreUsedAndNotParsed) {
  TempTree t;
  t.write("test_cached.py", k_test);
  t.write("test_fresh.py", k_test);
  int calls = 0;
  auto cache = [&](const SourceFile& f) -> std::optional<ParsedFile> {
    ++calls;
    if (f.rel_path != "test_cached.py") return std::nullopt;
    ParsedFile p;
    p.rel_path = f.rel_path;
    p.size = f.size;
    p.content_hash = hash_file(f).value();
    p.parse_key = parse_key(f, t.config());
    p.items.emplace_back().node_id = "test_cached.py::test_from_cache";
    return p;
  };
  Discovery d = discover(t.config(), cache);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(d.parsed_count, 1u);
  ASSERT_EQ(d.files.size(), 2u);
  EXPECT_EQ(d.files[0].items.at(0).node_id, "test_cached.py::test_from_cache");
  EXPECT_FALSE(d.files[0].parsed);
  EXPECT_EQ(d.files[1].items.at(0).node_id, "test_fresh.py::test_a");
  EXPECT_TRUE(d.files[1].parsed);
  EXPECT_NE(d.files[1].content_hash, 0u);
}

// D7: an edit that kept size and mtime (rsync -t, touch -r) is still seen.
TEST(DiscoveryPass, CacheAnswerWithAStaleHashIsReparsed) {
  TempTree t;
  t.write("test_edited.py", k_test);
  auto cache = [&](const SourceFile& f) -> std::optional<ParsedFile> {
    ParsedFile p;
    p.rel_path = f.rel_path;
    p.content_hash = hash_file(f).value() ^ 1;  // what the file held before the edit
    p.parse_key = parse_key(f, t.config());
    p.items.emplace_back().node_id = "test_edited.py::test_old_name";
    return p;
  };
  Discovery d = discover(t.config(), cache);
  EXPECT_EQ(d.parsed_count, 1u);
  ASSERT_EQ(d.files.size(), 1u);
  EXPECT_TRUE(d.files[0].parsed);
  EXPECT_EQ(d.files[0].items.at(0).node_id, "test_edited.py::test_a");
}

}  // namespace
}  // namespace fastest::discovery

// End-to-end: history scheduling, CI shards, database merge, corrupt databases, stats.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

/// testcase classname::name pairs from a JUnit file.
std::set<std::string> junit_cases(const fs::path& xml_path) {
  std::string xml = slurp(xml_path);
  std::set<std::string> out;
  std::regex re("<testcase classname=\"([^\"]*)\" name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str() + "::" + (*it)[2].str());
  return out;
}

std::string query(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement st(d, sql);
  std::string out;
  while (st.executeStep()) {
    for (int i = 0; i < st.getColumnCount(); ++i) out += st.getColumn(i).getString() + "|";
    out += "\n";
  }
  return out;
}

constexpr int k_total_tests = 29;  // tests/fixtures/many_modules

/// The modules in the order `out`'s lines name them (each once, at its first line).
std::vector<std::string> modules_named(const std::string& out) {
  std::vector<std::string> modules;
  std::regex re("(tests/test_m[0-9]\\.py)");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it)
    if (std::find(modules.begin(), modules.end(), (*it)[1].str()) == modules.end()) modules.push_back((*it)[1].str());
  return modules;
}

TEST(History, OneWorkerRunsCollectionOrderWhateverTheHistory) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "1"}).exit_code, 0);
  // The history has test_m6 (four 30 ms tests) longer than test_m2..m5's; the second run
  // still runs them as pytest does, in collection order: a module leaving state behind
  // only meets the ones pytest runs after it.
  auto r = p.run({"-n", "1", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto modules = modules_named(r.out);
  EXPECT_EQ(modules.size(), 6u) << r.out;
  EXPECT_TRUE(std::is_sorted(modules.begin(), modules.end())) << r.out;
  EXPECT_NE(r.out.find("predicted"), std::string::npos) << r.out;
}

TEST(History, TwoWorkersShareTheModulesByHistoryEachInCollectionOrder) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "1"}).exit_code, 0);
  auto plan = p.run({"plan", "-n", "2"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  // One line per batch, in collection order, each naming its worker, both workers used
  // (which module goes where depends on the measured durations: LPT, maybe a slice).
  std::map<std::string, std::string> worker_of;
  std::set<std::string> workers;
  std::regex line("  +[0-9.]+s\\*? +(w[01]) +(tests/test_m[0-9]\\.py)");
  for (auto it = std::sregex_iterator(plan.out.begin(), plan.out.end(), line); it != std::sregex_iterator(); ++it) {
    worker_of[(*it)[2].str()] = (*it)[1].str();
    workers.insert((*it)[1].str());
  }
  ASSERT_EQ(worker_of.size(), 6u) << plan.out;
  EXPECT_EQ(workers.size(), 2u) << plan.out;
  auto listed = modules_named(plan.out.substr(plan.out.find("predicted makespan")));
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end())) << plan.out;
  auto r = p.run({"-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// pytest-xdist's --dist loadgroup (here from addopts): two modules whose tests share a
// resource (an O_EXCL lock file) and carry xdist_group marks (module pytestmark, class
// decorator) run on one worker, whole, first run and history run; LPT alone would put the
// two longest modules on different workers at once, and their tests fail.
TEST(History, LoadgroupRunsTheXdistGroupModulesOnOneWorker) {
  FixtureProject p("xdist_group");
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    auto r = p.run({"-n", "2"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("14 passed"), std::string::npos) << r.out;
    const std::string a = slurp(p.dir() / "tests" / "a.worker"), b = slurp(p.dir() / "tests" / "b.worker");
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a.substr(0, a.find('\n')), b.substr(0, b.find('\n'))) << a << b;
    fs::remove(p.dir() / "tests" / "a.worker");
    fs::remove(p.dir() / "tests" / "b.worker");
  }
  auto plan = p.run({"plan", "-n", "2"});
  std::regex line("(w[01]) +tests/test_[ab]_db\\.py");
  std::set<std::string> workers;
  for (auto it = std::sregex_iterator(plan.out.begin(), plan.out.end(), line); it != std::sregex_iterator(); ++it)
    workers.insert((*it)[1].str());
  EXPECT_EQ(workers.size(), 1u) << plan.out;
}

// The first run with a fresh harness cache compiles the harness (a cold start); the next
// finds its bytecode. planning_record keeps their start-ups apart.
TEST(History, TheFirstRunOfAFreshHarnessIsMarkedColdTheNextWarm) {
  FixtureProject p("all_pass");
  const std::string env = "PYTHONDONTWRITEBYTECODE= FASTEST_CACHE_DIR=" + shell_quote((p.dir() / ".cache").string());
  ASSERT_EQ(p.run({"-n", "1"}, env).exit_code, 0);
  ASSERT_EQ(p.run({"-n", "1"}, env).exit_code, 0);
  EXPECT_EQ(query(p.db(), "SELECT cold_start FROM runs ORDER BY id"), "1|\n0|\n");
}

TEST(History, EverySliceOfASplitModuleRecordsItsOwnCost) {
  FixtureProject p("split_module");
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);
  // Run 1 measured the big module's import: run 2 splits it over both workers, and each
  // slice's import and overhead is a row of its own (one used to overwrite the other).
  auto r = p.run({"-n", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string last = "(SELECT max(id) FROM runs)";
  ASSERT_EQ(query(p.db(), "SELECT count(*) FROM batches WHERE module = 'tests/test_big.py' AND run = " + last), "2|\n");
  EXPECT_EQ(query(p.db(), "SELECT slice FROM module_costs WHERE file = 'tests/test_big.py' AND run = " + last +
                              " ORDER BY slice"),
            "0|\n1|\n");
}

TEST(History, FifoKeepsFileOrder) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "1"}).exit_code, 0);
  auto r = p.run({"-n", "1", "-v", "--schedule=fifo"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> modules;
  std::regex re("(tests/test_m[0-9]\\.py)::");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), re); it != std::sregex_iterator(); ++it)
    if (modules.empty() || modules.back() != (*it)[1].str()) modules.push_back((*it)[1].str());
  EXPECT_TRUE(std::is_sorted(modules.begin(), modules.end())) << r.out;
  EXPECT_EQ(modules.size(), 6u);
}

TEST(Shards, DisjointCompleteAndDeterministic) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);  // history for the partition
  fs::path base = p.dir() / "base.db";
  fs::copy_file(p.db(), base);
  for (int n : {2, 3}) {
    std::set<std::string> all;
    std::size_t sum = 0;
    for (int k = 1; k <= n; ++k) {
      std::set<std::string> first;
      for (int attempt = 0; attempt < 2; ++attempt) {
        // Every CI job starts from the same restored database.
        fs::path db = p.dir() / ("shard-" + std::to_string(k) + ".db");
        fs::copy_file(base, db, fs::copy_options::overwrite_existing);
        fs::path xml = p.dir() / "shard.xml";
        auto r = p.run(
            {"--db", db.string(), "--shard", std::to_string(k) + "/" + std::to_string(n), "--junitxml", xml.string()});
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        auto cases = junit_cases(xml);
        if (attempt == 0)
          first = cases;
        else
          EXPECT_EQ(first, cases) << "shard " << k << "/" << n << " is not deterministic";
      }
      EXPECT_FALSE(first.empty());
      sum += first.size();
      all.insert(first.begin(), first.end());
    }
    EXPECT_EQ(sum, all.size()) << "shards of " << n << " overlap";
    EXPECT_EQ(all.size(), static_cast<std::size_t>(k_total_tests)) << "shards of " << n << " miss tests";
  }
}

TEST(Shards, GitLabVariablesSelectTheSameShardAsTheFlag) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({}).exit_code, 0);
  fs::path base = p.dir() / "base.db", a = p.dir() / "a.db", b = p.dir() / "b.db";
  fs::copy_file(p.db(), base);
  fs::copy_file(base, a);
  fs::copy_file(base, b);
  auto flag = p.run({"--db", a.string(), "--shard", "2/3", "--junitxml", (p.dir() / "flag.xml").string()});
  auto env =
      p.run({"--db", b.string(), "--junitxml", (p.dir() / "env.xml").string()}, "CI_NODE_INDEX=2 CI_NODE_TOTAL=3");
  ASSERT_EQ(flag.exit_code, 0) << flag.out << flag.err;
  ASSERT_EQ(env.exit_code, 0) << env.out << env.err;
  EXPECT_EQ(junit_cases(p.dir() / "flag.xml"), junit_cases(p.dir() / "env.xml"));
  auto bad = p.run({"--db", b.string()}, "CI_NODE_INDEX=7 CI_NODE_TOTAL=3");
  EXPECT_EQ(bad.exit_code, 4) << bad.out << bad.err;
}

TEST(Merge, CommutativeAndIdempotentAndKeepsEveryShard) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({}).exit_code, 0);
  fs::path base = p.dir() / "base.db", a = p.dir() / "a.db", b = p.dir() / "b.db";
  fs::copy_file(p.db(), base);
  fs::copy_file(base, a);
  fs::copy_file(base, b);
  ASSERT_EQ(p.run({"--db", a.string(), "--shard", "1/2"}).exit_code, 0);
  ASSERT_EQ(p.run({"--db", b.string(), "--shard", "2/2"}).exit_code, 0);
  fs::path ab = p.dir() / "ab.db", ba = p.dir() / "ba.db";
  auto m1 = p.run({"db", "merge", a.string(), b.string(), "-o", ab.string()});
  auto m2 = p.run({"db", "merge", b.string(), a.string(), "-o", ba.string()});
  ASSERT_EQ(m1.exit_code, 0) << m1.out << m1.err;
  ASSERT_EQ(m2.exit_code, 0) << m2.out << m2.err;
  const std::string runs = "SELECT count(*) FROM runs";
  const std::string results =
      "SELECT n.node_id, r.outcome FROM results r JOIN nodes n ON n.id = r.node JOIN runs u ON u.id = r.run "
      "ORDER BY u.uuid, n.node_id";
  EXPECT_EQ(query(ab, runs), "3|\n");  // the base run plus one run per shard
  EXPECT_EQ(query(ab, results), query(ba, results));
  auto again = p.run({"db", "merge", a.string(), b.string(), ab.string(), "-o", ab.string()});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(query(ab, runs), "3|\n");
  EXPECT_EQ(query(ab, results), query(ba, results));
  auto check = p.run({"db", "check", ab.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ok"), std::string::npos) << check.out;
}

TEST(CorruptDatabase, IsSetAsideAndTheRunIsUnchanged) {
  FixtureProject p("all_pass");
  fs::create_directories(p.db().parent_path());
  {
    std::ofstream png(p.db(), std::ios::binary);
    png << "\x89PNG\r\n\x1a\n" << std::string(4096, '\x42');
  }
  auto r = p.run({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 passed"), std::string::npos) << r.out;
  bool set_aside = false;
  for (const auto& e : fs::directory_iterator(p.db().parent_path()))
    set_aside |= e.path().filename().string().find("corrupt") != std::string::npos;
  EXPECT_TRUE(set_aside);
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  auto again = p.run({});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(query(p.db(), "SELECT count(*) FROM runs"), "2|\n");
}

TEST(Stats, TextJsonAndHtml) {
  FixtureProject p("many_modules");
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);
  ASSERT_EQ(p.run({"-n", "2"}).exit_code, 0);
  auto text = p.run({"stats", "--top", "5"});
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("Slowest tests"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tests/test_m1.py::test_1_0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("suggested workers"), std::string::npos) << text.out;
  auto json = p.run({"stats", "--json"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"slowest_tests\""), std::string::npos) << json.out;
  fs::path html = p.dir() / "report.html";
  auto h = p.run({"stats", "--html", html.string()});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  std::string page = slurp(html);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  // No network resources: every URL in the page is the SVG namespace.
  for (std::string_view scheme : {"http://", "https://", "//cdn"}) {
    for (std::size_t at = page.find(scheme); at != std::string::npos; at = page.find(scheme, at + 1))
      EXPECT_EQ(page.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << page.substr(at, 60);
  }
  auto plan = p.run({"plan", "--shards", "2"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("shard 2/2"), std::string::npos) << plan.out;
}

// Issue 10's target end to end: ten real runs of tests/fixtures/slowdown (commits c0..c9 through
// FASTEST_GIT_COMMIT, +-20% noise on every duration), three tests 3x slower from c5 on.
TEST(Stats, RegressionsNameExactlyTheSlowedTestsAndTheirCommit) {
  FixtureProject p("slowdown");
  for (int run = 0; run < 10; ++run) {
    const std::string env = "FASTEST_GIT_COMMIT=c" + std::to_string(run) + " SLOWDOWN_RUN=" + std::to_string(run);
    auto r = p.run({"-n", "2", "-q"}, env);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  auto out = p.run({"stats", "--regressions", "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto j = nlohmann::json::parse(out.out);
  std::set<std::string> slowed;
  for (const auto& t : j.at("tests")) {
    slowed.insert(t.at("node_id").get<std::string>());
    EXPECT_EQ(t.at("since_commit"), "c5") << t.dump();
    EXPECT_GT(t.at("ratio").get<double>(), 2.0) << t.dump();
  }
  EXPECT_EQ(slowed, (std::set<std::string>{"test_a.py::test_2", "test_b.py::test_0", "test_c.py::test_4"})) << out.out;
  auto text = p.run({"stats", "--regressions"});
  EXPECT_NE(text.out.find("c5"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace fastest::e2e

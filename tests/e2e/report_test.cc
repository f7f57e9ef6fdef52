// End-to-end: what the controller prints and writes, against pytest 7.2's output
// (issue 7's reporting items and the protocol v2 messages).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int rows(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt();
}

// A worker's `fatal` (here sent by a test, as pytest.exit() would make the worker send it):
// the message on stderr, pytest's exit code, no replacement worker and no further batch,
// the results so far kept.
TEST(Reporting, WorkerFatalEndsTheRunWithItsExitCodeAndKeepsResults) {
  FixtureProject p("report_fatal");
  auto r = p.run({"-n", "1", "--schedule", "fifo"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Exit: enough (from the test)\n")) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("crashed"))) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("crashed"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("3 passed in ")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("test_3_after"))) << "no batch after the fatal: " << r.out;
  EXPECT_EQ(rows(p.db(), "SELECT count(*) FROM results"), 3);
}

}  // namespace
}  // namespace fastest::e2e

// End-to-end: pytest's logging plugin as the controller shows it (issue 7): live-log
// sections around each test's -v line, and one --log-file for the whole run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The text pytest 7.2.1 prints for test_live.py with --log-cli-level=INFO.
constexpr const char* k_pytest_live_block =
    "test_live.py::test_a \n"
    "-------------------------------- live log setup --------------------------------\n"
    "INFO     mod:test_live.py:10 in setup\n"
    "-------------------------------- live log call ---------------------------------\n"
    "INFO     mod:test_live.py:16 hello 1\n"
    "PASSED                                                                   [ 33%]\n"
    "------------------------------ live log teardown -------------------------------\n"
    "WARNING  mod:test_live.py:12 in teardown\n"
    "\n"
    "test_live.py::test_b PASSED                                              [ 66%]\n"
    "test_live.py::test_c \n"
    "-------------------------------- live log call ---------------------------------\n"
    "ERROR    mod:test_live.py:25 boom\n"
    "PASSED                                                                   [100%]\n"
    "\n"
    "============================== 3 passed in ";

TEST(Logging, LiveLogSectionsSurroundTheTestLineAsPytestPrintsThem) {
  FixtureProject p("report_live_log");
  auto r = p.run({"-n", "1", "--log-cli-level=INFO", "test_live.py"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(k_pytest_live_block)) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("dbg"))) << "below the live level: " << r.out;
}

TEST(Logging, ThePytestEngineSendsPytestsOwnLiveLogRecords) {
  FixtureProject p("report_live_log");
  auto r = p.run({"-n", "1", "--engine", "pytest", "--log-cli-level=INFO", "test_live.py"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(k_pytest_live_block)) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("dbg"))) << "below the live level: " << r.out;
  // log_cli's default level is the root logger's (WARNING); log_cli_format applies.
  std::ofstream(p.dir() / "pytest.ini") << "[pytest]\nlog_cli = true\nlog_cli_format = %(levelname)s %(message)s\n";
  auto ini = p.run({"-n", "2", "-q", "--engine", "pytest"});
  EXPECT_THAT(ini.out, HasSubstr("test_live.py::test_c \n"
                                 "-------------------------------- live log call ---------------------------------\n"
                                 "ERROR boom\n"
                                 "PASSED  "))
      << ini.out;
  EXPECT_THAT(ini.out, Not(HasSubstr("hello 1"))) << ini.out;
}

TEST(Logging, LogCliIniTurnsLiveLoggingOnAtWarningByDefault) {
  FixtureProject p("report_live_log");
  std::ofstream(p.dir() / "pytest.ini") << "[pytest]\nlog_cli = true\nlog_cli_format = %(levelname)s %(message)s\n";
  // Live logging turns -v on even under -q, as pytest's logging plugin does.
  auto r = p.run({"-n", "2", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("test_live.py::test_c \n"
                               "-------------------------------- live log call ---------------------------------\n"
                               "ERROR boom\n"
                               "PASSED  "))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("test_other.py::test_d \n")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("hello 1"))) << "INFO is below the root logger's WARNING: " << r.out;
  auto co = p.run({"--collect-only", "-q"});
  EXPECT_THAT(co.out, Not(HasSubstr("live log"))) << co.out;
}

TEST(Logging, LogFileIsTruncatedOnceAndEveryWorkerAppends) {
  FixtureProject p("report_live_log");
  fs::create_directories(p.dir() / "logs");
  std::ofstream(p.dir() / "logs" / "run.log") << "left from an earlier run\n";
  auto r = p.run({"-n", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string log = slurp(p.dir() / "logs" / "run.log");
  EXPECT_THAT(log, Not(HasSubstr("earlier run"))) << log;
  // log_file_format and log_file_level apply; both workers' records are kept.
  EXPECT_THAT(log, HasSubstr("mod DEBUG dbg\n")) << log;
  EXPECT_THAT(log, HasSubstr("mod WARNING in teardown\n")) << log;
  EXPECT_THAT(log, HasSubstr("other CRITICAL crit\n")) << log;
  EXPECT_THAT(r.out, Not(HasSubstr("live log"))) << "no live logging without log_cli: " << r.out;
}

}  // namespace
}  // namespace fastest::e2e

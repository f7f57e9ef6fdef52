// End-to-end: the real binary under a pseudo-terminal draws the live area with escape
// sequences and colour, removes it before the summary; a pipe gets none of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>

#include "e2e/e2e_util.h"

namespace fastest::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct PtyRun {
  int exit_code = -1;
  std::string out;
};

/// Runs fastest in `dir` on a new pseudo-terminal of `cols` columns with TERM=`term`.
PtyRun run_in_pty(const fs::path& dir, const std::vector<std::string>& args, int cols, const std::string& term) {
  // Everything the child needs is built before fork: it only calls exec.
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string v = *e;
    for (const char* drop : {"TERM=", "COLUMNS=", "NO_COLOR=", "FORCE_COLOR=", "PY_COLORS=", "FASTEST_PYTHON="})
      if (v.rfind(drop, 0) == 0) v.clear();
    if (!v.empty()) env_s.push_back(v);
  }
  env_s.push_back("TERM=" + term);
  env_s.push_back("FASTEST_PYTHON=" + test_python());
  env_s.push_back("LANG=C.UTF-8");
  std::vector<std::string> argv_s{FASTEST_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = dir.string();
  winsize ws{};
  ws.ws_row = 30;
  ws.ws_col = static_cast<unsigned short>(cols);
  int master = -1;
  PtyRun r;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  if (pid < 0) return r;
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  char buf[65536];
  const double deadline = now_s() + 120;
  for (;;) {
    pollfd pfd{master, POLLIN, 0};
    if (poll(&pfd, 1, 200) < 0 || now_s() > deadline) break;
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) r.out.append(buf, static_cast<std::size_t>(n));
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;  // EIO: the child closed the terminal
    if (n == 0) break;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(LiveDisplayE2e, TerminalGetsTheLiveAreaColourAndFailuresAboveIt) {
  FixtureProject p("report_live");
  auto r = run_in_pty(p.dir(), {"-n", "2"}, 100, "xterm");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  // The area was drawn (worker lines) and erased in place (cursor up, erase below).
  EXPECT_THAT(r.out, HasSubstr(" gw0 ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\x1b[J")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("A\x1b[J")) << r.out;
  // The failure's short line came while the run went, before the FAILURES section.
  auto early = r.out.find("tests/test_slow.py::");
  auto section = r.out.find("FAILURES");
  ASSERT_NE(early, std::string::npos) << r.out;
  ASSERT_NE(section, std::string::npos) << r.out;
  EXPECT_LT(r.out.find("FAILED\x1b[0m tests/test_slow.py::\x1b[1mtest_fails"), section) << r.out;
  // pytest's colours: the red closing line, the bold session rule.
  EXPECT_THAT(r.out, HasSubstr("\x1b[1m===")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\x1b[31m\x1b[1m1 failed\x1b[0m")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\x1b[32m4 passed\x1b[0m")) << r.out;
  // What the test printed (captured) never reached the terminal raw.
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[2J"))) << r.out;
  // No module progress lines: the live area replaced them.
  EXPECT_THAT(r.out, Not(HasSubstr("[100%]"))) << r.out;
}

TEST(LiveDisplayE2e, PipedRunHasNoEscapeSequences) {
  FixtureProject p("report_live");
  auto r = p.run_piped({"-n", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_THAT(r.out, HasSubstr("[100%]")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 failed, 4 passed in ")) << r.out;
}

TEST(LiveDisplayE2e, DumbTerminalGetsPlainLines) {
  FixtureProject p("report_live");
  auto r = run_in_pty(p.dir(), {"-n", "2"}, 100, "dumb");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_THAT(r.out, HasSubstr("[100%]")) << r.out;
}

TEST(LiveDisplayE2e, NarrowTerminalRedrawsOneLine) {
  FixtureProject p("report_live");
  auto r = run_in_pty(p.dir(), {"-n", "2", "--color=no"}, 30, "xterm");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\r\x1b[K")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("A\x1b[J"))) << "no multi-line area: " << r.out;
  EXPECT_EQ(r.out.find("\x1b[3"), std::string::npos) << "--color=no: " << r.out;
}

TEST(LiveDisplayE2e, JsonToStdoutMovesTheTerminalReportToStderr) {
  FixtureProject p("report_live");
  auto r = p.run({"-n", "2", "--json", "-"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("{", 0), 0u) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"exit_code\": 1")) << r.out;
  EXPECT_THAT(r.err, HasSubstr("1 failed, 4 passed in ")) << r.err;
  auto file = p.run({"-n", "2", "--json", "report.json"});
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_THAT(slurp(p.dir() / "report.json"), HasSubstr("\"schema\": \"fastest-report\""));
}

}  // namespace
}  // namespace fastest::e2e

#pragma once
// Runs the real fastest binary on a copy of a fixture project.

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fastest::e2e {

namespace fs = std::filesystem;

struct RunOutput {
  int exit_code = -1;
  std::string out;       ///< stdout
  std::string err;       ///< stderr
  int signal = 0;        ///< the signal that ended the runner, 0 if it exited
  double wall_s = 0;     ///< start to exit (to EOF of stdout for run_piped)
  long max_rss_kb = 0;   ///< largest resident set of the runner or any worker (background runs)
  bool finished = true;  ///< false: still running at the deadline, then killed
};

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// True once `pid` has exited (a zombie nobody reaps counts as gone).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

/// Polls until `done()` or `timeout_s` passed; returns done()'s last value.
template <class F>
bool wait_until(F done, double timeout_s) {
  const double deadline = now_s() + timeout_s;
  while (!done()) {
    if (now_s() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// A runner started with FixtureProject::start().
struct Background {
  pid_t pid = -1;
  double started = 0;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Python used by the end-to-end tests: Debian's, which has pytest.
inline std::string test_python() {
  const char* p = std::getenv("FASTEST_TEST_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

/// A temp copy of tests/fixtures/<name>, removed at destruction.
class FixtureProject {
 public:
  explicit FixtureProject(const std::string& name) {
    std::random_device rd;
    m_dir = fs::temp_directory_path() / ("fastest-e2e-" + name + "-" + std::to_string(rd()));
    fs::create_directories(m_dir);
    fs::copy(fs::path(FASTEST_SOURCE_DIR) / "tests" / "fixtures" / name, m_dir, fs::copy_options::recursive);
  }
  ~FixtureProject() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  const fs::path& dir() const { return m_dir; }
  fs::path db() const { return m_dir / ".fastest" / "fastest.db"; }

  /// Runs `fastest <args>` in the project directory with the test Python.
  RunOutput run(const std::vector<std::string>& args, const std::string& env = "") const {
    // The interpreter comes from the environment so subcommands (stats, db, plan) stay argv[1].
    std::string cmd = "cd " + shell_quote(m_dir.string()) + " && FASTEST_PYTHON=" + shell_quote(test_python()) + " " +
                      env + " " + shell_quote(FASTEST_BINARY);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    fs::path out = m_dir / ".out", err = m_dir / ".err";
    cmd += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
    int status = std::system(cmd.c_str());
    RunOutput r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  /// Like run(), but stdout is a pipe read to EOF, as under `fastest | tee` in CI: a
  /// process left holding that pipe would keep the caller waiting.
  RunOutput run_piped(const std::vector<std::string>& args) const {
    fs::path err = m_dir / ".err";
    std::string cmd = command(args, "") + " 2>" + shell_quote(err.string()) + " </dev/null";
    RunOutput r;
    const double t0 = now_s();
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return r;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
    r.wall_s = now_s() - t0;
    int status = pclose(f);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(err);
    return r;
  }

  /// Starts `fastest <args>` without waiting; its pid is the runner's own (for signals).
  Background start(const std::vector<std::string>& args) const {
    fs::path out = m_dir / ".out", err = m_dir / ".err";
    std::string cmd =
        command(args, "exec") + " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
    std::vector<std::string> argv_s{"/bin/sh", "-c", cmd};
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    Background b;
    b.started = now_s();
    if (posix_spawn(&b.pid, "/bin/sh", nullptr, nullptr, argv.data(), environ) != 0) b.pid = -1;
    return b;
  }

  /// Waits for a started runner at most `timeout_s` (then kills it: finished = false).
  RunOutput wait(const Background& b, double timeout_s) const {
    RunOutput r;
    int status = 0;
    rusage ru{};
    const double deadline = now_s() + timeout_s;
    for (;;) {
      pid_t got = wait4(b.pid, &status, WNOHANG, &ru);
      if (got == b.pid) break;
      if (got < 0) return r;
      if (now_s() > deadline) {
        r.finished = false;
        ::kill(b.pid, SIGKILL);
        wait4(b.pid, &status, 0, &ru);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    r.wall_s = now_s() - b.started;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    r.max_rss_kb = ru.ru_maxrss;
    r.out = slurp(m_dir / ".out");
    r.err = slurp(m_dir / ".err");
    return r;
  }

 private:
  std::string command(const std::vector<std::string>& args, const std::string& prefix) const {
    std::string cmd = "cd " + shell_quote(m_dir.string()) + " && export FASTEST_PYTHON=" + shell_quote(test_python()) +
                      " && " + prefix + " " + shell_quote(FASTEST_BINARY);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    return cmd;
  }

  fs::path m_dir;
};

/// `python -m pytest ARGS` (the tests' interpreter) in the fixture's copy; `env` is a shell
/// prefix such as "PYTHONPATH=...".
/// The dist-packages of Debian packages scripts/setup unpacked into third_party/<folder>.
inline fs::path unpacked_site(const std::string& folder) {
  return fs::path(FASTEST_SOURCE_DIR) / "third_party" / folder / "usr" / "lib" / "python3" / "dist-packages";
}

inline RunOutput run_pytest(const FixtureProject& p, const std::string& args, const std::string& env = "") {
  RunOutput r;
  const std::string cmd = "cd " + shell_quote(p.dir().string()) + " && " + env + " " + shell_quote(test_python()) +
                          " -m pytest " + args + " >.pyout 2>.pyerr </dev/null";
  int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(p.dir() / ".pyout");
  r.err = slurp(p.dir() / ".pyerr");
  return r;
}

}  // namespace fastest::e2e

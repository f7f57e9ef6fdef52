#pragma once
// Runs the real fastest binary on a copy of a fixture project.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fastest::e2e {

namespace fs = std::filesystem;

struct RunOutput {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
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

 private:
  fs::path m_dir;
};

}  // namespace fastest::e2e

#include "app/verify.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "app/command_line.h"
#include "app/context.h"
#include "app/engine.h"
#include "app/engine_subprocess.h"
#include "exec/harness.h"

namespace fastest::app {
namespace fs = std::filesystem;
namespace {

// fastest's own options (pytest does not know them); the first group takes a value.
constexpr std::array<std::string_view, 6> k_valued = {"--python", "--db",    "--schedule",
                                                      "--engine", "--shard", "--timeout"};
constexpr std::array<std::string_view, 2> k_flags = {"--static", "--timings"};

template <class A>
bool among(const A& a, std::string_view s) {
  return std::find(a.begin(), a.end(), s) != a.end();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  for (std::size_t n = 0; at > 0 && n <= lines; ++n) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
  }
  return text.substr(at + 1);
}

// A reporting plugin for the user's pytest: JUnit writes a non-strict XPASS as a pass, so
// the node ids of xpassed tests come from here (fastest's come from its --json report).
constexpr const char* k_xpass_plugin =
    "import os\n"
    "_PATH = os.environ.get('FASTEST_VERIFY_XPASSED')\n"
    "def pytest_runtest_logreport(report):\n"
    "    if _PATH and report.when == 'call' and report.passed and hasattr(report, 'wasxfail'):\n"
    "        with open(_PATH, 'a', encoding='utf-8') as f:\n"
    "            f.write(report.nodeid + '\\n')\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

/// The node ids fastest's JSON report says xpassed.
std::vector<std::string> json_xpassed(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("tests") || !j["tests"].is_array()) return out;
  for (const auto& t : j["tests"])
    if (t.value("outcome", "") == "xpassed") out.push_back(t.value("nodeid", ""));
  return out;
}

std::string counts_text(const std::map<std::string, std::string>& outcomes) {
  std::map<std::string, int> counts;
  for (const auto& [k, v] : outcomes) ++counts[v];
  std::string s;
  for (const auto& [k, n] : counts) s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return s.empty() ? "none" : s;
}

bool xdist_installed(const std::string& python) {
  auto plugins = installed_pytest_plugins(python, exec::default_cache_root());
  return std::any_of(plugins.begin(), plugins.end(), [](const InstalledPlugin& p) { return p.name == "xdist"; });
}

struct Differences {
  std::vector<std::string> lines;
  std::size_t compared = 0;
};

Differences compare(const std::map<std::string, std::string>& ref, const std::map<std::string, std::string>& got) {
  Differences d;
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& [k, v] : ref) all[k].first = v;
  for (const auto& [k, v] : got) all[k].second = v;
  d.compared = all.size();
  for (const auto& [k, pair] : all) {
    const auto& [a, b] = pair;
    if (a == b) continue;
    if (b.empty())
      d.lines.push_back("MISSING " + k + ": pytest=" + a + ", not run by fastest");
    else if (a.empty())
      d.lines.push_back("EXTRA   " + k + ": fastest=" + b + ", not run by pytest");
    else
      d.lines.push_back("DIFF    " + k + ": pytest=" + a + " fastest=" + b);
  }
  return d;
}

/// "--timeout=N" when the run's command line loads pytest-timeout (installed and not
/// disabled, or named by -p), else "".
std::string plugin_timeout_arg(const VerifyArgs& va, const std::string& python) {
  std::vector<std::string> argv = {"--python", python};
  argv.insert(argv.end(), va.fastest_only.begin(), va.fastest_only.end());
  argv.insert(argv.end(), va.common.begin(), va.common.end());
  std::error_code ec;
  auto cl = parse_command_line(argv, fs::current_path(ec), process_env(), installed_plugin_files);
  return cl.ok() ? cl.value().options.plugin_timeout_arg : std::string();
}

}  // namespace

VerifyArgs split_verify_args(const std::vector<std::string>& args) {
  VerifyArgs v;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name = a.substr(0, a.find('='));
    bool inline_value = a.find('=') != std::string::npos && a.rfind("--", 0) == 0;
    auto value = [&]() -> std::string {
      if (inline_value) return a.substr(a.find('=') + 1);
      return i + 1 < args.size() ? args[++i] : "";
    };
    if (a.rfind("-n", 0) == 0 && a.rfind("--", 0) != 0) {
      v.workers = a.size() > 2 ? a.substr(a[2] == '=' ? 3 : 2) : value();
    } else if (name == "--numprocesses") {
      v.workers = value();
    } else if (among(k_valued, name)) {
      std::string val = value();
      if (name == "--python") v.python = val;
      v.fastest_only.push_back(name);
      v.fastest_only.push_back(val);
    } else if (among(k_flags, a)) {
      v.fastest_only.push_back(a);
    } else {
      v.common.push_back(a);
    }
  }
  return v;
}

ExitCode run_verify(const std::vector<std::string>& args) {
  VerifyArgs va = split_verify_args(args);
  auto python = find_python(va.python);
  if (!python.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", python.error().message.c_str());
    return ExitCode::usage_error;
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  char tmpl[] = "/tmp/fastest-verify-XXXXXX";
  if (ec || !mkdtemp(tmpl)) {
    std::fprintf(stderr, "fastest verify: internal error: no temp dir or own path\n");
    return ExitCode::internal_error;
  }
  fs::path tmp = tmpl;

  std::vector<std::string> py_argv = {python.value(), "-m", "pytest"};
  std::string py_mode = "serially";
  if (!va.workers.empty() && va.workers != "0") {
    if (xdist_installed(python.value())) {
      py_argv.insert(py_argv.end(), {"-n", va.workers});
      py_mode = "with -n " + va.workers + " (pytest-xdist)";
    } else {
      py_mode = "serially (-n " + va.workers + " asked, pytest-xdist is not installed)";
    }
  }
  std::ofstream(tmp / "fastest_verify_outcomes.py") << k_xpass_plugin;
  py_argv.insert(py_argv.end(), {"-p", "fastest_verify_outcomes"});
  py_argv.insert(py_argv.end(), va.common.begin(), va.common.end());
  // --timeout is pytest-timeout's option when that plugin loads (fastest's run hands it
  // over too): pytest gets it as well, so both runs fail the same slow tests.
  if (std::string t = plugin_timeout_arg(va, python.value()); !t.empty()) py_argv.push_back(t);
  py_argv.push_back("--junitxml=" + (tmp / "pytest.xml").string());
  const char* pythonpath = std::getenv("PYTHONPATH");
  // Last on the path: the plugin's name shadows nothing of the user's.
  std::vector<std::string> py_env = {
      "PYTHONPATH=" + (pythonpath && *pythonpath ? std::string(pythonpath) + ":" : "") + tmp.string(),
      "FASTEST_VERIFY_XPASSED=" + (tmp / "pytest.xpassed").string()};

  std::vector<std::string> fa_argv = {self.string(), "--python", python.value()};
  if (!va.workers.empty()) fa_argv.insert(fa_argv.end(), {"-n", va.workers});
  fa_argv.insert(fa_argv.end(), va.fastest_only.begin(), va.fastest_only.end());
  fa_argv.insert(fa_argv.end(), va.common.begin(), va.common.end());
  fa_argv.push_back("--junitxml=" + (tmp / "fastest.xml").string());
  fa_argv.push_back("--json=" + (tmp / "fastest.json").string());

  std::fprintf(stderr, "fastest verify: running pytest %s ...\n", py_mode.c_str());
  auto py = run_process(py_argv, {}, py_env);
  std::fprintf(stderr, "fastest verify: running fastest ...\n");
  auto fa = run_process(fa_argv, {}, {"FASTEST_ENGINE_REPORT=" + (tmp / "engine").string()});
  std::string py_xml = slurp(tmp / "pytest.xml"), fa_xml = slurp(tmp / "fastest.xml");
  std::string engine = slurp(tmp / "engine");
  const auto py_xpassed = lines_of(slurp(tmp / "pytest.xpassed"));
  const auto fa_xpassed = json_xpassed(slurp(tmp / "fastest.json"));
  while (!engine.empty() && engine.back() == '\n') engine.pop_back();
  fs::remove_all(tmp, ec);
  if (py_xml.empty() || fa_xml.empty()) {
    const auto& bad = py_xml.empty() ? py : fa;
    std::fprintf(stderr, "%s%s\nfastest verify: %s wrote no JUnit XML (exit %d)\n", tail(bad.out, 30).c_str(),
                 tail(bad.err, 30).c_str(), py_xml.empty() ? "pytest" : "fastest", bad.exit_code);
    return ExitCode::internal_error;
  }
  auto ref = junit_outcomes(py_xml), got = junit_outcomes(fa_xml);
  mark_xpassed(ref, py_xpassed);
  mark_xpassed(got, fa_xpassed);
  auto diff = compare(ref, got);
  for (const auto& l : diff.lines) std::printf("%s\n", l.c_str());
  double agree = diff.compared ? 100.0 * static_cast<double>(diff.compared - diff.lines.size()) /
                                     static_cast<double>(diff.compared)
                               : 100.0;
  std::printf("tests compared: %zu (pytest: %s)\n", diff.compared, counts_text(ref).c_str());
  std::printf("agreement: %.2f%% (%zu differ)\n", agree, diff.lines.size());
  std::printf("pytest:  %8.2f s (exit %d, %s)\n", py.wall_s, py.exit_code, py_mode.c_str());
  std::printf("fastest: %8.2f s (exit %d)\n", fa.wall_s, fa.exit_code);
  if (fa.wall_s > 0) std::printf("ratio:   %8.2fx (pytest time / fastest time)\n", py.wall_s / fa.wall_s);
  std::printf("%s\n", engine.empty() ? "engine: unknown (fastest did not report it)" : engine.c_str());
  bool same_exit = py.exit_code == fa.exit_code;
  if (!same_exit) std::printf("exit codes differ: pytest %d, fastest %d\n", py.exit_code, fa.exit_code);
  bool ok = diff.lines.empty() && same_exit;
  std::printf("%s\n", ok ? "verify: outcomes agree; fastest is a drop-in for this suite"
                         : "verify: outcomes differ (see above)");
  return ok ? ExitCode::ok : ExitCode::tests_failed;
}

}  // namespace fastest::app

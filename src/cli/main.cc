// fastest: command-line entry point. The only place that parses flags and exits.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "app/options.h"
#include "app/run.h"

namespace {

using fastest::app::ExitCode;
using fastest::app::Options;

void on_signal(int sig) {
  // First signal: stop gracefully (finished results are kept). A second one kills.
  fastest::app::request_interrupt();
  signal(sig, SIG_DFL);
}

void install_signal_handlers() {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

cxxopts::Options make_parser() {
  cxxopts::Options p("fastest", "fast Python test runner: pytest-compatible, parallel, history-scheduled");
  p.custom_help("[options] [file_or_dir] [file_or_dir] [...]");
  p.positional_help("");
  p.add_options()
    ("h,help", "show this help and exit")
    ("version", "print the version and exit")
    ("n,numprocesses", "number of workers: N or 'auto' (cores); 0 = one worker", cxxopts::value<std::string>()->default_value("auto"))
    ("python", "Python interpreter for the workers (default: $FASTEST_PYTHON, the active virtualenv, python3)", cxxopts::value<std::string>())
    ("db", "history database path (default: $FASTEST_DB or <rootdir>/.fastest/fastest.db; ':memory:' for none)", cxxopts::value<std::string>())
    ("schedule", "batch order: history (LPT over recorded durations) or fifo (file order)", cxxopts::value<std::string>())
    ("k", "only run tests matching the keyword expression", cxxopts::value<std::string>())
    ("m", "only run tests matching the mark expression", cxxopts::value<std::string>())
    ("x,exitfirst", "stop after the first failure")
    ("maxfail", "stop after N failures", cxxopts::value<int>())
    ("lf,last-failed", "rerun only the tests that failed last time (all if none failed)")
    ("ff,failed-first", "run last time's failures first")
    ("v,verbose", "one line per test")
    ("q,quiet", "less output")
    ("collect-only", "list the tests that would run, do not run them")
    ("co", "same as --collect-only")
    ("junitxml,junit-xml", "write a JUnit XML report to PATH", cxxopts::value<std::string>())
    ("s", "do not capture output (--capture=no)")
    ("capture", "per-test capture: fd, sys, no, tee-sys", cxxopts::value<std::string>())
    ("import-mode", "prepend, append or importlib", cxxopts::value<std::string>())
    ("timeout", "fail a test that runs longer than S seconds", cxxopts::value<double>())
    ("shard", "run shard K of N (K/N), balanced by history", cxxopts::value<std::string>())
    ("rootdir", "override the rootdir", cxxopts::value<std::string>())
    ("r", "short summary: f E s x X p a (pytest's -r)", cxxopts::value<std::string>())
    ("continue-on-collection-errors", "run the tests even when some files failed to collect")
    ("timings", "print per-pass timers to stderr")
    ("p", "pytest plugin switch (accepted and ignored for compatibility)", cxxopts::value<std::vector<std::string>>())
    ("paths", "files or directories", cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"paths"});
  return p;
}

int parse_workers(const std::string& v) {
  if (v == "auto" || v == "logical") return -1;
  std::size_t used = 0;
  int n = std::stoi(v, &used);
  if (used != v.size() || n < 0) throw std::invalid_argument(v);
  return n;
}

ExitCode run_main(int argc, char** argv) {
  auto parser = make_parser();
  Options o;
  for (int i = 0; i < argc; ++i) o.argv.emplace_back(argv[i]);
  cxxopts::ParseResult r;
  try {
    r = parser.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "ERROR: usage: fastest [options] [file_or_dir] ...\nfastest: error: %s\n", e.what());
    return ExitCode::usage_error;
  }
  if (r.count("help")) {
    std::printf("%s\n", parser.help().c_str());
    return ExitCode::ok;
  }
  if (r.count("version")) {
    std::printf("fastest 0.1.0\n");
    return ExitCode::ok;
  }
  try {
    o.workers = parse_workers(r["numprocesses"].as<std::string>());
  } catch (const std::exception&) {
    std::fprintf(stderr, "ERROR: argument -n/--numprocesses: invalid value: '%s' (expected a number or 'auto')\n",
                 r["numprocesses"].as<std::string>().c_str());
    return ExitCode::usage_error;
  }
  if (r.count("paths")) o.args = r["paths"].as<std::vector<std::string>>();
  if (r.count("python")) o.python = r["python"].as<std::string>();
  if (r.count("db")) o.db = r["db"].as<std::string>();
  if (r.count("schedule")) o.schedule = r["schedule"].as<std::string>();
  if (r.count("k")) o.keyword = r["k"].as<std::string>();
  if (r.count("m")) o.markexpr = r["m"].as<std::string>();
  if (r.count("exitfirst")) o.maxfail = 1;
  if (r.count("maxfail")) o.maxfail = r["maxfail"].as<int>();
  o.last_failed = r.count("lf") > 0;
  o.failed_first = r.count("ff") > 0;
  o.verbose = static_cast<int>(r.count("verbose")) - static_cast<int>(r.count("quiet"));
  o.collect_only = r.count("collect-only") > 0 || r.count("co") > 0;
  if (r.count("junitxml")) o.junitxml = r["junitxml"].as<std::string>();
  if (r.count("s")) o.capture = "no";
  if (r.count("capture")) o.capture = r["capture"].as<std::string>();
  if (r.count("import-mode")) o.import_mode = r["import-mode"].as<std::string>();
  if (r.count("timeout")) o.timeout_s = r["timeout"].as<double>();
  if (r.count("shard")) o.shard = r["shard"].as<std::string>();
  if (r.count("rootdir")) o.rootdir = r["rootdir"].as<std::string>();
  if (r.count("r")) o.report_chars = r["r"].as<std::string>();
  o.continue_on_collection_errors = r.count("continue-on-collection-errors") > 0;
  o.timings = r.count("timings") > 0;
  install_signal_handlers();
  return fastest::app::run_tests(o);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return static_cast<int>(run_main(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fastest: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "fastest: internal error\n");
  }
  return static_cast<int>(ExitCode::internal_error);
}

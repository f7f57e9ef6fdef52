// fastest: command-line entry point. The only place that parses flags and exits.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/options.h"
#include "app/run.h"

namespace {

using fastest::app::ExitCode;
using fastest::app::Options;

void on_signal(int sig) {
  // First signal: stop gracefully (finished results are kept). A second one kills.
  fastest::app::request_interrupt(sig);
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
  p.add_options()("h,help", "show this help and exit")("version", "print the version and exit")(
      "n,numprocesses", "number of workers: N or 'auto' (cores); 0 = one worker",
      cxxopts::value<std::string>()->default_value("auto"))(
      "python", "Python interpreter for the workers (default: $FASTEST_PYTHON, the active virtualenv, python3)",
      cxxopts::value<std::string>())(
      "db", "history database path (default: $FASTEST_DB or <rootdir>/.fastest/fastest.db; ':memory:' for none)",
      cxxopts::value<std::string>())("schedule",
                                     "batch order: history (LPT over recorded durations) or fifo (file order)",
                                     cxxopts::value<std::string>())(
      "k", "only run tests matching the keyword expression", cxxopts::value<std::string>())(
      "m", "only run tests matching the mark expression", cxxopts::value<std::string>())(
      "x,exitfirst", "stop after the first failure")("maxfail", "stop after N failures", cxxopts::value<int>())(
      "lf,last-failed", "rerun only the tests that failed last time (all if none failed)")(
      "ff,failed-first", "run last time's failures first")("v,verbose", "one line per test")("q,quiet", "less output")(
      "collect-only", "list the tests that would run, do not run them")("co", "same as --collect-only")(
      "static", "with --collect-only: list the statically discovered ids (no Python; parametrize not expanded)")(
      "junitxml,junit-xml", "write a JUnit XML report to PATH", cxxopts::value<std::string>())(
      "s", "do not capture output (--capture=no)")("capture", "per-test capture: fd, sys, no, tee-sys",
                                                   cxxopts::value<std::string>())(
      "import-mode", "prepend, append or importlib", cxxopts::value<std::string>())(
      "timeout", "fail a test that runs longer than S seconds", cxxopts::value<double>())(
      "shard", "run shard K of N (K/N), balanced by history", cxxopts::value<std::string>())(
      "rootdir", "override the rootdir", cxxopts::value<std::string>())(
      "r", "short summary: f E s x X p a (pytest's -r)", cxxopts::value<std::string>())(
      "continue-on-collection-errors", "run the tests even when some files failed to collect")(
      "timings", "print per-pass timers to stderr")(
      "durations", "show the N slowest setup/call/teardown durations (0 = all)", cxxopts::value<int>())(
      "p", "pytest plugin switch (accepted and ignored for compatibility)", cxxopts::value<std::vector<std::string>>())(
      "paths", "files or directories", cxxopts::value<std::vector<std::string>>());
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

ExitCode test_main(int argc, char** argv) {
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
  o.static_collect = r.count("static") > 0;
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
  if (r.count("durations")) o.durations = std::max(0, r["durations"].as<int>());
  install_signal_handlers();
  return fastest::app::run_tests(o);
}

ExitCode usage(const std::string& msg) {
  std::fprintf(stderr, "ERROR: %s\n", msg.c_str());
  return ExitCode::usage_error;
}

/// `fastest stats [--top N] [--json] [--html FILE] [--db PATH] [--rootdir DIR] [path]`
ExitCode stats_main(int argc, char** argv) {
  cxxopts::Options p("fastest stats", "slowest and flaky tests, recent runs and their balance");
  p.add_options()("h,help", "help")("top", "rows per table", cxxopts::value<std::size_t>()->default_value("20"))(
      "json", "machine-readable output")("html", "also write a self-contained HTML report to FILE",
                                         cxxopts::value<std::string>())("db", "history database",
                                                                        cxxopts::value<std::string>())(
      "rootdir", "project root", cxxopts::value<std::string>())("paths", "project path",
                                                                cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"paths"});
  fastest::app::StatsOptions o;
  try {
    auto r = p.parse(argc, argv);
    if (r.count("help")) return std::printf("%s\n", p.help().c_str()), ExitCode::ok;
    o.top = r["top"].as<std::size_t>();
    o.json = r.count("json") > 0;
    if (r.count("html")) o.html = r["html"].as<std::string>();
    if (r.count("db")) o.run.db = r["db"].as<std::string>();
    if (r.count("rootdir")) o.run.rootdir = r["rootdir"].as<std::string>();
    if (r.count("paths")) o.run.args = r["paths"].as<std::vector<std::string>>();
  } catch (const cxxopts::exceptions::exception& e) {
    return usage(std::string("fastest stats: ") + e.what());
  }
  return fastest::app::run_stats(o);
}

/// `fastest db merge A B -o OUT | export OUT | check [PATH] | prune [--keep K]`
ExitCode db_main(int argc, char** argv) {
  cxxopts::Options p("fastest db", "merge, export, check and prune history databases");
  p.add_options()("h,help", "help")("o,output", "merge destination", cxxopts::value<std::string>())(
      "db", "database to act on (default: the project's)", cxxopts::value<std::string>())(
      "keep", "prune: runs to keep", cxxopts::value<int>()->default_value("30"))(
      "args", "action and files", cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"args"});
  fastest::app::DbOptions o;
  try {
    auto r = p.parse(argc, argv);
    std::vector<std::string> args;
    if (r.count("args")) args = r["args"].as<std::vector<std::string>>();
    if (r.count("help") || args.empty())
      return std::printf(
                 "%s\nactions: merge A.db B.db ... -o OUT.db | export OUT.db | check [PATH] | prune [--keep K]\n",
                 p.help().c_str()),
             args.empty() && !r.count("help") ? ExitCode::usage_error : ExitCode::ok;
    o.action = args[0];
    o.inputs.assign(args.begin() + 1, args.end());
    if (r.count("output")) o.output = r["output"].as<std::string>();
    if (r.count("db")) o.db = r["db"].as<std::string>();
    o.keep_runs = r["keep"].as<int>();
  } catch (const cxxopts::exceptions::exception& e) {
    return usage(std::string("fastest db: ") + e.what());
  }
  return fastest::app::run_db(o);
}

/// `fastest plan [--shards N] [-n N] [--schedule S] [--db PATH] [paths]`
ExitCode plan_main(int argc, char** argv) {
  cxxopts::Options p("fastest plan", "print the schedule (or each CI shard's predicted time) without running");
  p.add_options()("h,help", "help")("shards", "partition into N CI shards", cxxopts::value<int>()->default_value("0"))(
      "n,numprocesses", "workers per job", cxxopts::value<std::string>()->default_value("auto"))(
      "schedule", "history or fifo", cxxopts::value<std::string>())("db", "history database",
                                                                    cxxopts::value<std::string>())(
      "rootdir", "project root", cxxopts::value<std::string>())("paths", "paths",
                                                                cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"paths"});
  fastest::app::PlanCommandOptions o;
  try {
    auto r = p.parse(argc, argv);
    if (r.count("help")) return std::printf("%s\n", p.help().c_str()), ExitCode::ok;
    o.shards = r["shards"].as<int>();
    if (o.shards < 0) return usage("fastest plan: --shards must be >= 1");
    o.run.workers = parse_workers(r["numprocesses"].as<std::string>());
    if (r.count("schedule")) o.run.schedule = r["schedule"].as<std::string>();
    if (r.count("db")) o.run.db = r["db"].as<std::string>();
    if (r.count("rootdir")) o.run.rootdir = r["rootdir"].as<std::string>();
    if (r.count("paths")) o.run.args = r["paths"].as<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return usage(std::string("fastest plan: ") + e.what());
  }
  return fastest::app::run_plan(o);
}

ExitCode run_main(int argc, char** argv) {
  if (argc > 1) {
    std::string cmd = argv[1];
    if (cmd == "stats") return stats_main(argc - 1, argv + 1);
    if (cmd == "db") return db_main(argc - 1, argv + 1);
    if (cmd == "plan") return plan_main(argc - 1, argv + 1);
  }
  return test_main(argc, argv);
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

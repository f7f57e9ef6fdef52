// fastest: command-line entry point. The only place that parses flags and exits.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxopts.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/commands.h"
#include "app/engine.h"
#include "app/fastest_settings.h"
#include "app/options.h"
#include "app/run.h"
#include "app/verify.h"
#include "base/exit_release.h"

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

/// The test command: pytest's command line (src/app/command_line.h), then the run.
ExitCode test_main(int argc, char** argv) {
  std::error_code ec;
  auto cl = fastest::app::parse_command_line(std::vector<std::string>(argv + 1, argv + argc),
                                             std::filesystem::current_path(ec), fastest::app::process_env(),
                                             fastest::app::installed_plugin_files);
  if (!cl.ok()) {
    std::fprintf(stderr, "%s\n", cl.error().message.c_str());
    return ExitCode::usage_error;
  }
  if (cl->kind != fastest::app::CommandLine::Kind::run) {
    std::fputs(cl->text.c_str(), stdout);
    return ExitCode::ok;
  }
  cl->options.argv.insert(cl->options.argv.begin(), argv[0]);
  install_signal_handlers();
  return fastest::app::run_tests(cl->options);
}

ExitCode usage(const std::string& msg) {
  std::fprintf(stderr, "ERROR: %s\n", msg.c_str());
  return ExitCode::usage_error;
}

/// `fastest stats [--flaky | --regressions [--ratio X]] [--top N] [--json] [--html FILE] [--db PATH] [--rootdir DIR]
/// [path]`
ExitCode stats_main(int argc, char** argv) {
  cxxopts::Options p("fastest stats", "slowest and flaky tests, recent runs and their balance");
  p.add_options()("h,help", "help")("top", "rows per table", cxxopts::value<std::size_t>()->default_value("20"))(
      "json", "machine-readable output")("flaky", "flip rate and flaky verdicts per test over the kept runs")(
      "regressions", "tests and modules that got slower, since which commit")(
      "ratio", "--regressions: recent / earlier median that counts", cxxopts::value<double>()->default_value("1.5"))(
      "html", "also write a self-contained HTML report to FILE", cxxopts::value<std::string>())(
      "db", "history database", cxxopts::value<std::string>())(
      "rootdir", "project root", cxxopts::value<std::string>())("paths", "project path",
                                                                cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"paths"});
  fastest::app::StatsOptions o;
  try {
    auto r = p.parse(argc, argv);
    if (r.count("help")) return std::printf("%s\n", p.help().c_str()), ExitCode::ok;
    o.top = r["top"].as<std::size_t>();
    o.json = r.count("json") > 0;
    o.flaky = r.count("flaky") > 0;
    o.regressions = r.count("regressions") > 0;
    o.ratio = r["ratio"].as<double>();
    if (!(o.ratio > 1)) return usage("fastest stats: --ratio must be more than 1");
    if (r.count("html")) o.html = r["html"].as<std::string>();
    if (r.count("db")) o.run.db = r["db"].as<std::string>();
    if (r.count("rootdir")) o.run.rootdir = r["rootdir"].as<std::string>();
    if (r.count("paths")) o.run.args = r["paths"].as<std::vector<std::string>>();
  } catch (const cxxopts::exceptions::exception& e) {
    return usage(std::string("fastest stats: ") + e.what());
  }
  return fastest::app::run_stats(o);
}

/// `fastest db merge A B -o OUT | export OUT | check [PATH] | prune [--keep K] | query SQL`
ExitCode db_main(int argc, char** argv) {
  // `query SQL`: the SQL is taken verbatim (cxxopts would split a list value at commas).
  if (argc > 1 && std::string(argv[1]) == "query") {
    fastest::app::DbOptions q;
    q.action = "query";
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--db" && i + 1 < argc) {
        q.db = argv[++i];
      } else if (a.rfind("--db=", 0) == 0) {
        q.db = a.substr(5);
      } else {
        q.inputs.push_back(a);
      }
    }
    return fastest::app::run_db(q);
  }
  cxxopts::Options p("fastest db", "merge, export, check and prune history databases");
  p.add_options()("h,help", "help")("o,output", "merge destination", cxxopts::value<std::string>())(
      "db", "database to act on (default: the project's)", cxxopts::value<std::string>())(
      "keep", "prune: runs to keep", cxxopts::value<int>()->default_value("30"))(
      "max-age", "prune: also drop runs older than DAYS (never the newest)", cxxopts::value<double>())(
      "args", "action and files", cxxopts::value<std::vector<std::string>>());
  p.parse_positional({"args"});
  fastest::app::DbOptions o;
  try {
    auto r = p.parse(argc, argv);
    std::vector<std::string> args;
    if (r.count("args")) args = r["args"].as<std::vector<std::string>>();
    if (r.count("help") || args.empty())
      return std::printf(
                 "%s\nactions: merge A.db B.db ... -o OUT.db | export OUT.db | check [PATH] | prune [--keep K] "
                 "[--max-age DAYS] | query "
                 "SQL\n",
                 p.help().c_str()),
             args.empty() && !r.count("help") ? ExitCode::usage_error : ExitCode::ok;
    o.action = args[0];
    o.inputs.assign(args.begin() + 1, args.end());
    if (r.count("output")) o.output = r["output"].as<std::string>();
    if (r.count("db")) o.db = r["db"].as<std::string>();
    o.keep_runs = r["keep"].as<int>();
    if (r.count("max-age")) o.max_age_days = r["max-age"].as<double>();
  } catch (const cxxopts::exceptions::exception& e) {
    return usage(std::string("fastest db: ") + e.what());
  }
  return fastest::app::run_db(o);
}

/// "A..B" with 1 <= A <= B <= 64.
bool parse_range(const std::string& v, int& from, int& to) {
  auto dots = v.find("..");
  if (dots == std::string::npos) return false;
  char* end = nullptr;
  const long a = std::strtol(v.c_str(), &end, 10);
  if (end != v.c_str() + dots) return false;
  const long b = std::strtol(v.c_str() + dots + 2, &end, 10);
  if (*end || a < 1 || b < a || b > 64) return false;
  from = static_cast<int>(a);
  to = static_cast<int>(b);
  return true;
}

/// `fastest plan` takes `--shards` and `-n` (each also as a range A..B) itself and every
/// other argument as `fastest` would: the plan is of the suite that command line runs
/// (paths, -k/-m, --ignore, -c/-o, --db, --schedule, ini addopts, PYTEST_ADDOPTS).
ExitCode plan_main(int argc, char** argv) {
  constexpr const char* k_help =
      "usage: fastest plan [--shards N|A..B] [-n N|A..B] [any option of fastest] [file_or_dir ...]\n"
      "print the schedule (or each CI shard's predicted time, or each worker count's) without running\n";
  fastest::app::PlanCommandOptions o;
  std::string shards = "0", workers;  // no -n: what the run would use (addopts, [tool.fastest], auto)
  std::vector<std::string> run_argv;
  for (int i = 1; i < argc; ++i) {  // argv[0] is "plan"
    const std::string_view a = argv[i];
    // "--shards X", "--shards=X", "-n X", "-nX", "--numprocesses X", "--numprocesses=X".
    std::string missing;
    auto value_of = [&](std::string_view name, std::string& into) {
      if (a == name) {
        if (i + 1 >= argc)
          missing = name;
        else
          into = argv[++i];
        return true;
      }
      if (a.size() > name.size() && a.substr(0, name.size()) == name && (a[name.size()] == '=' || name == "-n")) {
        into = std::string(a.substr(name.size() + (a[name.size()] == '=' ? 1 : 0)));
        return true;
      }
      return false;
    };
    if (a == "-h" || a == "--help") return std::printf("%s", k_help), ExitCode::ok;
    if (a == "--") {
      for (++i; i < argc; ++i) run_argv.emplace_back(argv[i]);
      break;
    }
    if (value_of("--shards", shards) || value_of("--numprocesses", workers) || value_of("-n", workers)) {
      if (!missing.empty()) return usage("fastest plan: argument " + missing + ": expected one argument");
      continue;
    }
    run_argv.emplace_back(a);
  }
  if (!parse_range(shards, o.shards_from, o.shards_to)) {
    char* end = nullptr;
    o.shards = static_cast<int>(std::strtol(shards.c_str(), &end, 10));
    if (shards.empty() || *end || o.shards < 0) return usage("fastest plan: --shards: expected N or A..B");
  }
  std::error_code ec;
  auto cl = fastest::app::parse_command_line(run_argv, std::filesystem::current_path(ec), fastest::app::process_env(),
                                             fastest::app::installed_plugin_files);
  if (!cl.ok()) {
    std::fprintf(stderr, "%s\n", cl.error().message.c_str());
    return ExitCode::usage_error;
  }
  o.run = std::move(cl->options);
  if (workers.empty()) {
    // o.run.workers as parsed
  } else if (parse_range(workers, o.workers_from, o.workers_to)) {
    o.run.workers = o.workers_to;
  } else {
    auto n = fastest::app::parse_worker_count(workers);
    if (!n) return usage("fastest plan: -n: expected a number, 'auto', 'logical' or A..B");
    o.run.workers = *n;
  }
  return fastest::app::run_plan(o);
}

ExitCode run_main(int argc, char** argv) {
  if (argc > 1) {
    std::string cmd = argv[1];
    if (cmd == "stats") return stats_main(argc - 1, argv + 1);
    if (cmd == "db") return db_main(argc - 1, argv + 1);
    if (cmd == "plan") return plan_main(argc - 1, argv + 1);
    if (cmd == "verify") return fastest::app::run_verify(std::vector<std::string>(argv + 2, argv + argc));
  }
  return test_main(argc, argv);
}

}  // namespace

int main(int argc, char** argv) {
  fastest::base::set_exit_after_command(true);
  try {
    return static_cast<int>(run_main(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fastest: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "fastest: internal error\n");
  }
  return static_cast<int>(ExitCode::internal_error);
}

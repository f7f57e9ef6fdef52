#pragma once
// Everything a run needs from the command line, as a plain struct. Only src/cli knows
// about cxxopts; it fills this in.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fastest::app {

struct Options {
  std::vector<std::string> args;  ///< paths / node ids given on the command line
  std::vector<std::string> argv;  ///< the whole command line, for the run record
  int workers = -1;               ///< -n; -1 = auto (cores), 0 = one worker
  int maxprocesses = 0;           ///< --maxprocesses: cap for -n auto (0 = none)
  std::string python;             ///< --python; empty = $FASTEST_PYTHON, venv, python3
  std::string db;                 ///< --db; empty = $FASTEST_DB, else <rootdir>/.fastest/fastest.db
  std::string schedule;           ///< --schedule: "" (auto), "history", "fifo"
  std::string dist;               ///< pytest-xdist's --dist ("no" unless given): "loadgroup" pins xdist_group modules
  std::string keyword;            ///< -k
  std::string markexpr;           ///< -m
  int maxfail = 0;                ///< -x = 1, --maxfail N
  bool last_failed = false;       ///< --lf
  bool failed_first = false;      ///< --ff
  int verbose = 0;                ///< -v count minus -q count
  bool collect_only = false;
  bool static_collect = false;  ///< --static: list discovery's ids without starting Python
  std::string junitxml;
  std::string capture = "fd";  ///< --capture fd|sys|no; -s = no
  std::string import_mode = "prepend";
  double timeout_s = 0;  ///< --timeout, per test
  /// `--timeout=S` for pytest-timeout, when that plugin loads in the workers: the option is
  /// then its own (marks override it) under the pytest engine; "" otherwise.
  std::string plugin_timeout_arg;
  /// pytest-rerunfailures loads in the workers: under the pytest engine it owns --reruns
  /// and --reruns-delay (fastest's own reruns stay off there).
  bool rerunfailures_loads = false;
  /// pytest-cov loads and --cov asks for a measurement: its report needs pytest's own
  /// run loop (or xdist's combining), which fastest's workers do not run.
  bool pytest_cov_requested = false;
  int reruns = 0;                     ///< --reruns: a failed test runs again up to N times
  double reruns_delay = 0;            ///< --reruns-delay, seconds before each rerun
  bool flaky_fails = false;           ///< --flaky-fails: a flaky test (failed, then passed) fails the run
  bool quarantine = false;            ///< --quarantine: failures of historically flaky tests do not fail the run
  double quarantine_threshold = 0.2;  ///< flip rate from which --quarantine applies ([tool.fastest])
  int keep_runs = 30;                 ///< runs whose results the store keeps ([tool.fastest] keep_runs)
  double retention_days = 0;          ///< and only while younger than this (0: no age limit)
  std::string shard;                  ///< --shard K/N ("" = from CI env or none)
  std::string rootdir;                ///< --rootdir
  std::string report_chars = "fE";    ///< -r
  bool continue_on_collection_errors = false;
  bool timings = false;          ///< --timings: per-pass timers on stderr
  int durations = -1;            ///< --durations N (0 = all, -1 = off)
  double durations_min = 0.005;  ///< --durations-min, seconds

  // pytest options beyond the runner's own (names follow pytest's dests).
  std::vector<std::string> ignore, ignore_glob, deselect;  ///< --ignore, --ignore-glob, --deselect
  std::vector<std::string> plugins;                        ///< -p NAME / -p no:NAME, in order
  std::vector<std::string> pythonwarnings;                 ///< -W
  std::vector<std::string> override_ini;                   ///< -o name=value, in order
  bool doctest_modules = false;
  std::vector<std::string> doctest_glob;
  bool doctest_continue_on_failure = false;
  std::string confcutdir;  ///< --confcutdir ("" = none given)
  bool noconftest = false;
  bool pyargs = false;  ///< --pyargs: arguments may name importable modules/packages
  std::string tbstyle = "auto";
  bool showlocals = false, fulltrace = false;
  bool strict_markers = false, strict_config = false;
  bool runxfail = false;
  bool new_first = false;  ///< --nf
  bool stepwise = false;   ///< --sw
  bool cache_clear = false;
  bool no_header = false, no_summary = false;
  std::string color = "auto";
  std::string show_capture = "all";  ///< --show-capture no|stdout|stderr|log|all
  bool show_fixtures = false, show_markers = false, setup_show = false;
  std::string basetemp;  ///< --basetemp

  std::string engine = "auto";    ///< --engine native|pytest|auto
  std::string progress = "auto";  ///< --progress auto|live|plain
  std::string json_path;          ///< --json PATH ("-" = stdout; "" = none)
  std::string inifile;            ///< -c/--config-file
  /// Absolute existing paths pytest determines rootdir and the ini file from: those of
  /// PYTEST_ADDOPTS and argv, before the ini's addopts joined. nullopt: from `args`.
  std::optional<std::vector<std::string>> rootdir_args;
  /// The pytest-equivalent argv after expansion (ini addopts, PYTEST_ADDOPTS, command line)
  /// with fastest-only options removed; becomes `config.args` for the workers.
  std::vector<std::string> expanded_args;
  std::string options_json = "{}";  ///< the `options` object of `config`: pytest dest -> value
};

/// pytest's exit codes, one table.
enum class ExitCode : int {
  ok = 0,
  tests_failed = 1,
  interrupted = 2,
  internal_error = 3,
  usage_error = 4,
  no_tests = 5,
};

}  // namespace fastest::app

#include "app/option_table.h"

#include <algorithm>
#include <cctype>

namespace fastest::app {
namespace {

using A = OptAction;
using S = OptStatus;
using T = OptType;

constexpr const char* k_worker =
    "passed to the workers (`config.options` and `args`): the pytest engine applies it; the native engine as "
    "docs/compatibility.md says";
constexpr const char* k_not_yet = "parsed into `Options`; the terminal reporter does not act on it yet";
constexpr const char* k_no_tty =
    "workers run without a terminal; run the failing test under pytest itself for an interactive debugger";

void add_group(std::vector<OptionSpec>& out, const std::string& group, std::vector<OptionSpec> rows) {
  for (auto& r : rows) {
    r.group = group;
    out.push_back(std::move(r));
  }
}

std::vector<OptionSpec> general() {
  return {
      {.names = {"-k"},
       .dest = "keyword",
       .default_json = R"("")",
       .metavar = "EXPRESSION",
       .help = "Only run tests which match the given substring expression (case-insensitive; names of the "
               "test and its parents, and markers)",
       .note = "validated up front (a syntax error is exit 4); also filters `--collect-only --static`"},
      {.names = {"-m"},
       .dest = "markexpr",
       .default_json = R"("")",
       .metavar = "MARKEXPR",
       .help = "Only run tests matching given mark expression. For example: -m 'mark1 and not mark2'.",
       .note = "validated up front; `--collect-only --static` filters on the markers seen statically"},
      {.names = {"--markers"},
       .dest = "markers",
       .action = A::store_true,
       .default_json = "false",
       .help = "show markers (builtin, plugin and per-project ones).",
       .note = k_worker},
      {.names = {"-x", "--exitfirst"},
       .dest = "maxfail",
       .action = A::store_const,
       .default_json = "0",
       .const_json = "1",
       .help = "Exit instantly on first error or failed test"},
      {.names = {"--fixtures", "--funcargs"},
       .dest = "showfixtures",
       .action = A::store_true,
       .default_json = "false",
       .help = "Show available fixtures, sorted by plugin appearance",
       .note = k_worker},
      {.names = {"--fixtures-per-test"},
       .dest = "show_fixtures_per_test",
       .action = A::store_true,
       .default_json = "false",
       .help = "Show fixtures per test",
       .note = k_worker},
      {.names = {"--pdb"},
       .dest = "usepdb",
       .action = A::store_true,
       .default_json = "false",
       .help = "Start the interactive Python debugger on errors or KeyboardInterrupt",
       .status = S::refused,
       .note = k_no_tty},
      {.names = {"--pdbcls"},
       .dest = "usepdb_cls",
       .metavar = "modulename:classname",
       .help = "Specify a custom interactive Python debugger for use with --pdb",
       .status = S::refused,
       .note = k_no_tty},
      {.names = {"--trace"},
       .dest = "trace",
       .action = A::store_true,
       .default_json = "false",
       .help = "Immediately break when running each test",
       .status = S::refused,
       .note = k_no_tty},
      {.names = {"--capture"},
       .dest = "capture",
       .choices = {"fd", "sys", "no", "tee-sys"},
       .default_json = R"("fd")",
       .metavar = "method",
       .help = "Per-test capturing method: one of fd|sys|no|tee-sys"},
      {.names = {"-s"},
       .dest = "capture",
       .action = A::store_const,
       .const_json = R"("no")",
       .help = "Shortcut for --capture=no"},
      {.names = {"--runxfail"},
       .dest = "runxfail",
       .action = A::store_true,
       .default_json = "false",
       .help = "Report the results of xfail tests as if they were not marked"},
      {.names = {"--lf", "--last-failed"},
       .dest = "lf",
       .action = A::store_true,
       .default_json = "false",
       .help = "Rerun only the tests that failed at the last run (or all if none failed)",
       .note = "from fastest's history database, not .pytest_cache"},
      {.names = {"--ff", "--failed-first"},
       .dest = "failedfirst",
       .action = A::store_true,
       .default_json = "false",
       .help = "Run all tests, but run the last failures first"},
      {.names = {"--nf", "--new-first"},
       .dest = "newfirst",
       .action = A::store_true,
       .default_json = "false",
       .help = "Run tests from new files first, then the rest of the tests sorted by file mtime",
       .note = "tests the history database does not know first, then by file mtime"},
      {.names = {"--cache-show"},
       .dest = "cacheshow",
       .const_json = R"("*")",
       .metavar = "[CACHESHOW]",
       .help = "Show cache contents, don't perform collection or tests",
       .status = S::refused,
       .note = "fastest keeps its history in its own database: see `fastest stats`",
       .optional_value = true},
      {.names = {"--cache-clear"},
       .dest = "cacheclear",
       .action = A::store_true,
       .default_json = "false",
       .help = "Remove all cache contents at start of test run",
       .note = k_worker},
      {.names = {"--lfnf", "--last-failed-no-failures"},
       .dest = "last_failed_no_failures",
       .choices = {"all", "none"},
       .default_json = R"("all")",
       .metavar = "{all,none}",
       .help = "Which tests to run with no previously (known) failures"},
      {.names = {"--sw", "--stepwise"},
       .dest = "stepwise",
       .action = A::store_true,
       .default_json = "false",
       .help = "Exit on test failure and continue from last failing test next time",
       .note = "from fastest's history database"},
      {.names = {"--sw-skip", "--stepwise-skip"},
       .dest = "stepwise_skip",
       .action = A::store_true,
       .default_json = "false",
       .help = "Ignore the first failing test but stop on the next failing test",
       .note = "from fastest's history database"},
  };
}

std::vector<OptionSpec> reporting() {
  return {
      {.names = {"--durations"},
       .dest = "durations",
       .type = T::integer,
       .metavar = "N",
       .help = "Show N slowest setup/test durations (N=0 for all)"},
      {.names = {"--durations-min"},
       .dest = "durations_min",
       .type = T::real,
       .default_json = "0.005",
       .metavar = "N",
       .help = "Minimal duration in seconds for inclusion in slowest list. Default: 0.005.",
       .note = "terminal reporter"},
      {.names = {"-v", "--verbose"},
       .dest = "verbose",
       .action = A::count,
       .default_json = "0",
       .help = "Increase verbosity"},
      {.names = {"--no-header"},
       .dest = "no_header",
       .action = A::store_true,
       .default_json = "false",
       .help = "Disable header",
       .note = "terminal reporter"},
      {.names = {"--no-summary"},
       .dest = "no_summary",
       .action = A::store_true,
       .default_json = "false",
       .help = "Disable summary",
       .note = "terminal reporter"},
      {.names = {"-q", "--quiet"},
       .dest = "verbose",
       .action = A::quiet,
       .default_json = "0",
       .help = "Decrease verbosity"},
      {.names = {"--verbosity"},
       .dest = "verbose",
       .type = T::integer,
       .default_json = "0",
       .metavar = "VERBOSE",
       .help = "Set verbosity. Default: 0."},
      {.names = {"-r"},
       .dest = "reportchars",
       .default_json = R"("fE")",
       .metavar = "chars",
       .help = "Show extra test summary info as specified by chars: (f)ailed, (E)rror, (s)kipped, (x)failed, "
               "(X)passed, (p)assed, (P)assed with output, (a)ll except passed (p/P), or (A)ll. (default: 'fE')."},
      {.names = {"--disable-warnings", "--disable-pytest-warnings"},
       .dest = "disable_warnings",
       .action = A::store_true,
       .default_json = "false",
       .help = "Disable warnings summary",
       .note = "terminal reporter (no warnings summary)"},
      {.names = {"-l", "--showlocals"},
       .dest = "showlocals",
       .action = A::store_true,
       .default_json = "false",
       .help = "Show locals in tracebacks (disabled by default)",
       .note = k_worker},
      {.names = {"--no-showlocals"},
       .dest = "showlocals",
       .action = A::store_false,
       .default_json = "false",
       .help = "Hide locals in tracebacks (negate --showlocals passed through addopts)",
       .note = k_worker},
      {.names = {"--tb"},
       .dest = "tbstyle",
       .choices = {"auto", "long", "short", "no", "line", "native"},
       .default_json = R"("auto")",
       .metavar = "style",
       .help = "Traceback print mode (auto/long/short/line/native/no)",
       .note = k_worker},
      {.names = {"--show-capture"},
       .dest = "showcapture",
       .choices = {"no", "stdout", "stderr", "log", "all"},
       .default_json = R"("all")",
       .metavar = "{no,stdout,stderr,log,all}",
       .help = "Controls how captured stdout/stderr/log is shown on failed tests. Default: all.",
       .note = "terminal reporter"},
      {.names = {"--fulltrace", "--full-trace"},
       .dest = "fulltrace",
       .action = A::store_true,
       .default_json = "false",
       .help = "Don't cut any tracebacks (default is to cut)",
       .note = k_worker},
      {.names = {"--color"},
       .dest = "color",
       .choices = {"yes", "no", "auto"},
       .default_json = R"("auto")",
       .metavar = "color",
       .help = "Color terminal output (yes/no/auto)",
       .note = "as pytest: `auto` colours a terminal (not `TERM=dumb`); `PY_COLORS`, `NO_COLOR`, `FORCE_COLOR` "
               "decide first"},
      {.names = {"--code-highlight"},
       .dest = "code_highlight",
       .choices = {"yes", "no"},
       .default_json = R"("yes")",
       .metavar = "{yes,no}",
       .help = "Whether code should be highlighted",
       .status = S::no_effect,
       .note = "fastest does not highlight source code"},
      {.names = {"--pastebin"},
       .dest = "pastebin",
       .choices = {"failed", "all"},
       .metavar = "mode",
       .help = "Send failed|all info to bpaste.net pastebin service",
       .status = S::refused,
       .note = "fastest does not upload test output"},
      {.names = {"--junitxml", "--junit-xml"},
       .dest = "xmlpath",
       .metavar = "path",
       .help = "Create junit-xml style report file at given path"},
      {.names = {"--junitprefix", "--junit-prefix"},
       .dest = "junitprefix",
       .metavar = "str",
       .help = "Prepend prefix to classnames in junit-xml output",
       .note = "JUnit writer"},
  };
}

std::vector<OptionSpec> warnings() {
  return {
      {.names = {"-W", "--pythonwarnings"},
       .dest = "pythonwarnings",
       .action = A::append,
       .metavar = "PYTHONWARNINGS",
       .help = "Set which warnings to report, see -W option of Python itself",
       .note = k_worker},
      {.names = {"--maxfail"},
       .dest = "maxfail",
       .type = T::integer,
       .default_json = "0",
       .metavar = "num",
       .help = "Exit after first num failures or errors"},
      {.names = {"--strict-config"},
       .dest = "strict_config",
       .action = A::store_true,
       .default_json = "false",
       .help = "Any warnings encountered while parsing the `pytest` section of the configuration file raise "
               "errors",
       .note = "unknown ini keys (builtin, conftest `parser.addini` found statically) are exit 4"},
      {.names = {"--strict-markers"},
       .dest = "strict_markers",
       .action = A::store_true,
       .default_json = "false",
       .help = "Markers not registered in the `markers` section of the configuration file raise errors",
       .note = k_worker},
      {.names = {"--strict"},
       .dest = "strict",
       .action = A::store_true,
       .default_json = "false",
       .help = "(Deprecated) alias to --strict-markers"},
      {.names = {"-c"},
       .dest = "inifilename",
       .metavar = "file",
       .help = "Load configuration from `file` instead of trying to locate one of the implicit configuration "
               "files"},
      {.names = {"--continue-on-collection-errors"},
       .dest = "continue_on_collection_errors",
       .action = A::store_true,
       .default_json = "false",
       .help = "Force test execution even if collection errors occur"},
      {.names = {"--rootdir"}, .dest = "rootdir", .metavar = "ROOTDIR", .help = "Define root directory for tests"},
  };
}

std::vector<OptionSpec> collection() {
  return {
      {.names = {"--collectonly", "--collect-only", "--co"},
       .dest = "collectonly",
       .action = A::store_true,
       .default_json = "false",
       .help = "Only collect tests, don't execute them"},
      {.names = {"--pyargs"},
       .dest = "pyargs",
       .action = A::store_true,
       .default_json = "false",
       .help = "Try to interpret all arguments as Python packages",
       .note = k_worker},
      {.names = {"--ignore"},
       .dest = "ignore",
       .action = A::append,
       .metavar = "path",
       .help = "Ignore path during collection (multi-allowed)"},
      {.names = {"--ignore-glob"},
       .dest = "ignore_glob",
       .action = A::append,
       .metavar = "path",
       .help = "Ignore path pattern during collection (multi-allowed)"},
      {.names = {"--deselect"},
       .dest = "deselect",
       .action = A::append,
       .metavar = "nodeid_prefix",
       .help = "Deselect item (via node id prefix) during collection (multi-allowed)"},
      {.names = {"--confcutdir"},
       .dest = "confcutdir",
       .metavar = "dir",
       .help = "Only load conftest.py's relative to specified dir"},
      {.names = {"--noconftest"},
       .dest = "noconftest",
       .action = A::store_true,
       .default_json = "false",
       .help = "Don't load any conftest.py files"},
      {.names = {"--keepduplicates", "--keep-duplicates"},
       .dest = "keepduplicates",
       .action = A::store_true,
       .default_json = "false",
       .help = "Keep duplicate tests"},
      {.names = {"--collect-in-virtualenv"},
       .dest = "collect_in_virtualenv",
       .action = A::store_true,
       .default_json = "false",
       .help = "Don't ignore tests in a local virtualenv directory",
       .note = k_worker},
      {.names = {"--import-mode"},
       .dest = "importmode",
       .choices = {"prepend", "append", "importlib"},
       .default_json = R"("prepend")",
       .metavar = "{prepend,append,importlib}",
       .help = "Prepend/append to sys.path when importing test modules and conftest files. Default: prepend."},
      {.names = {"--doctest-modules"},
       .dest = "doctestmodules",
       .action = A::store_true,
       .default_json = "false",
       .help = "Run doctests in all .py modules"},
      {.names = {"--doctest-report"},
       .dest = "doctestreport",
       .choices = {"none", "cdiff", "ndiff", "udiff", "only_first_failure"},
       .default_json = R"("udiff")",
       .metavar = "{none,cdiff,ndiff,udiff,only_first_failure}",
       .help = "Choose another output format for diffs on doctest failure",
       .note = k_worker,
       .lower = true},
      {.names = {"--doctest-glob"},
       .dest = "doctestglob",
       .action = A::append,
       .default_json = "[]",
       .metavar = "pat",
       .help = "Doctests file matching pattern, default: test*.txt"},
      {.names = {"--doctest-ignore-import-errors"},
       .dest = "doctest_ignore_import_errors",
       .action = A::store_true,
       .default_json = "false",
       .help = "Ignore doctest ImportErrors",
       .note = k_worker},
      {.names = {"--doctest-continue-on-failure"},
       .dest = "doctest_continue_on_failure",
       .action = A::store_true,
       .default_json = "false",
       .help = "For a given doctest, continue to run after the first failure",
       .note = k_worker},
  };
}

std::vector<OptionSpec> debugging() {
  return {
      {.names = {"--basetemp"},
       .dest = "basetemp",
       .metavar = "dir",
       .help = "Base temporary directory for this test run. (Warning: this directory is removed if it exists.)"},
      {.names = {"-V", "--version"},
       .dest = "version",
       .action = A::version,
       .default_json = "0",
       .help = "Display fastest's version",
       .note = "prints fastest's version, not pytest's"},
      {.names = {"-h", "--help"},
       .dest = "help",
       .action = A::help,
       .default_json = "false",
       .help = "Show help message and configuration info"},
      {.names = {"-p"},
       .dest = "plugins",
       .action = A::append,
       .default_json = "[]",
       .metavar = "name",
       .help = "Early-load given plugin module name or entry point (multi-allowed). To avoid loading of "
               "plugins, use the `no:` prefix, e.g. `no:doctest`.",
       .note = k_worker},
      {.names = {"--traceconfig", "--trace-config"},
       .dest = "traceconfig",
       .action = A::store_true,
       .default_json = "false",
       .help = "Trace considerations of conftest.py files",
       .status = S::no_effect,
       .note = "no pluggy tracing in the workers"},
      {.names = {"--debug"},
       .dest = "debug",
       .const_json = R"("pytestdebug.log")",
       .metavar = "[DEBUG_FILE_NAME]",
       .help = "Store internal tracing debug information in this log file",
       .status = S::no_effect,
       .note = "no pluggy tracing in the workers",
       .optional_value = true},
      {.names = {"-o", "--override-ini"},
       .dest = "override_ini",
       .action = A::append,
       .metavar = "OVERRIDE_INI",
       .help = "Override ini option with \"option=value\" style",
       .note = "applied to the ini values the controller and the workers see"},
      {.names = {"--assert"},
       .dest = "assertmode",
       .choices = {"rewrite", "plain"},
       .default_json = R"("rewrite")",
       .metavar = "MODE",
       .help = "Control assertion debugging tools",
       .note = k_worker},
      {.names = {"--setuponly", "--setup-only"},
       .dest = "setuponly",
       .action = A::store_true,
       .default_json = "false",
       .help = "Only setup fixtures, do not execute tests",
       .note = k_worker},
      {.names = {"--setupshow", "--setup-show"},
       .dest = "setupshow",
       .action = A::store_true,
       .default_json = "false",
       .help = "Show setup of fixtures while executing tests",
       .note = k_worker},
      {.names = {"--setupplan", "--setup-plan"},
       .dest = "setupplan",
       .action = A::store_true,
       .default_json = "false",
       .help = "Show what fixtures and tests would be executed but don't execute anything",
       .note = k_worker},
  };
}

OptionSpec log_option(const std::string& name, const std::string& metavar, const std::string& help) {
  std::string dest = name.substr(2);
  std::replace(dest.begin(), dest.end(), '-', '_');
  return {.names = {name}, .dest = dest, .metavar = metavar, .help = help, .note = k_worker};
}

std::vector<OptionSpec> logging() {
  return {
      log_option("--log-level", "LEVEL", "Level of messages to catch/display"),
      log_option("--log-format", "LOG_FORMAT", "Log format used by the logging module"),
      log_option("--log-date-format", "LOG_DATE_FORMAT", "Log date format used by the logging module"),
      log_option("--log-cli-level", "LOG_CLI_LEVEL", "CLI logging level"),
      log_option("--log-cli-format", "LOG_CLI_FORMAT", "Log format used by the logging module"),
      log_option("--log-cli-date-format", "LOG_CLI_DATE_FORMAT", "Log date format used by the logging module"),
      log_option("--log-file", "LOG_FILE", "Path to a file when logging will be written to"),
      log_option("--log-file-level", "LOG_FILE_LEVEL", "Log file logging level"),
      log_option("--log-file-format", "LOG_FILE_FORMAT", "Log format used by the logging module"),
      log_option("--log-file-date-format", "LOG_FILE_DATE_FORMAT", "Log date format used by the logging module"),
      log_option("--log-auto-indent", "LOG_AUTO_INDENT", "Auto-indent multiline messages passed to the logging module"),
  };
}

// pytest-xdist's options: fastest is the parallel runner, so they are its own (never
// passed on to a worker's pytest, where xdist may not even be installed).
std::vector<OptionSpec> distributed() {
  constexpr const char* own = "fastest schedules batches by recorded durations itself";
  constexpr const char* remote = "fastest runs its workers on this machine only; see --shard for CI jobs";
  return {
      {.names = {"-n", "--numprocesses"},
       .dest = "numprocesses",
       .default_json = R"("auto")",
       .metavar = "numprocesses",
       .help = "Number of workers: N, 'auto' or 'logical' (cores); 0 = one worker",
       .fastest_only = true},
      {.names = {"--maxprocesses"},
       .dest = "maxprocesses",
       .type = T::integer,
       .metavar = "maxprocesses",
       .help = "Limit the number of workers -n auto starts",
       .fastest_only = true},
      {.names = {"--max-worker-restart"},
       .dest = "maxworkerrestart",
       .metavar = "MAXWORKERRESTART",
       .help = "pytest-xdist: workers that may be restarted",
       .status = S::no_effect,
       .note = "a crashed worker is always replaced; its batch's remainder is retried up to 3 times",
       .fastest_only = true},
      {.names = {"--dist"},
       .dest = "dist",
       .choices = {"each", "load", "loadscope", "loadfile", "loadgroup", "worksteal", "no"},
       .default_json = R"("no")",
       .metavar = "distmode",
       .help = "pytest-xdist: distribution mode",
       .status = S::implemented,
       .note = "fastest schedules batches by recorded durations itself; `loadgroup` runs every module "
               "holding `xdist_group` marks on one worker, whole and in collection order",
       .fastest_only = true},
      {.names = {"-d"},
       .dest = "distload",
       .action = A::store_true,
       .default_json = "false",
       .help = "pytest-xdist: --dist=load",
       .status = S::no_effect,
       .note = own,
       .fastest_only = true},
      {.names = {"--tx"},
       .dest = "tx",
       .action = A::append,
       .metavar = "xspec",
       .help = "pytest-xdist: add a test execution environment",
       .status = S::refused,
       .note = remote,
       .fastest_only = true},
      {.names = {"--rsyncdir"},
       .dest = "rsyncdir",
       .action = A::append,
       .metavar = "DIR",
       .help = "pytest-xdist: directory for rsyncing to remote tx nodes",
       .status = S::no_effect,
       .note = remote,
       .fastest_only = true},
      {.names = {"--rsyncignore"},
       .dest = "rsyncignore",
       .action = A::append,
       .metavar = "GLOB",
       .help = "pytest-xdist: ignores when rsyncing",
       .status = S::no_effect,
       .note = remote,
       .fastest_only = true},
      {.names = {"--testrunuid"},
       .dest = "testrunuid",
       .metavar = "TESTRUNUID",
       .help = "pytest-xdist: value of the testrun_uid fixture",
       .status = S::no_effect,
       .note = "no testrun_uid fixture",
       .fastest_only = true},
      {.names = {"-f", "--looponfail"},
       .dest = "looponfail",
       .action = A::store_true,
       .default_json = "false",
       .help = "pytest-xdist: rerun failing tests when files change",
       .status = S::refused,
       .note = "fastest does not watch files",
       .fastest_only = true},
  };
}

std::vector<OptionSpec> fastest_own() {
  auto own = [](std::vector<std::string> names, std::string metavar, std::string help) {
    std::string dest = names[0].substr(2);
    std::replace(dest.begin(), dest.end(), '-', '_');
    OptionSpec s{.names = std::move(names), .dest = dest, .metavar = std::move(metavar), .help = std::move(help)};
    s.fastest_only = true;
    if (s.metavar.empty()) {
      s.action = A::store_true;
      s.default_json = "false";
    }
    return s;
  };
  auto engine = own({"--engine"}, "ENGINE",
                    "native (fastest's own pytest semantics), pytest (the installed "
                    "pytest in each worker) or auto (chosen per run)");
  engine.choices = {"native", "pytest", "auto"};
  engine.note = "`auto` is the default; the choice is made in `src/app/engine*` (native until that lands)";
  auto timeout = own({"--timeout"}, "S", "Fail a test that runs longer than S seconds (the worker is killed)");
  timeout.type = T::real;
  timeout.note =
      "fastest kills the worker of a test over S seconds; when pytest-timeout loads in the pytest engine's "
      "workers, the option is that plugin's, as in pytest (its marks override it, its failure text)";
  auto reruns = own({"--reruns"}, "N",
                    "Run a failed test again, up to N times, after the rest of its batch (a pass "
                    "then makes it flaky)");
  reruns.type = T::integer;
  auto reruns_delay = own({"--reruns-delay"}, "S", "Wait S seconds before each rerun");
  reruns_delay.type = T::real;
  auto schedule =
      own({"--schedule"}, "SCHEDULE", "Batch order: history (LPT over recorded durations) or fifo (file order)");
  schedule.choices = {"history", "fifo"};
  auto progress = own({"--progress"}, "MODE",
                      "Progress display: live (redrawn bar, ETA, one line per worker), plain (pytest-like "
                      "lines) or auto (live on a terminal)");
  progress.choices = {"auto", "live", "plain"};
  auto json = own({"--json"}, "PATH",
                  "Write a JSON report of the run to PATH ('-': stdout, the terminal report "
                  "then goes to stderr); docs/json-report.md");
  return {
      own({"--python"}, "PYTHON",
          "Interpreter for the workers (default: $FASTEST_PYTHON, the active "
          "virtualenv, python3)"),
      own({"--db"}, "PATH",
          "History database (default: $FASTEST_DB or <rootdir>/.fastest/fastest.db; "
          "':memory:' for none)"),
      schedule,
      own({"--shard"}, "K/N", "Run shard K of N, balanced by history (default: from the CI's environment)"),
      own({"--static"}, "",
          "With --collect-only: list the statically discovered ids (no Python; "
          "parametrize not expanded)"),
      own({"--timings"}, "", "Print per-pass timers to stderr"),
      timeout,
      engine,
      reruns,
      reruns_delay,
      own({"--flaky-fails"}, "", "A flaky test (failed, then passed on a rerun) fails the run"),
      own({"--quarantine"}, "",
          "Run tests whose recorded flip rate reaches quarantine_threshold, but let their "
          "failures not fail the run"),
      progress,
      json,
  };
}

std::vector<OptionSpec> build_table() {
  std::vector<OptionSpec> t;
  add_group(t, "general", general());
  add_group(t, "Reporting", reporting());
  add_group(t, "pytest-warnings", warnings());
  add_group(t, "collection", collection());
  add_group(t, "test session debugging and configuration", debugging());
  add_group(t, "logging", logging());
  add_group(t, "distributed (pytest-xdist compatible)", distributed());
  add_group(t, "fastest", fastest_own());
  return t;
}

std::string wrap(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string usage_names(const OptionSpec& s) {
  std::string metavar = s.metavar;
  if (metavar.empty()) {
    metavar = s.dest;
    std::transform(metavar.begin(), metavar.end(), metavar.begin(), [](unsigned char c) { return std::toupper(c); });
  }
  std::string out;
  for (const auto& n : s.names) {
    out += out.empty() ? "" : ", ";
    out += n;
    if (s.takes_value()) out += (n.size() == 2 ? " " : "=") + metavar;
  }
  return out;
}

}  // namespace

bool OptionSpec::takes_value() const { return action == A::store || action == A::append; }

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = build_table();
  return table;
}

std::string help_text(const std::vector<OptionSpec>& table) {
  std::string out =
      "usage: fastest [options] [file_or_dir] [file_or_dir] [...]\n\n"
      "fast Python test runner: pytest-compatible, parallel, history-scheduled.\n"
      "Subcommands: fastest stats | plan | db (each has --help).\n\n"
      "positional arguments:\n  file_or_dir\n";
  std::string group;
  for (const auto& s : table) {
    std::string g = s.conftest ? "custom options (conftest.py)" : s.group;
    if (g != group) {
      group = g;
      out += "\n" + group + ":\n";
    }
    std::string names = "  " + usage_names(s);
    std::string help = s.help;
    if (s.status == OptStatus::refused) help += " [refused: " + s.note + "]";
    if (s.status == OptStatus::no_effect) help += " [no effect: " + s.note + "]";
    if (names.size() + 2 > 24) {
      out += names + "\n" + std::string(24, ' ');
    } else {
      out += names + std::string(24 - names.size(), ' ');
    }
    out += wrap(help, 24, 80) + "\n";
  }
  out +=
      "\nEnvironment variables:\n"
      "  PYTEST_ADDOPTS        Extra command line options (after the ini file's addopts)\n"
      "  FASTEST_WORKERS, FASTEST_SCHEDULE, FASTEST_DB, FASTEST_PYTHON, FASTEST_TIMEOUT,\n"
      "  FASTEST_SHARD, FASTEST_ENGINE, FASTEST_PROGRESS\n"
      "                        Defaults for -n, --schedule, --db, --python, --timeout,\n"
      "                        --shard, --engine, --progress (over [tool.fastest] in\n"
      "                        pyproject.toml)\n";
  return out;
}

}  // namespace fastest::app

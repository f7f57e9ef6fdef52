#pragma once
// Wire protocol between the controller and a Python worker (docs/protocol.md).
// Frames: 4-byte big-endian length + UTF-8 JSON object.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/test_item.h"

namespace fastest::exec {

inline constexpr int k_protocol_version = 2;
inline constexpr std::uint32_t k_max_frame_bytes = 64u << 20;

/// Prefixes `payload` with its 4-byte big-endian length.
std::string encode_frame(std::string_view payload);

/// Incremental frame splitter for the worker -> controller stream.
class FrameReader {
 public:
  void append(const char* data, std::size_t size);
  /// Next complete payload, nullopt if more bytes are needed. An oversized frame is an Error.
  base::Result<std::optional<std::string>> next();
  /// As next(), without a copy: the view is valid until the next append().
  base::Result<std::optional<std::string_view>> next_view();
  /// Bytes buffered but not yet returned.
  std::size_t pending() const { return m_buf.size() - m_pos; }

 private:
  std::string m_buf;
  std::size_t m_pos = 0;
};

enum class MessageType : int {
  ready = 1,
  collected = 2,
  collect_error = 3,
  start = 4,
  result = 5,
  warning = 6,
  batch_done = 7,
  configured = 8,         ///< v2: config applied; `header` = pytest_report_header lines
  fatal = 9,              ///< v2: session-level error; the worker exits after sending it
  suite_property = 10,    ///< v2: record_testsuite_property
  info = 11,              ///< v2: text printed verbatim on stdout (--fixtures, --markers, ...)
  rerun = 12,             ///< a failed attempt of a test the worker runs again (--reruns); fields of `result`
  held = 13,              ///< hold_last: every test of `batch` but `nodeid` ran; it waits for the next run/shutdown
  terminal_summary = 14,  ///< the pytest engine: plugins' pytest_terminal_summary text (`text`), at shutdown
  summary_stats = 15,     ///< the pytest engine, at shutdown: its terminal stats (`text`); waits for everyone's
  unknown = 99,
};

/// A decoded worker -> controller message. Fields not used by a type stay empty.
struct WorkerMessage {
  MessageType type = MessageType::unknown;
  std::string type_name;
  std::int64_t batch = -1;
  int protocol = 0;
  std::int64_t pid = 0;
  std::string python;
  std::string module;
  std::string nodeid;
  std::vector<std::string> items;  ///< collected
  /// collected, --collect-only without -q: per item, its collectors as JSON text (docs/protocol.md)
  std::vector<std::string> tree;
  std::string longrepr;        ///< collect_error
  std::string teardown_error;  ///< batch_done: module-scope teardown failure
  int line = 0;
  double import_s = 0, duration_s = 0;
  base::TestResult result;          ///< result
  std::string category, message;    ///< warning; fatal: `message`
  std::string filename;             ///< warning
  int lineno = 0;                   ///< warning
  std::int64_t deselected = 0;      ///< collected: items deselected (-k, -m, --deselect, hooks)
  std::vector<std::string> header;  ///< configured
  int exit_code = 0;                ///< fatal
  std::string name, value;          ///< suite_property
  std::string text;                 ///< info, terminal_summary
  std::int64_t tests = 0;           ///< terminal_summary: the tests this worker ran
  std::int64_t more = 0;            ///< collect_error: the batch's collect_error frames still to come
};

/// Parses one payload. Malformed JSON or a missing required field is an Error(protocol).
base::Result<WorkerMessage> decode_message(std::string_view payload);
/// The same into `out`, which must be default-constructed (its contents are unspecified
/// after an Error): a WorkerMessage (a TestResult and some twenty strings) moved into a
/// Result and then into the reader's message cost ~3,000 instructions a frame.
base::Status decode_message_into(std::string_view payload, WorkerMessage& out);

/// What every worker is told once, right after it says ready.
struct WorkerConfig {
  std::string rootdir;
  std::string capture = "fd";  ///< fd | sys | no
  std::string import_mode = "prepend";
  std::string keyword, markexpr;
  int verbose = 0;
  bool exitfirst = false;
  bool run_xfail = false;
  std::string basetemp;
  std::string cache_dir;          ///< where the harness may cache rewritten modules
  std::string ini_json = "{}";    ///< ini options as a JSON object (strings / lists), -o applied
  std::string engine = "native";  ///< native | pytest
  std::vector<std::string> args;  ///< pytest-equivalent argv: addopts, PYTEST_ADDOPTS, command line
  std::string invocation_dir;     ///< absolute cwd of the fastest invocation
  /// The command line as typed (program first): the workers' `sys.argv`, as pytest's is its
  /// own command line (code that reads `sys.argv` at import sees the user's flags).
  std::vector<std::string> argv;
  std::string options_json = "{}";  ///< pytest dest name -> value, every option of the table
  /// "gw0", "gw1", ... or "master" (-n 0). Empty: the executor names each worker "gw<slot>".
  std::string worker_id;
  int worker_count = 1;
  int reruns = 0;           ///< --reruns: a failed test runs again up to this often
  double reruns_delay = 0;  ///< --reruns-delay: seconds to wait before each rerun
  /// The worker holds a batch's last test back until the next `run` or `shutdown` names
  /// its `nextitem` (the pytest engine; the executor then speaks `held`).
  bool hold_last = false;
};

std::string encode_config(const WorkerConfig& cfg);
/// `collect_only`: the worker reports `collected` and `batch_done` without running anything.
/// `first`: node-id prefixes to run before the batch's other tests (--ff, --nf).
/// `attempts`: node id -> failed attempts it already had (a test rerun after a crash).
/// `conftests`: absolute paths of every conftest.py the session's collection loads (sent in
/// a worker's first `run` only; empty: the field is left out).
std::string encode_run(std::int64_t batch, std::string_view module, const std::vector<std::string>& select,
                       bool collect_only = false, const std::vector<std::string>& first = {},
                       const std::vector<std::pair<std::string, int>>& attempts = {},
                       const std::vector<std::string>& conftests = {});
/// `stop`: the run was cut short (-x, --maxfail, an interrupt, another worker's `fatal`): a
/// held test is not started, only what is set up is torn down. `interrupted`: the cut was
/// an interrupt (Ctrl-C, SIGTERM): pytest_sessionfinish gets pytest's status 2.
std::string encode_shutdown(bool stop = false, bool interrupted = false);
/// The answer to the workers' `summary_stats`: every worker's `text`, in slot order. None
/// when together they would not fit a frame (each worker then keeps its own stats).
std::string encode_summary_stats(const std::vector<std::string>& parts);

}  // namespace fastest::exec

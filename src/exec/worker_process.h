#pragma once
// One Python worker process and its pipes (POSIX: spawn_posix.cc).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "exec/protocol.h"

namespace fastest::exec {

struct SpawnSpec {
  std::string python;                  ///< interpreter path or name looked up in PATH
  std::filesystem::path main_script;   ///< harness fastest_worker_main.py
  std::vector<std::string> extra_env;  ///< "KEY=VALUE" added to the inherited environment
  /// The worker's stdout/stderr go through pipes that the controller copies to its own
  /// fds 1/2 a whole line at a time, so lines of different workers never interleave (-s).
  bool relay_output = false;
  /// Give the worker a spill (a shared memory file on fd 6, `--spill-fd 6`) so it may hold
  /// frames and write them in batches; what it held when it died is read from there
  /// (docs/protocol.md, "Batched frames"). Not with --timeout, whose clock needs each
  /// `start` as it happens.
  bool spill = false;
};

/// Size of a worker's spill, header included. Bytes.
inline constexpr std::size_t k_spill_bytes = 1u << 20;

enum class ReadStatus {
  message,
  timeout,
  closed,
  error,
  woken,  ///< the wake fd became readable (Executor::request_stop)
};

class WorkerProcess {
 public:
  /// Starts the worker in its own process group, stdin on /dev/null, protocol on fds 3/4,
  /// stack dumps (faulthandler on SIGUSR1) on fd 5.
  static base::Result<std::unique_ptr<WorkerProcess>> spawn(const SpawnSpec& spec);
  /// Kills the process group if still running and reaps it.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return m_pid; }
  /// Writes a whole frame; an Error if the worker has gone.
  base::Status send(std::string_view payload);
  /// Waits up to timeout_s (negative: no limit) for the next message, relaying output
  /// meanwhile. Returns `woken` as soon as `wake_fd` (if >= 0) is readable.
  /// `error` receives the reason for closed/error. `out` must be default-constructed (a
  /// message is decoded into it in place, decode_message_into).
  ReadStatus read(WorkerMessage& out, double timeout_s, std::string& error, int wake_fd = -1);
  /// True once the process has exited (it is not reaped yet; reap() describes how).
  bool exited();
  /// Asks the worker's faulthandler for the stacks of all its threads (SIGUSR1) and
  /// returns what it wrote within wait_s ("" if nothing).
  std::string dump_stacks(double wait_s);
  /// Sends `sig` to the worker's whole process group (the test's children too).
  void kill_group(int sig);
  /// Reaps the process (waiting at most grace_s, then SIGKILL) and describes how it ended:
  /// "exit code 1", "signal 11 (SIGSEGV)", with an out-of-memory hint for SIGKILL.
  /// Kills what is left of the process group and flushes relayed output.
  std::string reap(double grace_s);
  /// How the process ended: 0 if it exited with code 0, else nonzero. Valid after reap().
  int raw_status() const { return m_status; }

 private:
  struct Relay {
    int fd = -1;            ///< read end of the worker's stdout/stderr pipe
    int target = -1;        ///< our fd 1 or 2
    std::string pending{};  ///< an incomplete last line
  };
  WorkerProcess(pid_t pid, int to_worker, int from_worker, int dumps, int out, int err);
  /// At the end of the worker's output: the frames it held in its spill and had not
  /// written, appended to the reader (once). False if there were none.
  bool take_spill();
  /// Reads whatever the relay pipes hold without blocking.
  void drain_relays();
  void relay_from(Relay& r);
  void close_relays();

  pid_t m_pid;
  int m_to_worker;
  int m_from_worker;
  int m_dumps;
  Relay m_relays[2];
  bool m_reaped = false;
  int m_status = 0;
  FrameReader m_reader;
  std::uint64_t m_bytes_read = 0;          ///< bytes read from the worker's output so far
  const unsigned char* m_spill = nullptr;  ///< the spill, mapped read-only (k_spill_bytes)
  bool m_spill_taken = false;
};

/// Describes a waitpid() status as pytest-xdist users would want to read it.
std::string describe_wait_status(int status);

/// Appends `data` to `pending` and returns the complete lines it now holds (removed from
/// `pending`). A line longer than `max_line` is cut there so memory stays bounded.
std::string take_complete_lines(std::string& pending, std::string_view data, std::size_t max_line);

}  // namespace fastest::exec

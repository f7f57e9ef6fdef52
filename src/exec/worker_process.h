#pragma once
// One Python worker process and its two protocol pipes (POSIX: spawn_posix.cc).

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "exec/protocol.h"

namespace fastest::exec {

struct SpawnSpec {
  std::string python;                    ///< interpreter path or name looked up in PATH
  std::filesystem::path main_script;     ///< harness fastest_worker_main.py
  std::vector<std::string> extra_env;    ///< "KEY=VALUE" added to the inherited environment
};

enum class ReadStatus { message, timeout, closed, error };

class WorkerProcess {
 public:
  /// Starts the worker in its own process group, stdin on /dev/null, protocol on fds 3/4.
  static base::Result<std::unique_ptr<WorkerProcess>> spawn(const SpawnSpec& spec);
  /// Kills the process group if still running and reaps it.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return m_pid; }
  /// Writes a whole frame; an Error if the worker has gone.
  base::Status send(std::string_view payload);
  /// Waits up to timeout_s (negative: no limit) for the next message.
  /// `error` receives the reason for closed/error.
  ReadStatus read(WorkerMessage& out, double timeout_s, std::string& error);
  /// Sends `sig` to the worker's whole process group (the test's children too).
  void kill_group(int sig);
  /// Reaps the process (waiting at most grace_s, then SIGKILL) and describes how it ended:
  /// "exit code 1", "signal 11 (SIGSEGV)", with an out-of-memory hint for SIGKILL.
  std::string reap(double grace_s);

 private:
  WorkerProcess(pid_t pid, int to_worker, int from_worker);
  pid_t m_pid;
  int m_to_worker;
  int m_from_worker;
  bool m_reaped = false;
  FrameReader m_reader;
};

/// Describes a waitpid() status as pytest-xdist users would want to read it.
std::string describe_wait_status(int status);

}  // namespace fastest::exec

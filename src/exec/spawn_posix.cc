#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

#include "exec/worker_process.h"

extern char** environ;

namespace fastest::exec {
namespace {

// Runs the harness's main script after arming faulthandler on SIGUSR1 with fd 5 as its
// file, so the controller can collect the stacks of every thread of a test that timed
// out, even one spinning in C with the GIL held (docs/protocol.md, "Timeouts").
// `python -c` puts '' (the cwd) first on sys.path; the console-script launch pytest users
// know does not, so it goes.
constexpr const char* k_bootstrap =
    "import sys\n"
    "if sys.path and sys.path[0] == '': del sys.path[0]\n"
    "try:\n"
    "    import faulthandler, os, signal\n"
    "    os.set_inheritable(5, False)\n"
    "    faulthandler.register(signal.SIGUSR1, file=5, all_threads=True)\n"
    "except Exception:\n"
    "    pass\n"
    "del sys.argv[0]\n"
    "import runpy\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n";

constexpr std::size_t k_max_relay_line = 64 * 1024;
constexpr std::size_t k_max_stack_dump = 256 * 1024;

base::Error sys_error(const std::string& what, int err) {
  return base::make_error(base::ErrorCode::io, what + ": " + std::strerror(err));
}

std::vector<std::string> build_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    bool overridden = false;
    for (const auto& x : extra) {
      auto eq = x.find('=');
      if (kv.substr(0, eq + 1) == std::string_view(x).substr(0, eq + 1)) overridden = true;
    }
    if (!overridden) env.emplace_back(kv);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

/// Writes all of `data` to `fd` under one process-wide lock, so relayed lines of two
/// workers never mix.
void write_locked(int fd, std::string_view data) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // our own stdout is gone; nothing sensible to do
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// Pipe pairs created close-on-exec, [0] the read end; closed unless taken.
struct Pipes {
  int fds[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};  // down, up, stack dumps, stdout
  int extra[2] = {-1, -1};                                   // stderr
  ~Pipes() {
    for (auto& p : fds)
      for (int fd : p)
        if (fd >= 0) close(fd);
    for (int fd : extra)
      if (fd >= 0) close(fd);
  }
  int take(int& fd) {
    int r = fd;
    fd = -1;
    return r;
  }
};

}  // namespace

std::string take_complete_lines(std::string& pending, std::string_view data, std::size_t max_line) {
  pending.append(data);
  std::size_t cut = pending.rfind('\n');
  cut = cut == std::string::npos ? 0 : cut + 1;
  if (pending.size() - cut > max_line) cut = pending.size();  // a runaway line goes out as is
  std::string lines = pending.substr(0, cut);
  pending.erase(0, cut);
  return lines;
}

WorkerProcess::WorkerProcess(pid_t pid, int to_worker, int from_worker, int dumps, int out, int err)
    : m_pid(pid), m_to_worker(to_worker), m_from_worker(from_worker), m_dumps(dumps) {
  m_relays[0].fd = out;
  m_relays[0].target = STDOUT_FILENO;
  m_relays[1].fd = err;
  m_relays[1].target = STDERR_FILENO;
}

base::Result<std::unique_ptr<WorkerProcess>> WorkerProcess::spawn(const SpawnSpec& spec) {
  Pipes p;  // down: controller -> worker; up: worker -> controller; dumps: fd 5
  for (int i = 0; i < 3; ++i)
    if (pipe2(p.fds[i], O_CLOEXEC) != 0) return sys_error("pipe", errno);
  if (spec.relay_output) {
    if (pipe2(p.fds[3], O_CLOEXEC) != 0 || pipe2(p.extra, O_CLOEXEC) != 0) return sys_error("pipe", errno);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (spec.relay_output) {
    posix_spawn_file_actions_adddup2(&fa, p.fds[3][1], 1);
    posix_spawn_file_actions_adddup2(&fa, p.extra[1], 2);
  }
  // dup2 clears FD_CLOEXEC on the target, so only fds 0-5 (and the spill, 6) reach the worker.
  posix_spawn_file_actions_adddup2(&fa, p.fds[0][0], 3);
  posix_spawn_file_actions_adddup2(&fa, p.fds[1][1], 4);
  posix_spawn_file_actions_adddup2(&fa, p.fds[2][1], 5);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t def;
  sigemptyset(&def);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&def, sig);
  posix_spawnattr_setsigdefault(&attr, &def);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  // The spill: a memory file both sides map; the worker holds frames there between writes.
  int spill_fd = -1;
  const unsigned char* spill_map = nullptr;
  if (spec.spill) {
    spill_fd = memfd_create("fastest-spill", MFD_CLOEXEC);
    if (spill_fd >= 0 && ftruncate(spill_fd, static_cast<off_t>(k_spill_bytes)) == 0) {
      void* m = mmap(nullptr, k_spill_bytes, PROT_READ, MAP_SHARED, spill_fd, 0);
      if (m != MAP_FAILED) spill_map = static_cast<const unsigned char*>(m);
    }
    // Without it the worker simply writes every frame at once.
    if (spill_map) posix_spawn_file_actions_adddup2(&fa, spill_fd, 6);
  }

  std::string script = spec.main_script.string();
  std::vector<std::string> args{spec.python, "-c", k_bootstrap, script, "--in-fd", "3", "--out-fd", "4"};
  if (spill_map) {
    args.emplace_back("--spill-fd");
    args.emplace_back("6");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_strings = build_env(spec.extra_env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, spec.python.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (spill_fd >= 0) close(spill_fd);  // the mapping stays
  if (rc != 0) {
    if (spill_map) munmap(const_cast<unsigned char*>(spill_map), k_spill_bytes);
    return sys_error("cannot start Python interpreter '" + spec.python + "'", rc);
  }
  auto proc = std::unique_ptr<WorkerProcess>(new WorkerProcess(
      pid, p.take(p.fds[0][1]), p.take(p.fds[1][0]), p.take(p.fds[2][0]), p.take(p.fds[3][0]), p.take(p.extra[0])));
  proc->m_spill = spill_map;
  return proc;
}

WorkerProcess::~WorkerProcess() {
  if (m_to_worker >= 0) close(m_to_worker);
  if (m_from_worker >= 0) close(m_from_worker);
  if (!m_reaped) {
    kill_group(SIGKILL);
    reap(1.0);
  }
  if (m_dumps >= 0) close(m_dumps);
  close_relays();
  if (m_spill) munmap(const_cast<unsigned char*>(m_spill), k_spill_bytes);
}

bool WorkerProcess::take_spill() {
  if (!m_spill || m_spill_taken) return false;
  m_spill_taken = true;
  // Header (little-endian): the stream offset of the first held byte, then how many are held.
  constexpr std::size_t head = 12;
  std::uint64_t base = 0;
  std::uint32_t held = 0;
  for (int i = 7; i >= 0; --i) base = base << 8 | m_spill[i];
  for (int i = 3; i >= 0; --i) held = held << 8 | m_spill[8 + i];
  // A worker that died half-way through writing them left the header as it was: the
  // bytes we read already are skipped.
  if (held > k_spill_bytes - head || m_bytes_read < base || m_bytes_read >= base + held) return false;
  const std::size_t skip = static_cast<std::size_t>(m_bytes_read - base);
  m_reader.append(reinterpret_cast<const char*>(m_spill) + head + skip, held - skip);
  return true;
}

base::Status WorkerProcess::send(std::string_view payload) {
  std::string frame = encode_frame(payload);
  // A worker that died leaves a pipe without a reader: the write fails with EPIPE and raises
  // SIGPIPE in this thread, which must not end an embedder that left SIGPIPE at its default
  // (the CLI ignores it). Blocked here, and a SIGPIPE this write raised is taken back.
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  std::size_t off = 0;
  int err = 0;
  while (off < frame.size()) {
    ssize_t n = write(m_to_worker, frame.data() + off, frame.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EPIPE;
      break;
    }
    off += static_cast<std::size_t>(n);
  }
  if (err == EPIPE && !sigismember(&old, SIGPIPE)) {
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (err != 0) return sys_error("worker " + std::to_string(m_pid) + " closed its input", err);
  return base::ok_status();
}

ReadStatus WorkerProcess::read(WorkerMessage& out, double timeout_s, std::string& error, int wake_fd) {
  const double deadline = timeout_s < 0 ? -1 : now_s() + timeout_s;
  char buf[65536];
  for (;;) {
    auto frame = m_reader.next_view();  // decoded before the next append
    if (!frame.ok()) {
      error = frame.error().message;
      return ReadStatus::error;
    }
    if (frame.value()) {
      if (auto st = decode_message_into(*frame.value(), out); !st.ok()) {
        error = st.error().message;
        return ReadStatus::error;
      }
      return ReadStatus::message;
    }
    int wait_ms = -1;
    if (deadline >= 0) {
      double left = deadline - now_s();
      if (left <= 0) return ReadStatus::timeout;
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    pollfd p[4] = {{m_from_worker, POLLIN, 0},
                   {wake_fd, POLLIN, 0},
                   {m_relays[0].fd, POLLIN, 0},
                   {m_relays[1].fd, POLLIN, 0}};  // fd -1 is skipped
    int rc = poll(p, 4, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return ReadStatus::timeout;
    if (p[1].revents) return ReadStatus::woken;
    for (int i = 0; i < 2; ++i)
      if (p[2 + i].revents) relay_from(m_relays[i]);
    if (!p[0].revents) continue;
    ssize_t n = ::read(m_from_worker, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && take_spill()) continue;  // the frames it held when it died come last
    if (n <= 0) {
      error = n == 0 ? "worker closed its output" : std::strerror(errno);
      return ReadStatus::closed;
    }
    m_bytes_read += static_cast<std::uint64_t>(n);
    m_reader.append(buf, static_cast<std::size_t>(n));
  }
}

void WorkerProcess::relay_from(Relay& r) {
  char buf[65536];
  ssize_t n = ::read(r.fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    // Every writer is gone (or the pipe broke): stop watching it.
    close(r.fd);
    r.fd = -1;
    return;
  }
  std::string lines =
      take_complete_lines(r.pending, std::string_view(buf, static_cast<std::size_t>(n)), k_max_relay_line);
  if (!lines.empty()) write_locked(r.target, lines);
}

void WorkerProcess::drain_relays() {
  // Bounded: a leftover child may keep writing forever; take what is there now.
  for (int round = 0; round < 64; ++round) {
    pollfd p[2] = {{m_relays[0].fd, POLLIN, 0}, {m_relays[1].fd, POLLIN, 0}};
    if (poll(p, 2, 0) <= 0) return;
    for (int i = 0; i < 2; ++i)
      if (p[i].revents) relay_from(m_relays[i]);
  }
}

void WorkerProcess::close_relays() {
  for (auto& r : m_relays) {
    if (!r.pending.empty()) {
      if (r.pending.back() != '\n') r.pending.push_back('\n');
      write_locked(r.target, r.pending);
      r.pending.clear();
    }
    if (r.fd >= 0) close(r.fd);
    r.fd = -1;
  }
}

bool WorkerProcess::exited() {
  if (m_reaped) return true;
  siginfo_t info{};
  // WNOWAIT leaves the zombie for reap() to describe.
  if (waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == m_pid;
}

std::string WorkerProcess::dump_stacks(double wait_s) {
  if (m_dumps < 0 || m_reaped || ::kill(m_pid, SIGUSR1) != 0) return "";
  std::string text;
  const double deadline = now_s() + wait_s;
  char buf[16384];
  // faulthandler writes the whole dump at once from its signal handler; stop once it
  // has been quiet for a moment.
  double quiet_until = now_s() + wait_s;
  for (;;) {
    double t = now_s();
    double until = std::min(deadline, quiet_until);
    if (t >= until) break;
    pollfd p{m_dumps, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>((until - t) * 1000) + 1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    ssize_t n = ::read(m_dumps, buf, sizeof buf);
    if (n <= 0) break;
    if (text.size() < k_max_stack_dump) text.append(buf, static_cast<std::size_t>(n));
    quiet_until = now_s() + 0.2;
  }
  return text;
}

void WorkerProcess::kill_group(int sig) {
  if (m_pid > 0 && !m_reaped) ::kill(-m_pid, sig);
}

std::string WorkerProcess::reap(double grace_s) {
  if (m_reaped) return describe_wait_status(m_status);
  const double deadline = now_s() + grace_s;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) break;
    if (r < 0 && errno != EINTR) {
      m_reaped = true;
      return "unknown exit status";
    }
    if (now_s() >= deadline) {
      kill_group(SIGKILL);
      if (waitpid(m_pid, &status, 0) != m_pid) {
        m_reaped = true;
        return "unknown exit status";
      }
      break;
    }
    // Keep relaying while we wait: a worker blocked on a full stdout pipe cannot exit.
    pollfd p[2] = {{m_relays[0].fd, POLLIN, 0}, {m_relays[1].fd, POLLIN, 0}};
    if (poll(p, 2, 5) > 0)
      for (int i = 0; i < 2; ++i)
        if (p[i].revents) relay_from(m_relays[i]);
  }
  m_reaped = true;
  m_status = status;
  // The test's own children may outlive the worker; they share its process group.
  ::kill(-m_pid, SIGKILL);
  drain_relays();
  close_relays();
  return describe_wait_status(status);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    std::string text = "signal " + std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    if (sig == SIGKILL) text += "; SIGKILL often means the kernel's out-of-memory killer";
    return text;
  }
  return "status " + std::to_string(status);
}

}  // namespace fastest::exec

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "exec/worker_process.h"

extern char** environ;

namespace fastest::exec {
namespace {

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

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

WorkerProcess::WorkerProcess(pid_t pid, int to_worker, int from_worker)
    : m_pid(pid), m_to_worker(to_worker), m_from_worker(from_worker) {}

base::Result<std::unique_ptr<WorkerProcess>> WorkerProcess::spawn(const SpawnSpec& spec) {
  int down[2], up[2];  // down: controller -> worker; up: worker -> controller
  if (pipe2(down, O_CLOEXEC) != 0) return sys_error("pipe", errno);
  if (pipe2(up, O_CLOEXEC) != 0) {
    close(down[0]);
    close(down[1]);
    return sys_error("pipe", errno);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // dup2 clears FD_CLOEXEC on the target, so only fds 3 and 4 reach the worker.
  posix_spawn_file_actions_adddup2(&fa, down[0], 3);
  posix_spawn_file_actions_adddup2(&fa, up[1], 4);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &def);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::string script = spec.main_script.string();
  std::vector<std::string> args{spec.python, script, "--in-fd", "3", "--out-fd", "4"};
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
  close(down[0]);
  close(up[1]);
  if (rc != 0) {
    close(down[1]);
    close(up[0]);
    return sys_error("cannot start Python interpreter '" + spec.python + "'", rc);
  }
  return std::unique_ptr<WorkerProcess>(new WorkerProcess(pid, down[1], up[0]));
}

WorkerProcess::~WorkerProcess() {
  if (m_to_worker >= 0) close(m_to_worker);
  if (m_from_worker >= 0) close(m_from_worker);
  if (!m_reaped) {
    kill_group(SIGKILL);
    reap(1.0);
  }
}

base::Status WorkerProcess::send(std::string_view payload) {
  std::string frame = encode_frame(payload);
  std::size_t off = 0;
  while (off < frame.size()) {
    ssize_t n = write(m_to_worker, frame.data() + off, frame.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sys_error("worker " + std::to_string(m_pid) + " closed its input", errno);
    off += static_cast<std::size_t>(n);
  }
  return base::ok_status();
}

ReadStatus WorkerProcess::read(WorkerMessage& out, double timeout_s, std::string& error) {
  const double deadline = timeout_s < 0 ? -1 : now_s() + timeout_s;
  char buf[65536];
  for (;;) {
    auto frame = m_reader.next();
    if (!frame.ok()) {
      error = frame.error().message;
      return ReadStatus::error;
    }
    if (frame.value()) {
      auto msg = decode_message(*frame.value());
      if (!msg.ok()) {
        error = msg.error().message;
        return ReadStatus::error;
      }
      out = std::move(msg).value();
      return ReadStatus::message;
    }
    int wait_ms = -1;
    if (deadline >= 0) {
      double left = deadline - now_s();
      if (left <= 0) return ReadStatus::timeout;
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    pollfd p{m_from_worker, POLLIN, 0};
    int rc = poll(&p, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return ReadStatus::timeout;
    ssize_t n = ::read(m_from_worker, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n == 0 ? "worker closed its output" : std::strerror(errno);
      return ReadStatus::closed;
    }
    m_reader.append(buf, static_cast<std::size_t>(n));
  }
}

void WorkerProcess::kill_group(int sig) {
  if (m_pid > 0 && !m_reaped) ::kill(-m_pid, sig);
}

std::string WorkerProcess::reap(double grace_s) {
  if (m_reaped) return "already reaped";
  const double deadline = now_s() + grace_s;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) break;
    if (r < 0 && errno != EINTR) return "unknown exit status";
    if (now_s() >= deadline) {
      kill_group(SIGKILL);
      if (waitpid(m_pid, &status, 0) != m_pid) return "unknown exit status";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  m_reaped = true;
  // The test's own children may outlive the worker; they share its process group.
  ::kill(-m_pid, SIGKILL);
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

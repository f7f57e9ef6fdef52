#include "base/exit_release.h"

#include <atomic>
#include <mutex>
#include <vector>

namespace fastest::base {
namespace {

std::atomic<bool> g_exit_after_command{false};

struct Kept {
  std::mutex mutex;
  std::vector<std::shared_ptr<void>> values;
};

// Never destroyed: a static's destructor at exit would free what release_at_exit kept.
Kept& kept() {
  static Kept* k = new Kept;
  return *k;
}

}  // namespace

void set_exit_after_command(bool exits) { g_exit_after_command.store(exits); }

bool exit_after_command() { return g_exit_after_command.load(); }

namespace detail {

void keep_until_exit(std::shared_ptr<void> p) {
  Kept& k = kept();
  std::lock_guard lock(k.mutex);
  k.values.push_back(std::move(p));
}

}  // namespace detail
}  // namespace fastest::base

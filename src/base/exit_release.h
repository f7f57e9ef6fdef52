#pragma once
// Big structures a command-line process would free just before it exits.

#include <memory>
#include <type_traits>
#include <utility>

namespace fastest::base {

/// Set by the command-line entry point (src/cli/main.cc): this process exits as soon as its
/// command returns. Embedders (the Python extension) leave it unset and free as usual.
void set_exit_after_command(bool exits);
bool exit_after_command();

namespace detail {
/// Holds `p` until the process exits (a list reachable from a global, so leak checkers see
/// it as still in use, not as a leak).
void keep_until_exit(std::shared_ptr<void> p);
}  // namespace detail

/// Disposes of `value`: freed now, or, when exit_after_command(), kept until the process
/// exits and then left to the kernel. Freeing the 100,000 node ids, items and hash nodes of
/// a cached start-up cost 10-15% of its instructions, all of it work the kernel does for free
/// when it drops the address space. Only for plain data whose destructor has no other effect.
template <class T>
void release_at_exit(T&& value) {
  static_assert(!std::is_lvalue_reference_v<T>, "pass what is released with std::move");
  if (!exit_after_command()) {
    [[maybe_unused]] T gone = std::move(value);
    return;
  }
  detail::keep_until_exit(std::make_shared<T>(std::move(value)));
}

}  // namespace fastest::base

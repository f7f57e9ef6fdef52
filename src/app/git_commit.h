#pragma once
// The commit a run tests, for the store's runs.git_commit (regressions and flips by commit).

#include <filesystem>
#include <string>

namespace fastest::app {

/// $FASTEST_GIT_COMMIT, else the CI system's variable (GITHUB_SHA, CI_COMMIT_SHA,
/// BUILDKITE_COMMIT, CIRCLE_SHA1), else HEAD of the git repository holding `rootdir`, read
/// from its files (no git process: .git/HEAD, the loose ref, packed-refs; a worktree's or
/// submodule's `.git` file is followed). "" when none is known.
std::string git_commit(const std::filesystem::path& rootdir);

}  // namespace fastest::app

#pragma once
// A scratch directory holding a fake worker harness (main.py) for the executor's tests.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "exec/executor.h"

namespace fastest::exec::testing {

/// Writes `script` as `<dir>/main.py` in a fresh temporary directory named after `prefix`,
/// removed after the test.
class FakeHarnessTest : public ::testing::Test {
 protected:
  FakeHarnessTest(std::string prefix, const char* script) : m_prefix(std::move(prefix)), m_script(script) {}
  void SetUp() override {
    std::random_device rd;
    m_dir = std::filesystem::temp_directory_path() / (m_prefix + std::to_string(rd()));
    std::filesystem::create_directories(m_dir);
    std::ofstream(m_dir / "main.py") << m_script;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  /// Options that run main.py under Debian's python with the harness's own modules
  /// importable (FAKE_PY) and the scratch directory named (FAKE_DIR): for a fake worker
  /// that speaks the protocol through fastest_worker.proto.
  ExecOptions proto_options() const {
    ExecOptions o;
    o.spawn.python = "/usr/bin/python3";
    o.spawn.main_script = m_dir / "main.py";
    o.spawn.extra_env = {"FAKE_DIR=" + m_dir.string(), std::string("FAKE_PY=") + FASTEST_SOURCE_DIR + "/python"};
    return o;
  }
  std::filesystem::path m_dir;

 private:
  std::string m_prefix;
  const char* m_script;
};

}  // namespace fastest::exec::testing

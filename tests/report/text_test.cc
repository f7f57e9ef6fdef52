// The reporters' text helpers.
#include "report/text.h"

#include <gtest/gtest.h>

namespace fastest::report {
namespace {

TEST(CrashMessage, IsTheFirstLineOfTheLastEBlockWithoutTheFrameIndent) {
  // A long-format teardown failure: pytest's short summary says
  // "ERROR t.py::test_a - RuntimeError: teardown boom", no indent.
  EXPECT_EQ(crash_message("    def f():\n        yield\n>       raise RuntimeError(\"teardown boom\")\n"
                          "E       RuntimeError: teardown boom\n\nt.py:5: RuntimeError\n"),
            "RuntimeError: teardown boom");
  EXPECT_EQ(crash_message("E   ValueError: x\n"), "ValueError: x");
  // A multi-line message: its first line, as pytest trims it.
  EXPECT_EQ(crash_message("t.py:1: in f\nE   RuntimeError: first\nE   second\n"), "RuntimeError: first");
  // Chained exceptions: the last one's block.
  EXPECT_EQ(crash_message("E   KeyError: 1\n\nDuring handling...\nE   ValueError: 2\nE    detail\n"), "ValueError: 2");
  EXPECT_EQ(crash_message("no crash line\n"), "");
  EXPECT_EQ(crash_message(""), "");
}

}  // namespace
}  // namespace fastest::report

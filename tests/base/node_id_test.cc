#include "base/node_id.h"

#include <gtest/gtest.h>

namespace fastest::base {
namespace {

TEST(NodeId, ParamsStartAfterTheFirstSeparator) {
  EXPECT_EQ(split_params("t.py::f[1-a]").first, "t.py::f");
  EXPECT_EQ(split_params("t.py::f[1-a]").second, "[1-a]");
  EXPECT_EQ(split_params("t.py::T::f[x[0]]").first, "t.py::T::f");
  EXPECT_EQ(split_params("t.py::f").second, "");
  // A bracket in the path is not a parameter part.
  EXPECT_EQ(split_params("a[1]/t.py::f[2]").first, "a[1]/t.py::f");
  EXPECT_EQ(split_params("a[1]/t.py").first, "a[1]/t.py");
  EXPECT_EQ(split_params("a[1]/t.py::f").second, "");
  // Parameters may hold separators.
  EXPECT_EQ(split_params("t.py::f[a::b]").second, "[a::b]");
}

TEST(NodeId, PartsLeaveTheParametersOff) {
  EXPECT_EQ(id_parts("d[1]/t.py::T::f[a::b]"), (std::vector<std::string_view>{"d[1]/t.py", "T", "f"}));
  EXPECT_EQ(id_parts("t.py"), (std::vector<std::string_view>{"t.py"}));
}

TEST(NodeId, OverlapAtSeparatorOrBracketOnly) {
  EXPECT_TRUE(ids_overlap("t.py::T", "t.py::T::f[1]"));
  EXPECT_TRUE(ids_overlap("t.py::f[1]", "t.py::f"));
  EXPECT_TRUE(ids_overlap("t.py", "t.py::f"));
  EXPECT_TRUE(ids_overlap("t.py::f", "t.py::f"));
  EXPECT_FALSE(ids_overlap("t.py::f", "t.py::f2"));
  EXPECT_FALSE(ids_overlap("t.py::f", "t.py::f:x")) << "one colon is not a separator";
  EXPECT_FALSE(ids_overlap("t.py", "t.pyc"));
}

TEST(NodeId, DisplayNameAsPytestsFailureHeader) {
  EXPECT_EQ(display_name("t.py::T::f[1]"), "T.f[1]");
  EXPECT_EQ(display_name("d[1]/test_b.py::test_x[1]"), "test_x[1]");
  EXPECT_EQ(display_name("t.py::f[a::b]"), "f[a::b]");
  EXPECT_EQ(display_name("t.py"), "t.py");
}

}  // namespace
}  // namespace fastest::base

// Decoding of the worker -> controller messages protocol v2 adds (docs/protocol.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exec/protocol.h"

namespace fastest::exec {
namespace {

TEST(ProtocolV2Decode, ConfiguredCarriesHeaderLines) {
  auto m = decode_message(R"({"t":"configured","header":["project deps: x","cachedir: y",3]})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::configured);
  EXPECT_EQ(m->header, (std::vector<std::string>{"project deps: x", "cachedir: y"}));
}

TEST(ProtocolV2Decode, FatalCarriesExitCodeAndMessage) {
  auto m = decode_message(R"({"t":"fatal","exit_code":4,"message":"ERROR: bad -W"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::fatal);
  EXPECT_EQ(m->exit_code, 4);
  EXPECT_EQ(m->message, "ERROR: bad -W");
  auto no_code = decode_message(R"({"t":"fatal","message":"x"})");
  ASSERT_TRUE(no_code.ok());
  EXPECT_EQ(no_code->exit_code, 2) << "pytest's default for a session error";
}

TEST(ProtocolV2Decode, CollectedCountsDeselected) {
  auto m = decode_message(R"({"t":"collected","batch":1,"module":"t.py","items":["t.py::a"],"deselected":3})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->deselected, 3);
  auto old = decode_message(R"({"t":"collected","batch":1,"module":"t.py","items":[]})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->deselected, 0);
}

TEST(ProtocolV2Decode, ResultCarriesPropertiesAttributesAndLine) {
  auto m = decode_message(R"({"t":"result","batch":0,"nodeid":"t.py::a","outcome":"passed","when":"call",
      "line":7,"log":"INFO x","properties":[["k","v"],["n",1],["bad"]],"xml_attributes":[["extra","yes"]]})");
  ASSERT_TRUE(m.ok());
  const auto& r = m->result;
  EXPECT_EQ(r.when, "call");
  EXPECT_EQ(r.line, 7);
  EXPECT_EQ(r.captured_log, "INFO x");
  ASSERT_EQ(r.properties.size(), 2u);
  EXPECT_EQ(r.properties[0], (std::pair<std::string, std::string>{"k", "v"}));
  EXPECT_EQ(r.properties[1], (std::pair<std::string, std::string>{"n", "1"}));
  ASSERT_EQ(r.xml_attributes.size(), 1u);
  EXPECT_EQ(r.xml_attributes[0].first, "extra");
}

TEST(ProtocolV2Decode, HeldNamesItsBatchAndTest) {
  auto m = decode_message(R"({"t":"held","batch":4,"nodeid":"t.py::last"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::held);
  EXPECT_EQ(m->batch, 4);
  EXPECT_EQ(m->nodeid, "t.py::last");
}

TEST(ProtocolV2Encode, ConfigAsksForHoldLastOnlyWhenSet) {
  WorkerConfig cfg;
  EXPECT_EQ(encode_config(cfg).find("hold_last"), std::string::npos);
  cfg.hold_last = true;
  EXPECT_NE(encode_config(cfg).find(R"("hold_last":true)"), std::string::npos);
}

TEST(ProtocolV2Encode, ShutdownSaysWhetherTheStopWasAnInterrupt) {
  EXPECT_EQ(nlohmann::json::parse(encode_shutdown()), nlohmann::json::parse(R"({"t":"shutdown"})"));
  EXPECT_EQ(nlohmann::json::parse(encode_shutdown(true)), nlohmann::json::parse(R"({"t":"shutdown","stop":true})"));
  EXPECT_EQ(nlohmann::json::parse(encode_shutdown(true, true)),
            nlohmann::json::parse(R"({"t":"shutdown","stop":true,"interrupted":true})"));
}

TEST(ProtocolV2, SummaryStatsGoBackAsEveryWorkersParts) {
  auto m = decode_message(R"({"t":"summary_stats","text":"[[\"passed\",\"n\",\"t.py::a\"]]"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::summary_stats);
  EXPECT_EQ(m->text, R"([["passed","n","t.py::a"]])");
  EXPECT_EQ(nlohmann::json::parse(encode_summary_stats({"[1]", "[]"})),
            nlohmann::json::parse(R"({"t":"summary_stats","parts":["[1]","[]"]})"));
  // Too big together for one frame: none, and each worker keeps its own stats.
  std::vector<std::string> big(4, std::string(k_max_frame_bytes / 8, 'x'));
  EXPECT_EQ(nlohmann::json::parse(encode_summary_stats(big)),
            nlohmann::json::parse(R"({"t":"summary_stats","parts":[]})"));
}

TEST(ProtocolV2Decode, SuitePropertyAndInfo) {
  auto p = decode_message(R"({"t":"suite_property","name":"ARCH","value":"PPC"})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, MessageType::suite_property);
  EXPECT_EQ(p->name, "ARCH");
  EXPECT_EQ(p->value, "PPC");
  auto n = decode_message(R"({"t":"suite_property","name":"N","value":42})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value, "42");
  auto i = decode_message(R"({"t":"info","text":"cache -- scope: function\n"})");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->type, MessageType::info);
  EXPECT_EQ(i->text, "cache -- scope: function\n");
}

}  // namespace
}  // namespace fastest::exec

#include "exec/protocol.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace fastest::exec {
namespace {

std::vector<std::string> drain(FrameReader& r) {
  std::vector<std::string> out;
  for (;;) {
    auto f = r.next();
    EXPECT_TRUE(f.ok());
    if (!f.ok() || !f.value()) return out;
    out.push_back(*f.value());
  }
}

TEST(ProtocolFraming, LengthPrefixIsBigEndian) {
  std::string f = encode_frame("abc");
  ASSERT_EQ(f.size(), 7u);
  EXPECT_EQ(f.substr(0, 4), std::string("\0\0\0\3", 4));
  EXPECT_EQ(f.substr(4), "abc");
}

TEST(ProtocolFraming, ReassemblesFramesSplitAtEveryByte) {
  std::string stream = encode_frame("{\"t\":\"ready\"}") + encode_frame("") + encode_frame("second");
  FrameReader r;
  std::vector<std::string> got;
  for (char c : stream) {
    r.append(&c, 1);
    for (auto& s : drain(r)) got.push_back(s);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "{\"t\":\"ready\"}");
  EXPECT_EQ(got[1], "");
  EXPECT_EQ(got[2], "second");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(ProtocolFraming, OversizedFrameIsAnError) {
  FrameReader r;
  std::string huge("\x7f\xff\xff\xff", 4);
  r.append(huge.data(), huge.size());
  auto f = r.next();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, base::ErrorCode::protocol);
}

TEST(ProtocolDecode, ResultCarriesOutcomeAndPhases) {
  auto m = decode_message(R"({"t":"result","batch":3,"nodeid":"t.py::test_a[1]","outcome":"xfailed",
      "setup_s":0.5,"call_s":1.25,"teardown_s":0.25,"longrepr":"boom","message":"why","stdout":"out"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::result);
  EXPECT_EQ(m->batch, 3);
  EXPECT_EQ(m->result.node_id, "t.py::test_a[1]");
  EXPECT_EQ(m->result.outcome, base::Outcome::xfailed);
  EXPECT_DOUBLE_EQ(m->result.duration_s(), 2.0);
  EXPECT_EQ(m->result.captured_stdout, "out");
}

TEST(ProtocolDecode, UnknownOutcomeBecomesAnErrorNotACrash) {
  auto m = decode_message(R"({"t":"result","nodeid":"x","outcome":"weird"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->result.outcome, base::Outcome::error);
  EXPECT_NE(m->result.longrepr.find("weird"), std::string::npos);
}

TEST(ProtocolDecode, RejectsNonObjectsAndMissingIds) {
  EXPECT_FALSE(decode_message("[1,2]").ok());
  EXPECT_FALSE(decode_message("not json").ok());
  EXPECT_FALSE(decode_message(R"({"t":"result"})").ok());
  EXPECT_FALSE(decode_message(R"({"t":"start"})").ok());
  auto unknown = decode_message(R"({"t":"future_thing","x":1})");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->type, MessageType::unknown);
}

TEST(ProtocolDecode, SurvivesRandomBytes) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    (void)decode_message(s);  // must not crash or throw
    FrameReader r;
    r.append(s.data(), s.size());
    for (int k = 0; k < 4; ++k)
      if (auto f = r.next(); !f.ok() || !f.value()) break;
  }
  SUCCEED();
}

TEST(ProtocolEncode, RunMessageListsSelection) {
  std::string s = encode_run(7, "tests/test_x.py", {"tests/test_x.py::test_a"});
  EXPECT_NE(s.find("\"t\":\"run\""), std::string::npos);
  EXPECT_NE(s.find("\"batch\":7"), std::string::npos);
  EXPECT_NE(s.find("\"select\":[\"tests/test_x.py::test_a\"]"), std::string::npos);
}

TEST(ProtocolEncode, ConfigSurvivesInvalidUtf8) {
  WorkerConfig cfg;
  cfg.rootdir = "/tmp/\xff\xfe";
  std::string s = encode_config(cfg);
  EXPECT_NE(s.find("\"protocol\":2"), std::string::npos);
}

TEST(ProtocolEncode, ConfigCarriesVersion2Fields) {
  WorkerConfig cfg;
  cfg.engine = "pytest";
  cfg.args = {"-k", "a and b", "tests"};
  cfg.invocation_dir = "/work/p";
  cfg.options_json = R"({"tbstyle":"short","ignore":["x"]})";
  cfg.worker_id = "gw3";
  cfg.worker_count = 4;
  std::string s = encode_config(cfg);
  EXPECT_NE(s.find("\"engine\":\"pytest\""), std::string::npos);
  EXPECT_NE(s.find("\"args\":[\"-k\",\"a and b\",\"tests\"]"), std::string::npos);
  EXPECT_NE(s.find("\"invocation_dir\":\"/work/p\""), std::string::npos);
  EXPECT_NE(s.find("\"options\":{\"ignore\":[\"x\"],\"tbstyle\":\"short\"}"), std::string::npos);
  EXPECT_NE(s.find("\"worker_id\":\"gw3\""), std::string::npos);
  EXPECT_NE(s.find("\"worker_count\":4"), std::string::npos);
}

// decode_message reads flat frames with a SAX reader and falls back to the DOM for
// nested values: both must read every key by the same rules.
TEST(ProtocolDecode, FastAndNestedFramesReadKeysAlike) {
  const std::string flat = R"({"t":"result","nodeid":"a","batch":2.5,"line":"7","setup_s":1,"call_s":null,)"
                           R"("outcome":"passed","outcome":"failed","stdout":5,"unknown":true})";
  const std::string nested = R"({"t":"result","nodeid":"a","batch":2.5,"line":"7","setup_s":1,"call_s":null,)"
                             R"("outcome":"passed","outcome":"failed","stdout":5,"unknown":{"x":[1]},)"
                             R"("properties":[["k",1],["v","w"]]})";
  for (const std::string& payload : {flat, nested}) {
    auto m = decode_message(payload);
    ASSERT_TRUE(m.ok()) << payload;
    EXPECT_EQ(m->batch, -1);  // not an integer: the default
    EXPECT_EQ(m->line, 0);
    EXPECT_DOUBLE_EQ(m->result.setup_s, 1.0);
    EXPECT_DOUBLE_EQ(m->result.call_s, 0.0);
    EXPECT_EQ(m->result.outcome, base::Outcome::failed);  // the last of a repeated key
    EXPECT_EQ(m->result.captured_stdout, "");
  }
  auto m = decode_message(nested);
  ASSERT_EQ(m->result.properties.size(), 2u);
  EXPECT_EQ(m->result.properties[0].second, "1");
}

TEST(ProtocolDecode, ListsKeepTheirStringsOnly) {
  auto m = decode_message(R"({"t":"collected","batch":1,"items":["a",1,null,"b"],"items":["c","d"],"deselected":-3})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->items, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(m->deselected, 0);
  auto v = decode_message(R"({"t":"suite_property","name":"n","value":{"a":1}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value, R"({"a":1})");
  EXPECT_FALSE(decode_message(R"({"t":"result","nodeid":"a"} trailing)").ok());
}

// The flat frames' own lexer (FlatScanner) reads what nlohmann's reads: each frame below
// is decoded as written and again with a nested key that sends it to the DOM path.
TEST(ProtocolDecode, FlatLexerAgreesWithTheDomPath) {
  const std::string frames[] = {
      R"({"t":"result","batch":3,"nodeid":"t.py::test_a[\"q\\\/\b\f\n\r\t\u0041]","outcome":"failed",)"
      R"("when":"call","longrepr":"E   assert 1 == 2\n","setup_s":1.5e-05,"call_s":2E2,"teardown_s":-0.0,)"
      R"("line":-7,"stdout":"caf\u00e9 \ud83d\ude00","stderr":"bytes \u00ff","log":")"
      "\xc3\xa9\"}",
      R"( { "t" : "start" , "batch" : 18446744073709551615 , "nodeid" : "a" } )",
      R"({"t":"collected","batch":9223372036854775807,"module":"m.py","items":["m.py::a",[],"m.py::b"],"deselected":1})",
      R"({"t":"result","batch":1,"nodeid":"x","outcome":"passed","line":1e400,"attempt":-9223372036854775808})",
      R"({"t":"worker_warning","category":"UserWarning","message":"m","filename":"f.py","lineno":12})",
      R"({})",
  };
  auto same = [](const WorkerMessage& a, const WorkerMessage& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.batch, b.batch);
    EXPECT_EQ(a.line, b.line);
    EXPECT_EQ(a.items, b.items);
    EXPECT_EQ(a.deselected, b.deselected);
    EXPECT_EQ(a.result.node_id, b.result.node_id);
    EXPECT_EQ(a.result.outcome, b.result.outcome);
    EXPECT_EQ(a.result.longrepr, b.result.longrepr);
    EXPECT_EQ(a.result.captured_stdout, b.result.captured_stdout);
    EXPECT_EQ(a.result.captured_stderr, b.result.captured_stderr);
    EXPECT_EQ(a.result.captured_log, b.result.captured_log);
    EXPECT_EQ(a.result.attempt, b.result.attempt);
    EXPECT_DOUBLE_EQ(a.result.setup_s, b.result.setup_s);
    EXPECT_DOUBLE_EQ(a.result.call_s, b.result.call_s);
    EXPECT_DOUBLE_EQ(a.result.teardown_s, b.result.teardown_s);
  };
  for (const std::string& flat : frames) {
    std::string nested = flat;
    const auto close = nested.rfind('}');
    nested.insert(close, nested.find(':') < close ? R"(,"zz":{"n":[1]})" : R"("zz":{"n":[1]})");
    auto a = decode_message(flat);
    auto b = decode_message(nested);
    ASSERT_EQ(a.ok(), b.ok()) << flat;
    if (!a.ok()) continue;
    same(*a, *b);
  }
  auto m = decode_message(frames[0]);
  ASSERT_TRUE(m.ok()) << m.error().message << frames[0];
  EXPECT_EQ(m->result.node_id, "t.py::test_a[\"q\\/\b\f\n\r\tA]");
  EXPECT_EQ(m->result.captured_stdout, "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(m->line, -7);
  EXPECT_DOUBLE_EQ(m->result.call_s, 200.0);
  for (const char* bad : {R"({"t":"start","batch":01,"nodeid":"a"})", R"({"t":"start","batch":1.,"nodeid":"a"})",
                          R"({"t":"start","nodeid":"a",})", R"({"t":"start","nodeid":"a\x"})", "{\"t\":\"start\x01\"}",
                          R"({"t":"start","nodeid":"a"})"
                          "}",
                          R"({"t":"start","nodeid":tru})"})
    EXPECT_FALSE(decode_message(bad).ok()) << bad;
}

// The reader decodes in place (decode_message_into a fresh message): the same message as
// decode_message, and the same errors.
TEST(ProtocolDecode, IntoAFreshMessageAsDecodeMessage) {
  for (const std::string& frame :
       {std::string(R"({"t":"start","batch":7,"nodeid":"t.py::a"})"),
        std::string(R"({"t":"result","batch":1,"nodeid":"t.py::a","outcome":"failed","when":"call",)"
                    R"("longrepr":"E boom","message":"boom","setup_s":0.5,"call_s":1,"teardown_s":0,)"
                    R"("stdout":"out","stderr":"","log":"","line":3})"),
        std::string(R"({"t":"batch_done","batch":1,"import_s":0.25,"duration_s":2})"),
        std::string(R"({"t":"start","batch":7})"), std::string("[1]")}) {
    auto want = decode_message(frame);
    WorkerMessage got;
    auto st = decode_message_into(frame, got);
    ASSERT_EQ(st.ok(), want.ok()) << frame;
    if (!st.ok()) {
      EXPECT_EQ(st.error().message, want.error().message);
      continue;
    }
    EXPECT_EQ(got.type, want->type) << frame;
    EXPECT_EQ(got.batch, want->batch);
    EXPECT_EQ(got.nodeid, want->nodeid);
    EXPECT_EQ(got.import_s, want->import_s);
    EXPECT_EQ(got.result.outcome, want->result.outcome);
    EXPECT_EQ(got.result.longrepr, want->result.longrepr);
    EXPECT_EQ(got.result.captured_stdout, want->result.captured_stdout);
    EXPECT_EQ(got.result.call_s, want->result.call_s);
  }
}

// The native worker's prebuilt start and passed frames are read by position
// (TemplateReader); a leading space sends the same text through the general path, which
// must give the same message, for frames the template reads and those it leaves alone.
TEST(ProtocolDecode, TemplateFramesDecodeAsTheGeneralPath) {
  const std::string passed_tail =
      R"(,"outcome":"passed","when":"call","longrepr":"","message":"","setup_s":0.000001235,"call_s":12.5,)"
      R"("teardown_s":0,"stdout":"","stderr":"","log":"","line":)";
  const std::string frames[] = {
      R"({"t":"start","batch":7,"nodeid":"tests/t.py::TestA::test_b[1-x]"})",
      R"({"t":"result","batch":7,"nodeid":"tests/t.py::test_a")" + passed_tail + "12}",
      // An escaped id (the template reads strings as the flat lexer does); left to the
      // general path: a non-ASCII id, an exponent, a leading zero, an integer too long for
      // the template, a trailing key, an old worker's repr.
      R"({"t":"start","batch":7,"nodeid":"t.py::test[\"q\"]"})",
      "{\"t\":\"start\",\"batch\":7,\"nodeid\":\"t.py::test[\xc3\xa9]\"}",
      R"({"t":"result","batch":7,"nodeid":"t.py::a")" + passed_tail + "012}",
      R"({"t":"start","batch":1234567890123456789,"nodeid":"a"})",
      R"({"t":"start","batch":7,"nodeid":"a","more":1})",
      R"({"t":"result","batch":1,"nodeid":"x","outcome":"passed","when":"call","longrepr":"","message":"",)"
      R"("setup_s":1.2e-06,"call_s":-0.0,"teardown_s":3,"stdout":"","stderr":"","log":"","line":3})",
      R"({"t":"start","batch":7,"nodeid":"a"} )",
      R"({"t":"start","batch":7,"nodeid":"a"}})",
      R"({"t":"start","batch":-7,"nodeid":"a"})",
  };
  for (const std::string& frame : frames) {
    auto a = decode_message(frame);
    auto b = decode_message(" " + frame);
    ASSERT_EQ(a.ok(), b.ok()) << frame;
    if (!a.ok()) continue;
    EXPECT_EQ(a->type, b->type) << frame;
    EXPECT_EQ(a->type_name, b->type_name);
    EXPECT_EQ(a->batch, b->batch);
    EXPECT_EQ(a->nodeid, b->nodeid);
    EXPECT_EQ(a->line, b->line);
    EXPECT_EQ(a->more, b->more);
    EXPECT_EQ(a->exit_code, b->exit_code);
    EXPECT_EQ(a->tests, b->tests);
    EXPECT_EQ(a->result.node_id, b->result.node_id);
    EXPECT_EQ(a->result.outcome, b->result.outcome);
    EXPECT_EQ(a->result.when, b->result.when);
    EXPECT_EQ(a->result.line, b->result.line);
    EXPECT_EQ(a->result.attempt, b->result.attempt);
    EXPECT_EQ(a->result.reports, b->result.reports);
    EXPECT_EQ(a->result.longrepr, b->result.longrepr);
    EXPECT_EQ(std::signbit(a->result.call_s), std::signbit(b->result.call_s));
    EXPECT_DOUBLE_EQ(a->result.setup_s, b->result.setup_s);
    EXPECT_DOUBLE_EQ(a->result.call_s, b->result.call_s);
    EXPECT_DOUBLE_EQ(a->result.teardown_s, b->result.teardown_s);
  }
  auto m = decode_message(frames[1]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->type, MessageType::result);
  EXPECT_EQ(m->result.node_id, "tests/t.py::test_a");
  EXPECT_EQ(m->result.outcome, base::Outcome::passed);
  EXPECT_EQ(m->result.line, 12);
  EXPECT_DOUBLE_EQ(m->result.setup_s, 0.000001235);
  EXPECT_DOUBLE_EQ(m->result.call_s, 12.5);
  EXPECT_EQ(m->result.attempt, 1);
  EXPECT_FALSE(decode_message(R"({"t":"start","batch":7,"nodeid":""})").ok());
  EXPECT_FALSE(decode_message(R"({"t":"result","batch":7,"nodeid":"")" + passed_tail + "1}").ok());
}

}  // namespace
}  // namespace fastest::exec

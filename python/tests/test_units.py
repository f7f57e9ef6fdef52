"""In-process unit tests: ids, -k/-m expressions, assertion explanations, framing."""
import os
import re
import enum
import unittest

from fastest_worker import compat, assertrepr, proto


class _PS:
    def __init__(self, values, id=None):
        self.values = values
        self.id = id
        self.marks = []


class Color(enum.Enum):
    RED = 1


def ids(values, **kw):
    return compat.make_ids(["x"], [_PS((v,)) for v in values], kw.get("ids"), kw.get("idfn"),
                           {}, "test")


class IdRules(unittest.TestCase):
    def test_scalars_use_their_str(self):
        self.assertEqual(ids([1, 2.5, None, True, 1 + 2j]), ["1", "2.5", "None", "True", "(1+2j)"])

    def test_strings_are_ascii_escaped(self):
        self.assertEqual(ids(["ünï", "a\tb", "new\nline", b"\xff"]),
                         ["\\xfcn\\xef", "a\\tb", "new\\nline", "\\xff"])

    def test_enum_regex_and_named_objects(self):
        self.assertEqual(ids([Color.RED, re.compile("a+"), len, object]),
                         ["Color.RED", "a+", "len", "object"])

    def test_other_objects_fall_back_to_argname_and_index(self):
        self.assertEqual(ids([[1], {"a": 1}, object()]), ["x0", "x1", "x2"])

    def test_duplicates_get_suffixes(self):
        self.assertEqual(ids([1, 1, 2, 1]), ["10", "11", "2", "12"])

    def test_ids_list_and_callable(self):
        self.assertEqual(ids([1, 2], ids=["a", None]), ["a", "2"])
        self.assertEqual(ids([1, 2], idfn=lambda v: "v%d" % v), ["v1", "v2"])
        self.assertEqual(ids([[1]], idfn=lambda v: None), ["x0"])

    def test_unsupported_id_value_is_an_error(self):
        with self.assertRaises(compat.IdError):
            ids([1], ids=[object()])


class Expressions(unittest.TestCase):
    def match(self, expr, names):
        return compat.compile_expr(expr)(lambda n: n in names)

    def test_grammar(self):
        self.assertTrue(self.match("a and not b", {"a"}))
        self.assertFalse(self.match("a and not b", {"a", "b"}))
        self.assertTrue(self.match("(a or b) and c", {"b", "c"}))
        self.assertTrue(self.match("not not a", {"a"}))
        self.assertTrue(self.match("", set()))
        self.assertTrue(self.match("test_x.py::T[1-2]", {"test_x.py::T[1-2]"}))

    def test_errors(self):
        for bad in ("a and", "(a", "a b", "a $ b"):
            with self.assertRaises(compat.ExprError, msg=bad):
                compat.compile_expr(bad)


def _explained(src, **env):
    """The AssertionError text of the first test in ``src``, rewritten by the harness."""
    import tempfile
    from fastest_worker import rewrite
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "test_x.py")
        code = rewrite.load_code(src.encode(), path, None)
    g = dict(env, __name__="test_x")
    exec(code, g)
    try:
        next(v for k, v in g.items() if k.startswith("test"))()
    except AssertionError as e:
        return str(e)
    return None


class Explanations(unittest.TestCase):
    """pytest's rewritten-assert explanations (the shapes of _pytest/assertion/rewrite.py)."""

    def test_sequence_diff(self):
        text = _explained("def test():\n    x = [1, 2, 3]\n    assert x == [1, 2, 4]\n")
        self.assertIn("At index 2 diff: 3 != 4", text)

    def test_dict_diff(self):
        text = _explained("def test():\n    assert {'a': 1, 'b': 2} == {'a': 1, 'b': 3}\n")
        self.assertIn("Differing items:", text)
        self.assertIn("{'b': 2} != {'b': 3}", text)

    def test_set_diff(self):
        text = _explained("def test():\n    assert {1, 2} == {2, 3}\n")
        self.assertIn("Extra items in the left set:\n  1", text)
        self.assertIn("Extra items in the right set:\n  3", text)

    def test_not_in_text(self):
        text = _explained("def test():\n    assert 'foo' not in 'a foo b'\n")
        self.assertIn("'foo' is contained here:", text)

    def test_where_lines_and_message(self):
        text = _explained("def f(x):\n    return 1\ndef test():\n    x = 0\n    assert f(x) < 0, 'custom'\n")
        self.assertEqual(text, "custom\nassert 1 < 0\n +  where 1 = f(0)")

    def test_boolean_operands_that_were_evaluated(self):
        self.assertEqual(_explained("def test():\n    assert 2 != 2 or not True\n"),
                         "assert (2 != 2 or not True)")
        self.assertEqual(_explained("def test():\n    x = 1\n    assert x == 2 and x\n"),
                         "assert (1 == 2)")

    def test_nested_where_and_and_lines(self):
        src = ("class O:\n    v = 3\n    def get(self, k):\n        return k\n"
               "def f(x):\n    return x + 1\n"
               "def test():\n    o = O()\n    assert f(o.v) == o.get(k=2)\n")
        lines = _explained(src).split("\n")
        self.assertEqual(lines[:3], ["assert 4 == 2", " +  where 4 = f(3)",
                                     " +    where 3 = <test_x.O object at %s>.v" % lines[2].split(" at ")[1][:-3]])
        self.assertTrue(lines[3].startswith(" +  and   2 = <bound method O.get of "), lines)

    def test_chain_binop_and_unary(self):
        self.assertEqual(_explained("def test():\n    x = 5\n    assert 1 < x < 3\n"), "assert 5 < 3")
        self.assertEqual(_explained("def test():\n    a = 2\n    assert a + 3 == 6\n"),
                         "assert (2 + 3) == 6")
        self.assertEqual(_explained("def test():\n    x = 3\n    assert -x == 3\n"), "assert -3 == 3")

    def test_multiline_message_and_percent(self):
        self.assertEqual(_explained("def test():\n    assert False, 'one\\ntwo 100%'\n"),
                         "one\n  two 100%\nassert False")

    def test_broken_repr(self):
        class Bad:
            def __repr__(self):
                raise ValueError("no")
        self.assertIn("raised in repr()", assertrepr.saferepr(Bad()))


def _decode(frame):
    import json
    import struct
    (size,) = struct.unpack(">I", frame[:4])
    assert size == len(frame) - 4
    return json.loads(frame[4:].decode("utf-8"))


class Framing(unittest.TestCase):
    def test_roundtrip_and_surrogates(self):
        r, w = os.pipe()
        try:
            ch_w = proto.Channel(-1, w)
            ch_r = proto.Channel(r, -1)
            ch_w.send({"t": "x", "s": "lone \udcff", "n": 1})
            msg = ch_r.recv()
            self.assertEqual(msg["t"], "x")
            self.assertEqual(msg["s"], "lone \ufffd")
        finally:
            os.close(r)
            os.close(w)

    def test_prebuilt_frames_decode_as_the_encoded_ones(self):
        ids = ["t.py::test_a", 't.py::test_b["\\x\n\u00e9\u202e]']
        for nodeid in ids:
            start = proto.start_frame(7, nodeid)
            self.assertEqual(_decode(start), {"t": "start", "batch": 7, "nodeid": nodeid})
            passed = proto.passed_frame(7, nodeid, 12, 0.5, 1e-06, 0.25)
            self.assertEqual(_decode(passed), {
                "t": "result", "batch": 7, "nodeid": nodeid, "outcome": "passed",
                "when": "call", "longrepr": "", "message": "", "setup_s": 0.5,
                "call_s": 1e-06, "teardown_s": 0.25, "stdout": "", "stderr": "", "log": "",
                "line": 12})

    def test_prebuilt_frames_leave_odd_ids_to_the_encoder(self):
        self.assertIsNone(proto.start_frame(1, "t.py::test[\udcff]"))
        self.assertIsNone(proto.passed_frame(1, "t.py::test[\udcff]", 1, 0.0, 0.0, 0.0))
        self.assertIsNone(proto.passed_frame(1, "t.py::x", None, 0.0, 0.0, 0.0))

    def test_eof_gives_none(self):
        r, w = os.pipe()
        os.close(w)
        try:
            self.assertIsNone(proto.Channel(r, -1).recv())
        finally:
            os.close(r)


class FixtureFunctionMarker:
    """Stands in for pytest's marker class (matched by name, as the harness does)."""

    def __init__(self, scope="function", params=None, autouse=False, ids=None, name=None):
        self.scope, self.params, self.autouse, self.ids, self.name = scope, params, autouse, ids, name


class FixtureFunctionDefinition:
    """pytest >= 8.4 wraps fixture functions in an object like this."""

    def __init__(self, function, marker):
        self._fixture_function = function
        self._fixture_function_marker = marker

    def __call__(self, *a, **kw):
        raise RuntimeError("fixtures are not meant to be called directly")


class _PytestWrapper:
    def __init__(self, obj):
        self.obj = obj


class FixtureRepresentations(unittest.TestCase):
    def test_pytest7_and_early_pytest8(self):
        def raw(tmp_path):
            return tmp_path

        def wrapper(*a, **kw):
            raise RuntimeError("called directly")
        wrapper.__pytest_wrapped__ = _PytestWrapper(raw)
        wrapper._pytestfixturefunction = FixtureFunctionMarker(scope="module", params=[1, 2],
                                                               name="renamed")
        spec = compat.fixture_spec(wrapper)
        self.assertIs(spec.func, raw)
        self.assertEqual((spec.scope, spec.params, spec.name), ("module", (1, 2), "renamed"))

    def test_pytest84_definition_object(self):
        def raw(request):
            return 1
        obj = FixtureFunctionDefinition(raw, FixtureFunctionMarker(autouse=True))
        spec = compat.fixture_spec(obj)
        self.assertIs(spec.func, raw)
        self.assertTrue(spec.autouse)

    def test_lookalikes_are_not_fixtures(self):
        from unittest import mock
        self.assertIsNone(compat.fixture_spec(mock.Mock()))
        self.assertIsNone(compat.fixture_spec(len))


class CompileWarnings(unittest.TestCase):
    """pytest compiles a test module each run when it has no pyc of its own for it
    (PYTHONDONTWRITEBYTECODE, read-only tree), so its invalid-escape warnings are in
    every run's summary; the rewrite cache gives them again."""

    def test_warnings_come_again_from_the_cache(self):
        import tempfile
        import warnings
        from fastest_worker import rewrite
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "test_esc.py")
            src = b"def test_x():\n    assert '\\d'\n"
            seen = []
            for _ in range(2):
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    rewrite.load_code(src, path, os.path.join(tmp, "cache"))
                seen.append([(x.category.__name__, x.lineno, str(x.message)) for x in w])
            self.assertEqual(seen[0], [("DeprecationWarning", 2, "invalid escape sequence '\\d'")])
            self.assertEqual(seen[1], seen[0])
            # pytest's own pyc present: pytest compiles nothing, so no warning either
            os.makedirs(os.path.join(tmp, "__pycache__"))
            open(os.path.join(tmp, "__pycache__", "test_esc.%s-pytest-7.2.1.pyc"
                              % __import__("sys").implementation.cache_tag), "wb").close()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                rewrite.load_code(src, path, os.path.join(tmp, "cache"))
            self.assertEqual(list(w), [])


class LogSettings(unittest.TestCase):
    """pytest's get_option_ini fallbacks for the logging plugin's formats and levels."""

    @staticmethod
    def config(option=None, ini=None):
        import types
        return types.SimpleNamespace(option=types.SimpleNamespace(**(option or {})),
                                     ini=dict(ini or {}))

    def test_cli_format_falls_back_to_log_format_but_file_format_does_not(self):
        from fastest_worker import logs
        cfg = self.config({"log_format": "%(message)s"}, {"log_date_format": "%H"})
        self.assertEqual(logs.formatter(cfg, "log_cli")._fmt, "%(message)s")
        self.assertEqual(logs.formatter(cfg, "log_cli").datefmt, "%H")
        self.assertEqual(logs.formatter(cfg, "log_file")._fmt, logs.DEFAULT_LOG_FORMAT)
        self.assertEqual(logs.formatter(cfg, "log_file").datefmt, logs.DEFAULT_LOG_DATE_FORMAT)

    def test_live_logging_from_the_option_or_the_ini_bool(self):
        from fastest_worker import logs
        self.assertTrue(logs.live_enabled(self.config({"log_cli_level": "INFO"})))
        self.assertTrue(logs.live_enabled(self.config({}, {"log_cli": "True"})))
        self.assertFalse(logs.live_enabled(self.config({"log_cli_level": None}, {"log_cli": "0"})))
        self.assertEqual(logs.level("info"), 20)
        self.assertEqual(logs.level("15"), 15)

    def test_live_handler_groups_records_by_phase(self):
        import logging
        from fastest_worker import logs
        h = logs.LiveLogHandler(logging.Formatter("%(message)s"), 0)
        rec = lambda msg: logging.LogRecord("n", 20, "f.py", 1, msg, (), None)  # noqa: E731
        h.emit(rec("import"))
        h.when = "call"
        h.emit(rec("a"))
        h.emit(rec("b"))
        h.when = "teardown"
        h.emit(rec("c"))
        self.assertEqual(h.take(), [["collection", "import\n"], ["call", "a\nb\n"],
                                    ["teardown", "c\n"]])
        self.assertEqual(h.sections, [])

// fastest._fastest: the pybind11 module. Conversions only; python/fastest/__init__.py is
// the public face (argument checks, docstrings), api.cc the calls into src/app.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/outcome.h"
#include "python_api/api.h"

namespace py = pybind11;

namespace fastest::python_api {
namespace {

template <class T>
T unwrap(base::Result<T> r) {
  if (r.ok()) return std::move(r).value();
  const auto& e = r.error();
  if (e.code == base::ErrorCode::usage) throw py::value_error(e.message);
  if (e.code == base::ErrorCode::io) {
    PyErr_SetString(PyExc_OSError, e.message.c_str());
    throw py::error_already_set();
  }
  throw std::runtime_error(e.message);
}

template <class T>
py::list to_list(std::vector<T>&& v) {
  py::list out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = py::cast(std::move(v[i]));
  return out;
}

std::string quoted(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

void bind_items(py::module_& m) {
  py::class_<Item>(m, "TestItem", "A statically discovered test (before runtime parametrize expansion).")
      .def_property_readonly(
          "node_id", [](const Item& i) { return i.item.node_id; }, "pytest's node id, rootdir-relative")
      .def_property_readonly(
          "path", [](const Item& i) { return i.path; }, "absolute path of the test's module")
      .def_property_readonly(
          "file", [](const Item& i) { return i.item.file.str(); }, "rootdir-relative module path")
      .def_property_readonly("rootdir", [](const Item& i) { return i.rootdir; })
      .def_property_readonly(
          "line", [](const Item& i) { return i.item.line; }, "1-based line of the def")
      .def_property_readonly(
          "cls", [](const Item& i) { return i.item.cls; }, "enclosing class chain ('' at module level)")
      .def_property_readonly("function", [](const Item& i) { return i.item.function; })
      .def_property_readonly(
          "markers", [](const Item& i) { return i.item.markers; }, "decorator marks seen statically")
      .def_property_readonly(
          "parametrized", [](const Item& i) { return i.item.parametrized; },
          "has @pytest.mark.parametrize (the ids expand at run time)")
      .def_property_readonly(
          "params", [](const Item& i) { return i.item.params; },
          "parametrize argnames seen statically, in pytest's id order (the mark nearest the def first, "
          "then the class's, then the module's); [] when not parametrized or not literal")
      .def("__repr__",
           [](const Item& i) {
             return "TestItem(" + quoted(i.item.node_id) + ", line=" + std::to_string(i.item.line) + ")";
           })
      .def("__str__", [](const Item& i) { return i.item.node_id; })
      .def("__eq__",
           [](const Item& a, const Item& b) { return a.item.node_id == b.item.node_id && a.rootdir == b.rootdir; })
      .def("__hash__", [](const Item& i) { return py::hash(py::make_tuple(i.item.node_id, i.rootdir)); })
      .def(py::pickle(
          [](const Item& i) {
            return py::make_tuple(i.item.node_id, i.item.file.str(), i.item.cls, i.item.function, i.item.line,
                                  i.item.markers, i.item.parametrized, i.path, i.rootdir, i.item.params);
          },
          [](const py::tuple& t) {
            Item i;
            i.item.node_id = t[0].cast<std::string>();
            i.item.file = t[1].cast<std::string>();
            i.item.cls = t[2].cast<std::string>();
            i.item.function = t[3].cast<std::string>();
            i.item.line = t[4].cast<int>();
            i.item.markers = t[5].cast<std::vector<std::string>>();
            i.item.parametrized = t[6].cast<bool>();
            i.path = t[7].cast<std::string>();
            i.rootdir = t[8].cast<std::string>();
            if (t.size() > 9) i.item.params = t[9].cast<std::vector<std::string>>();
            return i;
          }));

  py::class_<base::CollectionError>(m, "CollectionError", "A file that could not be collected.")
      .def_readonly("path", &base::CollectionError::file, "rootdir-relative path")
      .def_readonly("line", &base::CollectionError::line, "1-based, 0 when unknown")
      .def_readonly("message", &base::CollectionError::message)
      .def("__repr__", [](const base::CollectionError& e) { return "CollectionError(" + quoted(e.file) + ")"; });
}

void bind_results(py::module_& m) {
  using R = base::TestResult;
  py::class_<R>(m, "TestResult", "One test's result, as a worker reported it (one per runtime node id).")
      .def_readonly("node_id", &R::node_id)
      .def_readonly("file", &R::file, "rootdir-relative module path")
      .def_property_readonly(
          "outcome", [](const R& r) { return std::string(base::outcome_name(r.outcome)); },
          "passed, failed, error, skipped, xfailed, xpassed, crashed or timed_out")
      .def_property_readonly("passed", [](const R& r) { return r.outcome == base::Outcome::passed; })
      .def_property_readonly(
          "failed", [](const R& r) { return base::is_failure(r.outcome); },
          "failed, error, crashed or timed out (what makes a run exit 1)")
      .def_property_readonly("skipped", [](const R& r) { return r.outcome == base::Outcome::skipped; })
      .def_property_readonly("duration", &R::duration_s, "setup + call + teardown, seconds")
      .def_property_readonly(
          "durations",
          [](const R& r) {
            py::dict d;
            d["setup"] = r.setup_s;
            d["call"] = r.call_s;
            d["teardown"] = r.teardown_s;
            return d;
          },
          "{'setup': s, 'call': s, 'teardown': s}, seconds")
      .def_readonly("longrepr", &R::longrepr, "failure or error text, or the skip location and reason")
      .def_readonly("message", &R::message, "short message (skip or xfail reason, exception line)")
      .def_readonly("teardown_error", &R::teardown_error, "set when only the teardown failed")
      .def_readonly("stdout", &R::captured_stdout)
      .def_readonly("stderr", &R::captured_stderr)
      .def_readonly("log", &R::captured_log)
      .def_readonly("when", &R::when, "phase that decided the outcome: setup, call, teardown or collect")
      .def_readonly("line", &R::line)
      .def_readonly("worker", &R::worker, "worker slot (0-based)")
      .def_readonly("start", &R::start_offset_s, "seconds from the run's start to the test's")
      .def_readonly("properties", &R::properties, "record_property pairs")
      .def("__repr__", [](const R& r) {
        char dur[32];
        std::snprintf(dur, sizeof dur, "%.3fs", r.duration_s());
        return "TestResult(" + quoted(r.node_id) + ", " + std::string(base::outcome_name(r.outcome)) + ", " + dur + ")";
      });
}

void bind_history(py::module_& m) {
  using S = store::TestStat;
  py::class_<S>(m, "TestStat", "One test's recorded statistics. Seconds.")
      .def_readonly("node_id", &S::node_id)
      .def_readonly("file", &S::file)
      .def_readonly("runs", &S::runs, "results recorded")
      .def_readonly("estimate", &S::estimate_s, "median of recent durations")
      .def_readonly("spread", &S::spread_s, "1.4826 x MAD of recent durations")
      .def_readonly("last", &S::last_s, "most recent valid duration, or None")
      .def_property_readonly("last_outcome", [](const S& s) { return std::string(base::outcome_name(s.last_outcome)); })
      .def_readonly("failures", &S::failures)
      .def_readonly("flips", &S::flips, "pass <-> fail changes between consecutive runs")
      .def_readonly("trend", &S::trend, "newer half's median / older half's")
      .def_readonly("recent", &S::recent, "up to 16 recent durations, oldest first")
      .def("__repr__", [](const S& s) { return "TestStat(" + quoted(s.node_id) + ")"; });

  using Run = store::RunSummary;
  auto end = [](auto field) {
    return [field](const Run& r) -> py::object { return r.end ? py::cast((*r.end).*field) : py::none(); };
  };
  py::class_<Run>(m, "Run", "One recorded run. Times in seconds (started/ended: Unix time).")
      .def_readonly("id", &Run::id)
      .def_readonly("uuid", &Run::uuid)
      .def_readonly("started", &Run::started_unix)
      .def_readonly("ended", &Run::ended_unix, "None while running or if it was killed")
      .def_property_readonly("argv", [](const Run& r) { return r.info.argv; })
      .def_property_readonly("workers", [](const Run& r) { return r.info.workers; })
      .def_property_readonly("schedule", [](const Run& r) { return r.info.schedule; })
      .def_property_readonly("shard", [](const Run& r) { return r.info.shard; })
      .def_property_readonly("host", [](const Run& r) { return r.info.host; })
      .def_property_readonly("predicted_makespan", [](const Run& r) { return r.info.predicted_makespan_s; })
      .def_property_readonly("lower_bound", [](const Run& r) { return r.info.lower_bound_s; })
      .def_property_readonly("exit_status", end(&store::RunEnd::exit_status))
      .def_property_readonly("makespan", end(&store::RunEnd::actual_makespan_s), "wall time, None if unfinished")
      .def_property_readonly("passed", end(&store::RunEnd::passed))
      .def_property_readonly("failed", end(&store::RunEnd::failed))
      .def_property_readonly("errors", end(&store::RunEnd::errors))
      .def_property_readonly("skipped", end(&store::RunEnd::skipped))
      .def_readonly("work", &Run::work_s, "sum of recorded test durations")
      .def_readonly("balance", &Run::balance, "work / (workers x makespan), 0 when unknown")
      .def("__repr__", [](const Run& r) { return "Run(id=" + std::to_string(r.id) + ")"; });

  using B = scheduler::Batch;
  py::class_<B>(m, "Batch", "One unit of work a worker gets: a module or a slice of one.")
      .def_readonly("module", &B::module)
      .def_readonly("tests", &B::select, "node ids to run; empty = the whole module")
      .def_readonly("cost", &B::cost_s, "predicted seconds, module overhead included")
      .def_readonly("estimated", &B::estimated, "part of the cost was guessed (no complete history)")
      .def_readonly("slice", &B::slice)
      .def_readonly("slices", &B::slices)
      .def("__repr__", [](const B& b) { return "Batch(" + quoted(b.module) + ")"; });

  using P = app::PlanSummary;
  py::class_<P>(m, "Plan", "What `fastest plan` prints, as values. Seconds.")
      .def_property_readonly(
          "batches", [](const P& p) { return p.plan.batches; }, "dispatch order")
      .def_property_readonly("predicted_makespan", [](const P& p) { return p.plan.predicted_makespan_s; })
      .def_property_readonly(
          "lower_bound", [](const P& p) { return p.plan.lower_bound_s; },
          "max(total / workers, largest indivisible batch)")
      .def_property_readonly("total", [](const P& p) { return p.plan.total_s; })
      .def_readonly("workers", &P::workers)
      .def_readonly("tests", &P::tests)
      .def_readonly("modules", &P::modules)
      .def_readonly("recorded_runs", &P::recorded_runs)
      .def("__repr__", [](const P& p) {
        return "Plan(" + std::to_string(p.plan.batches.size()) + " batches, workers=" + std::to_string(p.workers) + ")";
      });
}

Caller caller(const std::string& python, bool catch_sigint) { return Caller{python, catch_sigint}; }

template <class F>
auto without_gil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

void bind_functions(py::module_& m) {
  m.def(
      "_discover",
      [](const std::vector<std::string>& argv, const std::string& python) {
        auto d = unwrap(without_gil([&] { return discover(argv, caller(python, false)); }));
        return py::make_tuple(d.rootdir, to_list(std::move(d.items)), to_list(std::move(d.errors)), d.warnings);
      },
      py::arg("argv"), py::arg("python"));
  m.def(
      "_run",
      [](const std::vector<std::string>& argv, const std::string& python, bool catch_sigint) {
        return without_gil([&] { return run(argv, caller(python, catch_sigint)); });
      },
      py::arg("argv"), py::arg("python"), py::arg("catch_sigint"));
  m.def(
      "_run_tests",
      [](const std::vector<std::string>& argv, bool report, const std::string& python, bool catch_sigint) {
        auto o = unwrap(without_gil([&] { return run_tests(argv, report, caller(python, catch_sigint)); }));
        return py::make_tuple(o.exit_code, o.interrupted, to_list(std::move(o.results)), to_list(std::move(o.errors)),
                              o.warnings);
      },
      py::arg("argv"), py::arg("report"), py::arg("python"), py::arg("catch_sigint"));
  m.def(
      "_project_db", [](const std::string& db, const std::string& rootdir) { return unwrap(project_db(db, rootdir)); },
      py::arg("db"), py::arg("rootdir"));
  m.def(
      "_plan",
      [](const std::string& db, const std::string& rootdir, const std::vector<std::string>& paths, int workers,
         const std::string& schedule) {
        auto p = unwrap(without_gil([&] { return plan(db, rootdir, paths, workers, schedule); }));
        auto warnings = std::move(p.warnings);
        return py::make_tuple(std::move(p), warnings);
      },
      py::arg("db"), py::arg("rootdir"), py::arg("paths"), py::arg("workers"), py::arg("schedule"));
  auto query = [&m](const char* name, auto fn) {
    m.def(
        name,
        [fn](const std::string& db, std::size_t n) {
          std::vector<std::string> warnings;
          auto rows = unwrap(without_gil([&] { return fn(db, n, warnings); }));
          return py::make_tuple(to_list(std::move(rows)), warnings);
        },
        py::arg("db"), py::arg("n"));
  };
  query("_slowest",
        [](const std::string& db, std::size_t n, std::vector<std::string>& w) { return app::slowest_tests(db, n, w); });
  query("_flaky",
        [](const std::string& db, std::size_t n, std::vector<std::string>& w) { return app::flaky_tests(db, n, w); });
  query("_runs",
        [](const std::string& db, std::size_t n, std::vector<std::string>& w) { return app::recent_runs(db, n, w); });
}

}  // namespace
}  // namespace fastest::python_api

PYBIND11_MODULE(_fastest, m) {
  m.doc() = "fastest's C++ core (see the fastest package for the documented API)";
  fastest::python_api::bind_items(m);
  fastest::python_api::bind_results(m);
  fastest::python_api::bind_history(m);
  fastest::python_api::bind_functions(m);
}

"""Fixtures the pytest engine serves itself (registered after every other plugin so
they win over xdist's and junitxml's, but not over a conftest's own definitions)."""
import types

import pytest


def make(engine, with_worker_id):
    """A plugin module object holding the fixtures (a module, so every pytest version's
    ``parsefactories`` reads it the same way)."""
    mod = types.ModuleType("fastest_pytest_fixtures")

    if with_worker_id:
        @pytest.fixture(scope="session", name="worker_id")
        def worker_id():
            """The fastest worker's id (``gw0``, ``gw1``, ...; ``master`` with ``-n 0``)."""
            return engine.worker_id
        mod.worker_id = worker_id

    @pytest.fixture(name="record_xml_attribute")
    def record_xml_attribute(request):
        """Add an attribute to the test's ``<testcase>`` in the controller's JUnit XML."""
        request.node.warn(pytest.PytestExperimentalApiWarning(
            "record_xml_attribute is an experimental feature"))
        nodeid = request.node.nodeid

        def add_attr(name, value):
            engine.add_xml_attribute(nodeid, name, value)
        return add_attr
    mod.record_xml_attribute = record_xml_attribute

    @pytest.fixture(scope="session", name="record_testsuite_property")
    def record_testsuite_property(request):
        """Add a ``<property>`` to the controller's JUnit ``<testsuite>``."""
        __tracebackhide__ = True

        def record_func(name, value):
            __tracebackhide__ = True
            if not isinstance(name, str):
                raise TypeError("name parameter needs to be a string, but %s given"
                                % type(name).__name__)
            engine.add_suite_property(name, value)
        return record_func
    mod.record_testsuite_property = record_testsuite_property
    return mod


"""The pytest engine: the user's pytest runs each batch (docs/architecture.md).

Only this subpackage imports pytest; the native engine never imports it, and this
package shares nothing with the native engine but ``fastest_worker.proto``.
"""


def serve(channel, config_msg):
    """Run the worker's remaining conversation after ``config``; never returns."""
    from .worker import serve as _serve
    _serve(channel, config_msg)

"""fastest worker harness: runs pytest-style tests natively (stdlib only)."""

PROTOCOL_VERSION = 2

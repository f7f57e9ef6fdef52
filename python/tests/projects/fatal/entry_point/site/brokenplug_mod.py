raise RuntimeError("plugin broken at import")

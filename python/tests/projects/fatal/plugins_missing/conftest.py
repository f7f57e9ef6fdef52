pytest_plugins = ["nonexistent_plugin_xyz"]

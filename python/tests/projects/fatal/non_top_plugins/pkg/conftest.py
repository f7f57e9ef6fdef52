# pytest 7.2 refuses pytest_plugins in a conftest loaded after configure (a
# collection error; the module below it is not run).
pytest_plugins = ["plugin_module_never_imported_xyz"]

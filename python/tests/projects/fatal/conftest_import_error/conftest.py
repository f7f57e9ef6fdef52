import module_that_does_not_exist_xyz  # noqa: F401

"""inspect.unwrap() raising anything but ValueError is this module's collection error
(pytest warns, then the DoctestModule fails to collect).

>>> 1
1
"""


class _Broken:
    def __getattr__(self, name):
        if name == "__wrapped__":
            raise RuntimeError("no wrapped here")
        raise AttributeError(name)


broken = _Broken()

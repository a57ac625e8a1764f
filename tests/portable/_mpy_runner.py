"""Runs the ``test_*`` functions of one portable test module under MicroPython.

Usage: ``micropython _mpy_runner.py MODULE [TEST ...]``. Prints one ``@@RESULT name status``
line per test (status PASS, FAIL or SKIP), the test's output and traceback before it, and
``@@DONE`` at the end, which the pytest plug-in in conftest.py parses.
"""

import gc
import sys

from portable import SkipTest


def main():
    module_name = sys.argv[1]
    wanted = sys.argv[2:]
    module = __import__(module_name)
    names = wanted or sorted(n for n in dir(module) if n.startswith("test_"))
    for name in names:
        gc.collect()
        status = "PASS"
        try:
            getattr(module, name)()
        except SkipTest as skip:
            status = "SKIP " + str(skip)
        except BaseException as error:  # report everything, including MemoryError
            sys.print_exception(error, sys.stdout)
            status = "FAIL"
        print("@@RESULT " + name + " " + status)
    print("@@DONE")


main()

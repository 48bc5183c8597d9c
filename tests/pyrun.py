"""The runner the Python test files share: each `test_*` function of a module, in name
order, in a fresh temporary directory; one line per test, a total, exit 1 on a failure."""
import pathlib
import sys
import tempfile
import time


def run(module_globals, label):
    tests = [v for k, v in sorted(module_globals.items()) if k.startswith("test_")]
    failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory() as d:
            try:
                start = time.monotonic()
                test(pathlib.Path(d))
                print(f"ok   {test.__name__} ({time.monotonic() - start:.1f} s)")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {test.__name__}: {e}")
    print(f"{label}: {len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

"""`python -m benchmarks` (make bench): run every benchmarks/bench_<name>.py, each in turn.

`python -m benchmarks --smoke` runs each in its smoke mode (small sizes, no targets judged):
what CI runs (tests/test_benchmarks.py), so that no benchmark can rot unnoticed.
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(smoke: bool = False) -> int:
    failed = []
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.monotonic()
        if (module.main(smoke=True) if smoke else module.main()) != 0:
            failed.append(name)
        print(f"=== {name}: {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(smoke="--smoke" in sys.argv))

"""The ``carecast`` command: one entry point wrapping every stage.

Each stage is its own process (``python -m ingest`` …); this wrapper runs the stage's module as __main__ so that
``carecast ingest`` and ``python -m ingest`` are the same thing. ``up`` supervises all stages as child processes.
"""

from __future__ import annotations

import runpy
import sys

STAGES = {
    "migrate": "core.migrate_main",
    "ingest": "ingest",
    "detect": "detection",
    "notify": "notify",
    "api": "api",
    "simulate": "simulators",
    "up": "core.supervise",
    "demo": "simulators.demo",
    "keys": "api.keys",
    "report": "notify.report",
    "evaluate": "bench.backtest",
    "evaluate-battery": "bench.backtest_battery",
}

USAGE = "usage: carecast {" + "|".join(STAGES) + "} [options]   (carecast COMMAND --help for options)"


def main(argv: list[str] | None = None) -> None:
    """Dispatch ``carecast COMMAND [args]`` to the stage module."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        raise SystemExit(0 if args else 2)
    command, rest = args[0], args[1:]
    module = STAGES.get(command)
    if module is None:
        print(f"carecast: unknown command {command!r}\n{USAGE}", file=sys.stderr)
        raise SystemExit(2)
    sys.argv = [f"carecast {command}", *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

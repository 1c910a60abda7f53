"""The cyclic garbage collector around a command's start-up: off while it imports, then frozen.

Importing Polars, pyarrow, psycopg and pydantic builds a few hundred thousand objects that live
as long as the process: classes, functions, validators. While they are built, the collector
(triggered by allocation counts) walks them over and over, and at exit the interpreter's final
collections walk them again; none of them is ever garbage. Measured on the 2-core machine of
BENCHMARKS.md, that is about 0.15 s of ``python -m batch``'s imports and 0.17 s of its exit.

A command run as ``python -m ...`` calls ``quiet_start()`` before its heavy imports (only then:
a module that merely imports it must not turn its importer's collector off), and
``common.cli.run_main`` calls ``settle()`` once they are done: everything alive then moves to the
permanent generation (``gc.freeze``), which no later collection walks, and the collector runs as
usual for what the run itself allocates. This module imports nothing heavy, so it can come first.
"""

from __future__ import annotations

import gc


def quiet_start() -> None:
    """Pause the cyclic collector for the imports that follow (``settle`` resumes it)."""
    gc.disable()


def settle() -> None:
    """Freeze what start-up built into the permanent generation and resume the collector."""
    gc.freeze()
    gc.enable()

"""The sandbox's rules for generated code, defined once: the static checks and the runtime guard both apply them."""

from __future__ import annotations

# Modules a policy (or Feedback summariser) may import. Everything else is refused before the code runs.
ALLOWED_MODULES = frozenset(
    {
        "numpy",
        "math",
        "cmath",
        "random",
        "collections",
        "heapq",
        "bisect",
        "itertools",
        "functools",
        "operator",
        "dataclasses",
        "typing",
        "enum",
        "abc",
        "copy",
        "statistics",
        "fractions",
        "decimal",
        "numbers",
        "string",
        "re",
        "array",
        "queue",
        "time",
        "scipy",
    }
)
# Submodules refused even though their package is allowed: they reach C libraries, files or subprocesses.
FORBIDDEN_SUBMODULES = frozenset(
    {"numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy.testing", "scipy.datasets", "scipy.io", "scipy._lib"}
)
# Builtins that would let code escape the guard (the worker removes them too; refusing them here gives the LLM
# a clear message instead of a NameError).
FORBIDDEN_NAMES = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "breakpoint",
        "globals",
        "locals",
        "vars",
        "__import__",
        "__builtins__",
        "__loader__",
        "__spec__",
        "exit",
        "quit",
        "help",
        "memoryview",
    }
)
# Attributes that lead from ordinary objects to interpreter internals (frames, globals, code objects, classes).
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "tb_frame",
        "tb_next",
        "co_code",
        "co_consts",
        "func_globals",
        "mro",
    }
)
ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__doc__", "__post_init__"})


def module_allowed(name: str, *, exact_only: bool = False) -> bool:
    """May generated code import `name` (dotted)? Its top-level package must be allowed and no prefix of it may be
    a forbidden submodule. `exact_only`: check only the forbidden submodules (for `from pkg import item`, where
    `item` may be an attribute rather than a module)."""
    parts = name.split(".")
    if any(".".join(parts[: i + 1]) in FORBIDDEN_SUBMODULES for i in range(len(parts))):
        return False
    return exact_only or parts[0] in ALLOWED_MODULES


def attribute_allowed(name: str) -> bool:
    """May generated code read or write the attribute `name`? Not dunders (except ALLOWED_DUNDERS), not the
    attributes that lead to interpreter internals."""
    dunder = name.startswith("__") and name.endswith("__")
    return not (dunder and name not in ALLOWED_DUNDERS) and name not in FORBIDDEN_ATTRIBUTES

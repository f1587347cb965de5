"""Python-level guard for generated code: restricted builtins, an import allowlist and read-only module views.

This is not the security boundary (see `os_limits.py`); it turns most misuse into a clear, early error for the
LLM, and it keeps generated code from reaching private module state or monkey-patching modules that the
simulator running in the same worker also uses.
"""

from __future__ import annotations

import builtins
import importlib
import linecache
import traceback
import types
from typing import Any

from promptpo.sandbox.rules import FORBIDDEN_NAMES, attribute_allowed, module_allowed

POLICY_FILENAME = "<generated>"


class GuardedImportError(ImportError):
    """An import outside the allowlist, attempted at run time."""


class GuardedAttributeError(AttributeError):
    """Access to a private module attribute or to an interpreter-internal attribute, attempted at run time."""


class ModuleView:
    """A read-only view of an allowed module: public attributes only; submodules come back as views too."""

    __slots__ = ("_module",)

    def __init__(self, module: types.ModuleType):
        object.__setattr__(self, "_module", module)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("_"):
            raise GuardedAttributeError(f"{name!r}: generated code may use public module attributes only")
        value = getattr(object.__getattribute__(self, "_module"), name)
        return view_of(value) if isinstance(value, types.ModuleType) else value

    def __setattr__(self, name: str, value: Any) -> None:
        raise GuardedAttributeError("modules are read-only for generated code")

    def __delattr__(self, name: str) -> None:
        raise GuardedAttributeError("modules are read-only for generated code")

    def __dir__(self) -> list[str]:
        return [name for name in dir(object.__getattribute__(self, "_module")) if not name.startswith("_")]

    def __repr__(self) -> str:
        return f"<module {object.__getattribute__(self, '_module').__name__!r} (read-only view)>"


_views: dict[str, ModuleView] = {}


def view_of(module: types.ModuleType) -> ModuleView:
    if not module_allowed(module.__name__):
        raise GuardedImportError(f"module {module.__name__!r} is not available to generated code")
    if module.__name__ not in _views:
        _views[module.__name__] = ModuleView(module)
    return _views[module.__name__]


def guarded_import(
    name: str, globals: Any = None, locals: Any = None, fromlist: tuple[str, ...] = (), level: int = 0
) -> ModuleView:
    """`__import__` for generated code: allowlisted modules only, returned as read-only views."""
    if level:
        raise GuardedImportError("relative imports are not allowed")
    if not module_allowed(name):
        raise GuardedImportError(f"import of {name!r} is not allowed")
    for item in fromlist or ():
        if not module_allowed(f"{name}.{item}"):
            raise GuardedImportError(f"import of {name}.{item} is not allowed")
    module = importlib.__import__(name, None, None, fromlist or (), 0)  # loads requested submodules too
    return view_of(module)


def _public_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    if not attribute_allowed(name):
        raise GuardedAttributeError(f"attribute {name!r} is not available to generated code")
    return name


def _getattr(obj: Any, name: str, *default: Any) -> Any:
    """`getattr`; a refused name behaves like a missing attribute (the default when one is given)."""
    try:
        name = _public_name(name)
    except GuardedAttributeError:
        if default:
            return default[0]
        raise
    return getattr(obj, name, *default)


def _setattr(obj: Any, name: str, value: Any) -> None:
    setattr(obj, _public_name(name), value)


def _delattr(obj: Any, name: str) -> None:
    delattr(obj, _public_name(name))


def _hasattr(obj: Any, name: str) -> bool:
    """`hasattr`; False for a refused name, as for any attribute whose lookup raises AttributeError."""
    try:
        return hasattr(obj, _public_name(name))
    except GuardedAttributeError:
        return False


def restricted_builtins() -> dict[str, Any]:
    allowed = {name: value for name, value in vars(builtins).items() if name not in FORBIDDEN_NAMES}
    allowed.update(__import__=guarded_import, getattr=_getattr, setattr=_setattr, delattr=_delattr, hasattr=_hasattr)
    return allowed


def compile_module(code: str) -> types.CodeType:
    """Compile generated code once (per evaluation); `load_class` executes it afresh for every episode."""
    linecache.cache[POLICY_FILENAME] = (len(code), None, code.splitlines(keepends=True), POLICY_FILENAME)
    return compile(code, POLICY_FILENAME, "exec")


def load_class(module: types.CodeType, class_name: str, method: str, names: dict[str, Any]) -> type:
    """Execute the compiled module in a new namespace with restricted builtins and return its `class_name`.

    Every call makes a new module and so a new class: state kept on the class (class attributes mutated by `act`)
    cannot leak from one episode into the next. `names` are extra globals visible to the code (e.g. the observation
    class, so annotations resolve). Any binding of the name counts (`class Policy(Base)`, `Policy = Controller`).
    Raises whatever the module raises, or `LookupError` when the class or its `method` is missing.
    """
    namespace: dict[str, Any] = {"__builtins__": restricted_builtins(), "__name__": "generated", **names}
    exec(module, namespace)
    found = namespace.get(class_name)
    if not isinstance(found, type):
        raise LookupError(f"the code defines no class named {class_name}")
    if not callable(getattr(found, method, None)):
        raise LookupError(f"class {class_name} has no method {method}()")
    return found


def generated_traceback(error: BaseException, limit_chars: int = 2000) -> str:
    """The traceback of `error` restricted to frames of the generated code, plus the exception line."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == POLICY_FILENAME]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    text = "".join(lines).rstrip()
    return text if len(text) <= limit_chars else "...\n" + text[-limit_chars:]

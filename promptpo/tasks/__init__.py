"""Task registry: task names map to factories in one module per family, imported only when first needed."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from promptpo.tasks.base import InvalidAction, ScoreKind, Task, check_action

# family -> modules that define `TASKS: dict[str, Callable[[], Task]]`. Importing a family's simulator is slow
# (Meta-World, MuJoCo), so a module is imported only when one of its families is asked for.
FAMILY_MODULES: dict[str, tuple[str, ...]] = {
    "hard_exploration": ("promptpo.tasks.noise_world", "promptpo.tasks.point_maze"),
    "metaworld": ("promptpo.tasks.metaworld_tasks",),
    "mujoco": ("promptpo.tasks.mujoco_tasks",),
}


@functools.cache
def _factories(family: str) -> dict[str, Callable[[], Task]]:
    if family not in FAMILY_MODULES:
        raise KeyError(f"unknown family {family!r}; known: {sorted(FAMILY_MODULES)}")
    factories: dict[str, Callable[[], Task]] = {}
    for module_name in FAMILY_MODULES[family]:
        factories.update(importlib.import_module(module_name).TASKS)
    return factories


def task_names(family: str | None = None) -> list[str]:
    """Registered task names of one family (or of all families), in registration order."""
    families = [family] if family is not None else list(FAMILY_MODULES)
    return [name for fam in families for name in _factories(fam)]


@functools.cache
def get_task(name: str) -> Task:
    """The task called `name`; tasks are immutable descriptions, so one instance per process is shared."""
    for family in FAMILY_MODULES:
        if name in _factories(family):
            return _factories(family)[name]()
    raise KeyError(f"unknown task {name!r}; see promptpo.tasks.task_names() for the registered ones")


__all__ = ["FAMILY_MODULES", "InvalidAction", "ScoreKind", "Task", "check_action", "get_task", "task_names"]

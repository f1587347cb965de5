"""Task registry: task names map to factories, one module or package per family, imported only when first needed.

The contract every task fills is `Task` in `base.py`. Adding a family takes three steps and no copied code:
1. Under `tasks/<family>` (a module, or a package for a large family), write the documented observation class (its
   source is what the LLM is shown), the reward function that scores a step (likewise), and a `Task` subclass:
   `make_env()` returning the simulator wrapped in `ScoredByTask(env, self)` unless the env already scores with
   the documented reward, `score_step` (and `before_step` if the reward needs the state before a step),
   `observe`, and `oracle` / `exact_optimum` where a best policy or value is known, `references` for named
   reference policies that are not optimal (`reference_observe` if they read what policies do not see), and
   `policy_info` if `observe` reads the env's info (by default the process running generated code receives none).
2. Register the tasks in that module's `TASKS: dict[str, Callable[[], Task]]`, one
   `functools.partial(YourTask, keyword=value, ...)` per task.
3. Add `"<family>": "promptpo.tasks.<family>"` to `FAMILY_MODULES` below, and a profile in
   `data/profiles/<family>.yml`. tests/test_prompt_hashes.py then asks for the new tasks' prompt hashes.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from promptpo.tasks.base import InvalidAction, ScoreKind, Task, check_action

# family -> the module that registers its tasks in `TASKS: dict[str, Callable[[], Task]]`. Importing a family's
# simulator is slow (Meta-World, MuJoCo), so a module is imported only when one of its tasks is asked for.
FAMILY_MODULES: dict[str, str] = {
    "hard_exploration": "promptpo.tasks.hard_exploration",
    "metaworld": "promptpo.tasks.metaworld",
    "mujoco": "promptpo.tasks.mujoco",
    "real_world": "promptpo.tasks.real_world",
}


@functools.cache
def _factories(family: str) -> dict[str, Callable[[], Task]]:
    if family not in FAMILY_MODULES:
        raise KeyError(f"unknown family {family!r}; known: {sorted(FAMILY_MODULES)}")
    return importlib.import_module(FAMILY_MODULES[family]).TASKS


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

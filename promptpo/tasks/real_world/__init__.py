"""The real-world control family: pandemic lockdown stages (`pandemic`)."""

from promptpo.tasks.real_world.pandemic import TASKS as PANDEMIC_TASKS

TASKS = PANDEMIC_TASKS

__all__ = ["TASKS"]

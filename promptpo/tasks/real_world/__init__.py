"""The real-world control family: insulin dosing (`glucose`) and pandemic lockdown stages (`pandemic`)."""

from promptpo.tasks.real_world.glucose import TASKS as GLUCOSE_TASKS
from promptpo.tasks.real_world.pandemic import TASKS as PANDEMIC_TASKS

TASKS = GLUCOSE_TASKS | PANDEMIC_TASKS

__all__ = ["TASKS"]

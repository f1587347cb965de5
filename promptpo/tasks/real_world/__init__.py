"""The real-world control family: insulin dosing (`glucose`), ramp merging (`traffic_merge`) and pandemic lockdown
stages (`pandemic`)."""

from promptpo.tasks.real_world.glucose import TASKS as GLUCOSE_TASKS
from promptpo.tasks.real_world.pandemic import TASKS as PANDEMIC_TASKS
from promptpo.tasks.real_world.traffic import TASKS as TRAFFIC_TASKS

TASKS = GLUCOSE_TASKS | TRAFFIC_TASKS | PANDEMIC_TASKS

__all__ = ["TASKS"]

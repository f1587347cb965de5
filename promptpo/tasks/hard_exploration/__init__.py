"""The hard-exploration family: NoiseWorld's seven boards (`noise_world`) and the large point mazes (`point_maze`)."""

from promptpo.tasks.hard_exploration.noise_world import TASKS as NOISE_WORLD_TASKS
from promptpo.tasks.hard_exploration.point_maze import TASKS as POINT_MAZE_TASKS

TASKS = NOISE_WORLD_TASKS | POINT_MAZE_TASKS

__all__ = ["TASKS"]

"""The MuJoCo family: Gymnasium v5 locomotion and control tasks.

`rewards` and `observations` hold what the LLM is shown (reward functions with their health rules, documented
observation classes), `model_docs` generates the documentation tables from the MuJoCo model, `task` the Task for
each env and the registry `TASKS`.
"""

from promptpo.tasks.mujoco.task import SPECS, TASKS, MujocoSpec, MujocoTask

__all__ = ["SPECS", "TASKS", "MujocoSpec", "MujocoTask"]

"""The glucose task: dose insulin every 5 minutes for simglucose's virtual patient adult#001."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from promptpo.envs.glucose import HISTORY_STEPS, GlucoseEnv, GlucoseParams, glucose_metrics, glucose_reward
from promptpo.tasks.base import Task, frozen_array

PAPER_HORIZON = 5760  # 20 days of 5-minute steps, the benchmark's and the paper's episode
DEFAULT_HORIZON = 576  # 2 days: a 5,760-step episode takes minutes on this project's CPUs


@dataclass(frozen=True, eq=False)
class GlucoseObservation:
    """What the policy sees every 5 minutes: the last 4 hours of continuous glucose monitor (CGM) readings and of
    the insulin the pump delivered (read-only arrays; copy before modifying).

    Both arrays hold 48 values, one per 5-minute step, oldest first: index 47 is the most recent. Entries from
    before the episode started are -1 (at the first step only cgm[47] is a reading and every insulin entry is
    -1). The CGM samples the patient's glucose every 5 minutes without noise (clipped to its range 39-600 mg/dL);
    each entry is that reading as the simulator reports it for the step: 4/5 the previous sample, 1/5 the new one.
    Meals are not observed: the patient eats breakfast, lunch and dinner (and sometimes snacks) at varying times
    and amounts, and the CGM rises after each.
    """

    cgm: np.ndarray  # (48,) float, mg/dL; cgm[-1] is the latest reading; -1 = before the episode started
    insulin: np.ndarray  # (48,) float, U/min delivered during each step; insulin[-1] = the last step's; -1 = none yet


@dataclass(frozen=True, eq=False)
class GlucoseReferenceObservation(GlucoseObservation):
    """GlucoseObservation plus the meal announcement a pump user gives; only the references see it."""

    meal: float  # carbohydrate eaten during the last step, g/min (simglucose's `meal`)


ACTION_MEANINGS = (
    "insulin rate delivered by the pump for the next 5 minutes, in U/min (units of insulin per minute); the "
    "patient's steady basal rate, which holds a fasting glucose level, is about 0.021 U/min",
)

CONTEXT = """\
The patient is simglucose's virtual type-1 diabetes patient adult#001 (UVA/Padova model): the body makes no
insulin, so glucose rises after meals unless insulin is given, and too much insulin drives it dangerously low.
Insulin acts with a delay: a dose takes tens of minutes to start lowering glucose and keeps acting for hours.
Each step is 5 minutes; day 1 starts at midnight. The healthy range is 70-180 mg/dL; below 70 is hypoglycaemia
(dangerous, especially below 54), above 180 hyperglycaemia."""


class GlucoseTask(Task):
    """`GlucoseEnv` (simglucose's core simulator, `promptpo.envs.glucose`) as a task.

    The env computes its reward with `glucose_reward` itself, so no `ScoredByTask` wrapper: the function the LLM
    is shown is the one the env calls. References: zero insulin (the runner's "zero action"), the steady basal
    rate, simglucose's basal-bolus controller (with the meal announcement) and a PD controller
    (`references.glucose_controllers`).
    """

    family = "real_world"
    score = "return"
    observation_type = GlucoseObservation
    action_meanings = ACTION_MEANINGS
    extra_context = CONTEXT
    paper_rounds = 20
    metric_keys = ("bg",)

    def __init__(self, name: str, horizon: int) -> None:
        self.name = name
        self.horizon = horizon
        self.params = GlucoseParams(horizon=horizon)
        self.reward_function = glucose_reward
        days = horizon * 5 / (24 * 60)
        self.termination = (
            "The episode ends early (with reward -100000 on that step) if the true blood glucose falls below 10 "
            f"or rises above 1000 mg/dL; otherwise it is truncated after {horizon} steps ({days:g} days)."
        )

    def make_env(self) -> GlucoseEnv:
        return GlucoseEnv(self.params)

    def observe(self, obs: Any, info: dict[str, Any]) -> GlucoseObservation:
        return GlucoseObservation(frozen_array(obs[:HISTORY_STEPS]), frozen_array(obs[HISTORY_STEPS:]))

    def reference_observe(self, obs: Any, info: dict[str, Any]) -> GlucoseReferenceObservation:
        fields = dataclasses.asdict(self.observe(obs, info))
        return GlucoseReferenceObservation(**fields, meal=float(info["meal"]))

    def episode_metrics(self, trace: Sequence[dict[str, Any]]) -> dict[str, float]:
        """`glucose_metrics` of the episode's true blood glucose, one value per step (mg/dL)."""
        return glucose_metrics([step["bg"] for step in trace])

    def references(self) -> list[tuple[str, Callable[[], Callable[[Any], Any]]]]:
        from promptpo.references import glucose_controllers as controllers

        # Zero insulin is the runner's "zero action" reference, which every task with 0 in its Box gets.
        return [
            ("steady basal", controllers.constant_rate(controllers.steady_basal(self.params.patient))),
            ("basal-bolus", controllers.basal_bolus(self.params.patient)),
            ("PD controller", controllers.pd_controller(self.params.patient)),
        ]


TASKS: dict[str, Callable[[], Task]] = {
    "glucose": functools.partial(GlucoseTask, name="glucose", horizon=DEFAULT_HORIZON),
    "glucose_20_days": functools.partial(GlucoseTask, name="glucose_20_days", horizon=PAPER_HORIZON),
}

"""The pandemic task: set a town's lockdown stage once a day to keep critical cases under hospital capacity."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from promptpo.envs.pandemic import DEFAULT_PARAMS, PandemicEnv, PandemicParams, pandemic_reward
from promptpo.tasks.base import Task


@dataclass(frozen=True)
class PandemicObservation:
    """What the policy sees at the start of each simulated day in a town of 500 people (read-only plain values).

    The true disease state of each person is hidden: the fractions below come from tests. Each day critical
    people are tested with probability 1.0, symptomatic people 0.3, everyone else 0.02; a test reports the
    person's state (none, infected, critical, recovered) with 0.1% false positives and 1% false negatives.
    A person counts under their latest test result until tested again (people never tested count as none), so
    the fractions lag behind the truth; deaths are always reported at once, people known to be critical are
    retested every day and people known to be infected with probability 0.3 a day. The five fractions sum to 1.
    """

    tested_none: float  # fraction of people whose latest test said not infected (or never tested)
    tested_infected: float  # fraction whose latest test said infected (not critical)
    tested_critical: float  # fraction whose latest test said critical (needs or is in a hospital bed)
    tested_recovered: float  # fraction whose latest test said recovered
    dead: float  # fraction of people who have died (exact)
    stage: int  # current regulation stage, 0 (no restrictions) to 4 (strictest)
    day: int  # days elapsed, 0 on the first day, 191 on the last
    critical_above_threshold: bool  # tested_critical * 500 > 5: more critical people than the hospital's 5 beds


ACTION_MEANINGS = (
    "lower the regulation stage by one (stays 0 at stage 0)",
    "keep the current regulation stage",
    "raise the regulation stage by one (stays 4 at stage 4)",
)

CONTEXT = """\
The town: 500 people in 150 homes; 2 grocery stores, 2 offices, 10 schools, 1 hospital with 5 beds, 2 retail
stores, 2 hair salons, 1 restaurant and 1 bar. Children go to school, most working-age adults go to work, people
run errands and meet at private gatherings; the disease spreads through contacts at all of these places, and some
infected people become critical and need a hospital bed. On day 0, 6 people have just been exposed. A more
transmissible variant appears on a day between 95 and 104.

Regulation stages (each includes the restrictions of the previous one unless it relaxes them):
  stage 0: no restrictions.
  stage 1: sick people stay home; gatherings of at most 10 people.
  stage 2: masks; 30% of contacts at shops, work and gatherings avoided; schools and hair salons closed.
  stage 3: 50% of contacts avoided; no gatherings.
  stage 4: 70% of contacts avoided; offices, schools, hair salons and retail stores closed.
Grocery stores, the restaurant, the bar and the hospital stay open at every stage. One step is one day; the
action chosen on a day sets that day's stage."""


class PandemicTask(Task):
    """`PandemicEnv` (a numpy agent-based model written for this project, `promptpo.envs.pandemic`) as a task.

    The env computes its reward with `pandemic_reward` itself (as NoiseWorld does), so no `ScoredByTask` wrapper:
    the function the LLM is shown is the one the env calls. References: always stage 0, 2 or 4, and a
    threshold rule on the tested fractions (`references.pandemic_rules`).
    """

    family = "real_world"
    score = "return"
    observation_type = PandemicObservation
    action_meanings = ACTION_MEANINGS
    extra_context = CONTEXT

    def __init__(self, name: str, params: PandemicParams = DEFAULT_PARAMS) -> None:
        if params.stage_term_by_action:
            raise ValueError("the task shows `pandemic_reward` (stage-indexed); build the env directly instead")
        self.name = name
        self.params = params
        self.horizon = params.horizon
        self.reward_function = pandemic_reward
        self.termination = f"The episode never ends early; it is truncated after {params.horizon} days (steps)."

    def make_env(self) -> PandemicEnv:
        return PandemicEnv(self.params)

    def observe(self, obs: Any, info: dict[str, Any]) -> PandemicObservation:
        none, infected, critical, recovered, dead, stage, day, above = (float(x) for x in obs)
        return PandemicObservation(none, infected, critical, recovered, dead, int(stage), int(day), above > 0.5)

    def references(self) -> list[tuple[str, Callable[[], Callable[[Any], Any]]]]:
        from promptpo.references.pandemic_rules import always_stage, threshold_rule

        return [
            ("always stage 0", always_stage(0)),
            ("always stage 2", always_stage(2)),  # masks, distancing, schools closed: the beds suffice
            ("always stage 4", always_stage(4)),
            ("threshold rule", threshold_rule()),
        ]


TASKS: dict[str, Callable[[], Task]] = {"pandemic": functools.partial(PandemicTask, name="pandemic")}

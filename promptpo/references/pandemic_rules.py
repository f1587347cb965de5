"""Rule-based references for the pandemic task: a fixed stage, and a threshold rule on the tested fractions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from promptpo.envs.pandemic import KEEP, LOWER, RAISE

Act = Callable[[Any], int]


def always_stage(stage: int) -> Callable[[], Act]:
    """Factory of the policy that moves to `stage` (one step a day from stage 0) and stays there."""

    def act(obs: Any) -> int:
        return RAISE if obs.stage < stage else LOWER if obs.stage > stage else KEEP

    return lambda: act


def threshold_rule(raise_infected: float = 0.02, lower_infected: float = 0.005) -> Callable[[], Act]:
    """Factory of a threshold rule: raise the stage (up to 4) while the tested-infected fraction is at least
    `raise_infected` or critical cases are above the threshold; lower it while the tested-infected fraction is
    below `lower_infected` and the critical cases are not; keep it otherwise (a hysteresis band)."""

    def act(obs: Any) -> int:
        if obs.critical_above_threshold or obs.tested_infected >= raise_infected:
            return RAISE
        if obs.tested_infected < lower_infected:
            return LOWER
        return KEEP

    return lambda: act

"""Reference insulin controllers for the glucose task: constant rates, simglucose's basal-bolus controller and a
PD controller. Rates are in U/min and always within the task's bounds [0, 0.1]."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from promptpo.envs.glucose import MAX_INSULIN

with warnings.catch_warnings():  # simglucose's packaging warnings (see promptpo.envs.glucose)
    warnings.simplefilter("ignore")
    from simglucose.controller.basal_bolus_ctrller import BBController
    from simglucose.simulation.env import Observation

Act = Callable[[Any], np.ndarray]
SAMPLE_TIME = 5  # minutes per step


def steady_basal(patient: str) -> float:
    """The patient's steady-state basal rate (U/min), u2ss * body weight / 6000, as simglucose's BBController
    computes it (0.0211 U/min for adult#001)."""
    return float(BBController()._bb_policy(patient, 0.0, 140.0, SAMPLE_TIME).basal)


def constant_rate(rate: float) -> Callable[[], Act]:
    """Factory of the policy that always delivers `rate` U/min."""
    action = np.array([rate])
    return lambda: lambda obs: action.copy()


def basal_bolus(patient: str, target: float = 140.0) -> Callable[[], Act]:
    """Factory of simglucose's BBController (basal rate, a meal bolus from the carbohydrate ratio and a
    correction above 150 mg/dL towards `target`), fed the meal announcement (`GlucoseReferenceObservation.meal`).

    Its doses can exceed the task's 0.1 U/min bound (a bolus is a large dose within one step); here the rate is
    capped at 0.1 U/min and the rest is carried over to the following steps, so every unit it asks for is given.
    """

    def make() -> Act:
        controller, owed = BBController(target=target), [0.0]

        def act(obs: Any) -> np.ndarray:
            observation = Observation(CGM=float(obs.cgm[-1]))
            dose = controller.policy(observation, 0.0, False, patient_name=patient, meal=obs.meal, sample_time=5)
            owed[0] += (dose.basal + dose.bolus) * SAMPLE_TIME  # units asked for this step
            rate = min(owed[0] / SAMPLE_TIME, MAX_INSULIN)
            owed[0] -= rate * SAMPLE_TIME
            return np.array([rate])

        return act

    return make


def pd_controller(
    patient: str, target: float = 110.0, kp: float = 1e-3, kd: float = 5e-3, suspend_below: float = 80.0
) -> Callable[[], Act]:
    """Factory of a PD controller on the CGM: basal + kp * (cgm - target) + kd * (cgm change per minute over the
    last step), clipped to [0, 0.1] U/min; no insulin while the CGM is below `suspend_below` mg/dL. Gains picked
    by hand on selection seed 0 over one day (not on held-out seeds)."""
    basal = steady_basal(patient)

    def act(obs: Any) -> np.ndarray:
        cgm = float(obs.cgm[-1])
        if cgm < suspend_below:
            return np.array([0.0])
        slope = (cgm - float(obs.cgm[-2])) / SAMPLE_TIME if obs.cgm[-2] >= 0 else 0.0
        return np.array([float(np.clip(basal + kp * (cgm - target) + kd * slope, 0.0, MAX_INSULIN))])

    return lambda: act

"""Glucose: simglucose's UVA/Padova type-1 diabetes simulator (adult#001, Insulet pump), insulin dosed every 5 min."""

from __future__ import annotations

import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import gymnasium as gym
import numpy as np

# simglucose 0.2.11 imports the old `gym` package (whose registration imports the deprecated `pkg_resources`) and
# `pkg_resources` itself when its modules load: their deprecation warnings concern its packaging, not this env.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from simglucose.actuator.pump import InsulinPump
    from simglucose.controller.base import Action
    from simglucose.patient.t1dpatient import T1DPatient
    from simglucose.sensor.cgm import CGMSensor
    from simglucose.simulation.env import T1DSimEnv
    from simglucose.simulation.scenario_gen import RandomScenario

HISTORY_STEPS = 48  # 4 hours of 5-minute steps
PADDING = -1.0  # history entries from before the episode started
MAX_INSULIN = 0.1  # U/min, the action bound
FAILURE_PENALTY = -100_000.0


def magni_risk(bg: float) -> float:
    """Magni et al.'s glycaemic risk of a blood glucose `bg` (mg/dL): 0 at about 93.8 mg/dL, growing fast on both
    sides (7.5 at 70, 14.1 at 140, 37.4 at 180, 84.5 at 250, 303 at 600). bg is floored at 1 mg/dL."""
    bg = max(bg, 1.0)
    return 10.0 * (3.5506 * (math.log(bg**0.8353) - 3.7932)) ** 2


def glucose_reward(bg: float) -> float:
    """Reward of one 5-minute step, from the patient's true blood glucose `bg` (mg/dL) during the step (its mean
    over the step's 5 minutes; not the CGM reading the policy sees).

    -100000 when bg < 10 or bg > 1000 (the episode ends there); otherwise minus the Magni risk:
        risk = 10 * (3.5506 * (ln(max(bg, 1) ** 0.8353) - 3.7932)) ** 2
    which is 0 at about 93.8 mg/dL, 7.5 at 70, 14.1 at 140, 37.4 at 180, 84.5 at 250 and 303 at 600.
    """
    if bg < 10 or bg > 1000:
        return -100000.0
    bg = max(bg, 1.0)
    return -10.0 * (3.5506 * (math.log(bg**0.8353) - 3.7932)) ** 2


def glucose_failed(bg: float) -> bool:
    """The episode ends when the true blood glucose leaves [10, 1000] mg/dL."""
    return bg < 10 or bg > 1000


def glucose_metrics(bg: Sequence[float]) -> dict[str, float]:
    """Clinical summary of one episode's true blood-glucose trace (mg/dL, one value per step).

    time_in_range: fraction of steps with 70 <= bg <= 180. hypo / hyper: fractions below 70 / above 180.
    risk_index: mean of Kovatchev's LBGI + HBGI per step (simglucose's `risk_index`, horizon 1).
    """
    values = np.asarray(bg, dtype=float)
    f = 1.509 * (np.log(np.maximum(values, 1.0)) ** 1.084 - 5.381)
    risk = 10 * f**2  # low-risk part where f < 0, high where f > 0: their sum per step is 10 f^2
    return {
        "time_in_range": float(np.mean((values >= 70) & (values <= 180))),
        "hypo": float(np.mean(values < 70)),
        "hyper": float(np.mean(values > 180)),
        "risk_index": float(np.mean(risk)),
    }


@dataclass(frozen=True)
class GlucoseParams:
    """Every setting of the glucose env.

    patient / sensor / pump: simglucose names (the sensor's sample time is the step length: GuardianRT = 5 min).
    cgm_noise: False (the benchmark's choice) reads the sensor without noise, clipped to its 39-600 mg/dL range;
    True uses simglucose's Johnson-distributed sensor noise. horizon: steps per episode (288 = 1 day).
    start: clock time of every episode's start (meals follow the clock). random_start: draw the patient's
    initial glucose states around their steady state (simglucose's `random_init_bg`), seeded per episode.
    """

    patient: str = "adult#001"
    sensor: str = "GuardianRT"
    pump: str = "Insulet"
    cgm_noise: bool = False
    horizon: int = 576
    start: datetime = datetime(2018, 1, 1, 0, 0)
    random_start: bool = True


DEFAULT_PARAMS = GlucoseParams()


class NoiselessCGM(CGMSensor):
    """simglucose's CGM sensor without its noise: each sample is the subcutaneous glucose, clipped to the
    sensor's range, held between samples like the real sensor."""

    def measure(self, patient: T1DPatient) -> float:
        if patient.t % self.sample_time == 0:
            self._last_CGM = float(np.clip(patient.observation.Gsub, self._params["min"], self._params["max"]))
        return self._last_CGM


class GlucoseEnv(gym.Env):
    """Dose insulin for a virtual type-1 diabetes patient (simglucose's adult#001) through a day of meals.

    Built on simglucose 0.2.11's core simulator (`T1DSimEnv` with a `T1DPatient`, a GuardianRT CGM, an Insulet
    pump and a `RandomScenario` of meals), not its gymnasium wrapper, which hard-codes a 3-minute sensor, ignores
    `reset(seed=)` and starts at a random hour.

    ## Observation
    float32 vector of 96: the last 48 CGM values (mg/dL, oldest first, index 47 the newest; each is simglucose's
    value for a step: the sensor samples every 5 minutes and holds the reading, and simglucose averages the held
    value over the step's minutes, so 4/5 of it is the previous sample and 1/5 the new one) and the last 48
    insulin rates delivered (U/min per 5-minute step, oldest first, index 95 the rate of the last step); entries
    from before the episode began are -1. At reset the newest CGM reading is the starting one and no insulin has
    been delivered yet (all 48 insulin entries are -1).

    ## Action
    Box(0, 0.1, (1,)): the insulin rate (U/min) the pump delivers for the next 5 minutes; the pump rounds it to
    its increment (0.05 pmol/min, i.e. about 8e-6 U/min). adult#001's steady basal is 0.0211 U/min.

    ## Reward
    `glucose_reward` of the true blood glucose (simglucose's subcutaneous glucose `Gsub`, averaged over the 5
    minutes of the step, as simglucose reports it): minus the Magni risk, or -100000 on the step where it leaves
    [10, 1000] mg/dL.

    ## Termination
    Terminated when the true blood glucose leaves [10, 1000] mg/dL (`glucose_failed`); truncated after `horizon`
    steps. simglucose's own end at 600 mg/dL is not used.

    ## Seeding
    `reset(seed=s)` draws three seeds from `numpy.random.default_rng(s)`: the patient's random start, the meal
    scenario, the sensor noise; `reset()` continues the stream. Same seed, same episode, in any process.

    ## Info
    bg (true blood glucose, mg/dL), cgm, meal (carbohydrate eaten over the step, g/min), insulin (U/min
    delivered), minutes (since the episode started).

    ## Differences from the benchmark (Pan et al.'s fork of simglucose)
    - Meals: simglucose's `RandomScenario` (the benchmark's meal probabilities and times, fixed mean sizes 45 /
      10 / 70 / 10 / 80 / 10 g); the benchmark sized meals with the Harris-Benedict equation.
    - Start: a fixed clock time (2018-01-01 00:00) with simglucose's seeded random initial state and an empty
      history (-1 padding); the benchmark started each episode from a stored controller-run history.
    - Action: the insulin rate in U/min directly; the benchmark rescaled the action to the patient's insulin
      rate (within about 10% of U/min for adult#001).
    - Horizon: a parameter; the benchmark (and the paper) ran 5,760 steps (20 days).
    """

    metadata = {"render_modes": []}

    def __init__(self, params: GlucoseParams = DEFAULT_PARAMS) -> None:
        self.params = params
        self.observation_space = gym.spaces.Box(-1.0, 1000.0, shape=(2 * HISTORY_STEPS,), dtype=np.float32)
        self.action_space = gym.spaces.Box(0.0, MAX_INSULIN, shape=(1,), dtype=np.float32)
        self._sim: T1DSimEnv | None = None
        self._steps = 0
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        patient_seed, scenario_seed, sensor_seed = (int(s) for s in self.np_random.integers(0, 2**31, size=3))
        p = self.params
        patient = T1DPatient.withName(p.patient, random_init_bg=p.random_start, seed=patient_seed)
        sensor_class = CGMSensor if p.cgm_noise else NoiselessCGM
        sensor = sensor_class.withName(p.sensor, seed=sensor_seed)
        scenario = RandomScenario(start_time=p.start, seed=scenario_seed)
        self._sim = T1DSimEnv(patient, sensor, InsulinPump.withName(p.pump), scenario)
        self._cgm = deque([PADDING] * HISTORY_STEPS, maxlen=HISTORY_STEPS)
        self._insulin = deque([PADDING] * HISTORY_STEPS, maxlen=HISTORY_STEPS)
        self._cgm.append(float(self._sim.CGM_hist[-1]))
        self._steps, self._done = 0, False
        bg = float(self._sim.BG_hist[-1])
        return self._observation(), {"bg": bg, "cgm": self._cgm[-1], "meal": 0.0, "insulin": 0.0, "minutes": 0}

    def step(self, action: Any):
        if self._sim is None or self._done:
            raise RuntimeError("step() after the episode ended (or before the first reset): call reset() first")
        rate = float(np.asarray(action, dtype=np.float64).reshape(-1)[0])  # a Python float: numpy 2 breaks its ODE
        if not 0.0 <= rate <= float(self.action_space.high[0]):  # float32 0.1 is a little above 0.1
            raise AssertionError(f"insulin rate {rate!r} is outside [0, {MAX_INSULIN}] U/min")
        result = self._sim.step(Action(basal=rate, bolus=0.0))
        bg, cgm = float(result.info["bg"]), float(result.observation.CGM)
        self._cgm.append(cgm)
        self._insulin.append(float(self._sim.insulin_hist[-1]))
        self._steps += 1
        terminated = glucose_failed(bg)
        truncated = not terminated and self._steps >= self.params.horizon
        info = {
            "bg": bg,
            "cgm": cgm,
            "meal": float(result.info["meal"]),
            "insulin": self._insulin[-1],
            "minutes": int(self._steps * self._sim.sample_time),
        }
        self._done = terminated or truncated
        return self._observation(), glucose_reward(bg), terminated, truncated, info

    def _observation(self) -> np.ndarray:
        return np.array([*self._cgm, *self._insulin], dtype=np.float32)

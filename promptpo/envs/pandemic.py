"""Pandemic: an agent-based SEIR model of a 500-person town whose lockdown stage (0-4) a policy sets once a day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

# ---- disease labels and their summary ------------------------------------------------------------------------------

LABELS = (
    "susceptible",
    "exposed",
    "pre_asymptomatic",
    "pre_symptomatic",
    "asymptomatic",
    "symptomatic",
    "needs_hospitalization",
    "hospitalized",
    "recovered",
    "deceased",
)
S, E, PRE_ASYM, PRE_SYM, ASYM, SYM, NEEDS_HOSP, HOSP, REC, DEAD = range(len(LABELS))
INFECTIOUS = (PRE_ASYM, PRE_SYM, ASYM, SYM, NEEDS_HOSP, HOSP)

SUMMARY = ("none", "infected", "critical", "recovered", "dead")
NONE, INFECTED, CRITICAL, RECOVERED, DEAD_SUMMARY = range(len(SUMMARY))
# label -> summary state (PandemicSimulator's grouping: an exposed person is not yet "infected")
SUMMARY_OF_LABEL = np.array(
    [NONE, NONE, INFECTED, INFECTED, INFECTED, INFECTED, CRITICAL, CRITICAL, RECOVERED, DEAD_SUMMARY]
)

# ---- places --------------------------------------------------------------------------------------------------------

VENUES = ("grocery", "office", "school", "hospital", "retail", "hair_salon", "restaurant", "bar")
ERRANDS = ("grocery", "retail", "hair_salon", "restaurant", "bar")  # venues people visit besides their workplace


@dataclass(frozen=True)
class Stage:
    """One row of the regulation table (after the City of Austin's staged COVID-19 guidelines).

    distancing: fraction of contacts avoided at venues and gatherings (not at home). masks: venue and gathering
    transmission is multiplied by `PandemicParams.mask_factor`. sick_stay_home: symptomatic people stay home.
    gathering_limit: largest private gathering allowed (None = no limit). closed: venue types that are closed
    (their workers stay home, nobody visits).
    """

    distancing: float
    masks: bool
    sick_stay_home: bool
    gathering_limit: int | None
    closed: frozenset[str]


STAGES: tuple[Stage, ...] = (
    Stage(0.0, False, False, None, frozenset()),
    Stage(0.0, False, True, 10, frozenset()),
    Stage(0.3, True, True, 10, frozenset({"school", "hair_salon"})),
    Stage(0.5, True, True, 0, frozenset({"school", "hair_salon"})),
    Stage(0.7, True, True, 0, frozenset({"office", "school", "hair_salon", "retail"})),
)
MAX_STAGE = len(STAGES) - 1

LOWER, KEEP, RAISE = 0, 1, 2  # actions


@dataclass(frozen=True)
class PandemicParams:
    """Every parameter of the model, in one place. Times are in days; rates are per day.

    Town: `num_people` people in `num_homes` homes; `venues` gives how many of each venue type there are;
    `hospital_beds` beds; the capacity threshold (the observation's flag, and PandemicSimulator's) is
    `capacity_fraction` of the population, i.e. 5 people, which equals the number of beds.

    Calibration (this project's own choices, see the module's Differences section): contacts per day at home and
    per visit at each venue type, visit probabilities, gatherings, the mask factor and the age-dependent
    hospitalisation and death shares were chosen so that stage 0 overloads the hospital for weeks and stage 4
    keeps it under capacity (tests/test_pandemic.py checks both, and that stage 2 overloads it on few days if any).
    """

    num_people: int = 500
    num_homes: int = 150
    venues: tuple[tuple[str, int], ...] = (
        ("grocery", 2),
        ("office", 2),
        ("school", 10),
        ("hospital", 1),
        ("retail", 2),
        ("hair_salon", 2),
        ("restaurant", 1),
        ("bar", 1),
    )
    hospital_beds: int = 5
    capacity_fraction: float = 0.01
    horizon: int = 192

    # population: age groups [lower, upper) in years and their shares of the population
    age_groups: tuple[tuple[int, int], ...] = ((0, 5), (5, 18), (18, 30), (30, 50), (50, 65), (65, 80), (80, 100))
    age_shares: tuple[float, ...] = (0.06, 0.16, 0.16, 0.26, 0.19, 0.12, 0.05)
    employment_rate: float = 0.85  # of people aged 18-64; the others and everyone 65+ stay out of work
    # share of workers employed at each venue type (offices employ most; schools' staff are the teachers)
    workplace_shares: tuple[tuple[str, float], ...] = (
        ("office", 0.55),
        ("grocery", 0.08),
        ("school", 0.12),
        ("hospital", 0.08),
        ("retail", 0.08),
        ("hair_salon", 0.03),
        ("restaurant", 0.03),
        ("bar", 0.03),
    )

    # disease (PandemicSimulator's published values where it has one)
    initial_exposed: int = 6
    spread_mean: float = 0.021  # per-contact transmission probability of an infectious person ~ truncnorm(mean, std)
    spread_std: float = 0.01
    exposed_days: float = 2.9  # exposed -> pre-(a)symptomatic
    pre_days: float = 2.3  # pre-(a)symptomatic -> (a)symptomatic
    recovery_days: float = 4.0  # (a)symptomatic -> recovered (or, for some symptomatic people, -> critical)
    hospital_recovery_days: float = 10.7  # critical -> recovered
    hospital_death_days: float = 8.1  # critical -> deceased
    symptomatic_fraction: float = 0.57
    # per age group (same order as age_groups): share of symptomatic people who become critical, and the death
    # share of critical people with a bed
    hospitalization_share: tuple[float, ...] = (0.01, 0.01, 0.06, 0.12, 0.25, 0.45, 0.6)
    death_share: tuple[float, ...] = (0.0, 0.0, 0.02, 0.05, 0.12, 0.25, 0.4)
    no_bed_death_factor: float = 3.0  # a critical person without a bed dies this many times faster

    # contacts: events per day between each pair of household members; contacts per attendee per day at a venue
    home_contacts: float = 3.0
    venue_contacts: tuple[tuple[str, float], ...] = (
        ("grocery", 5.0),
        ("office", 10.0),
        ("school", 12.0),
        ("hospital", 5.0),
        ("retail", 5.0),
        ("hair_salon", 4.0),
        ("restaurant", 8.0),
        ("bar", 10.0),
    )
    visit_probability: tuple[tuple[str, float], ...] = (  # per person aged 5+ per day (bar: 18+)
        ("grocery", 0.15),
        ("retail", 0.1),
        ("hair_salon", 0.03),
        ("restaurant", 0.1),
        ("bar", 0.06),
    )
    gatherings_per_day: int = 3
    gathering_size: int = 15
    gathering_contacts: float = 8.0
    mask_factor: float = 0.5

    # testing: daily probability that a person is tested, by the true state
    test_spontaneous: float = 0.02
    test_symptomatic: float = 0.3
    test_critical: float = 1.0
    false_positive: float = 0.001
    false_negative: float = 0.01

    # the benchmark's more transmissible variant: from a day drawn uniformly in [first, last) on, `variant_seeds`
    # susceptible people are exposed to it, and the people they infect carry it too; None = no variant
    variant_days: tuple[int, int] | None = (95, 105)
    variant_spread_mean: float = 0.03
    variant_seeds: int = 6

    # True: the reward's lower-stage term is indexed by the action, as in the benchmark's code
    # (`pandemic_reward_indexed_by_action`); False: by the stage (`pandemic_reward`)
    stage_term_by_action: bool = False

    @property
    def capacity(self) -> int:
        """Critical people the hospital threshold allows: capacity_fraction of the population (5)."""
        return int(round(self.capacity_fraction * self.num_people))


DEFAULT_PARAMS = PandemicParams()


def pandemic_reward(critical: int, population: int, stage: int, previous_stage: int) -> float:
    """Reward of one simulated day (the benchmark's training reward for the pandemic task).

    critical: people who are critical at the end of the day (needing hospitalisation or hospitalised), true count.
    population: number of people in the town (500). stage / previous_stage: regulation stage (0-4) after and
    before today's action.

    reward = -10 * critical / population               (critical term)
             - 0.1 * (stage / 4) ** 1.5                 (lower-stage term: 0, -0.0125, -0.0354, -0.065, -0.1)
             - 0.01 * abs(stage - previous_stage)       (smoothness term)
    """
    critical_term = -critical / population
    stage_term = -((stage / 4) ** 1.5)
    smoothness_term = -abs(stage - previous_stage)
    return 10.0 * critical_term + 0.1 * stage_term + 0.01 * smoothness_term


def pandemic_reward_indexed_by_action(
    critical: int, population: int, action: int, stage: int, previous_stage: int
) -> float:
    """`pandemic_reward` with the lower-stage term indexed as the benchmark's code indexes it: by the action
    (0 lower, 1 keep, 2 raise -> 0, -0.125, -0.354 before the 0.1 weight), not by the stage."""
    return pandemic_reward(critical, population, stage, previous_stage) + 0.1 * (
        (stage / 4) ** 1.5 - (action / 4) ** 1.5
    )


# ---- the town ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Town:
    """Who lives where and works where (arrays over people, read-only).

    age: years. age_group: index into PandemicParams.age_groups. home: home index 0..num_homes-1.
    workplace: venue index (into `venue_type`) or -1 (no work: children, retirees, unemployed). student: attends
    the school `workplace` (children aged 5-17). venue_type: type name of each venue index.
    """

    age: np.ndarray
    age_group: np.ndarray
    home: np.ndarray
    workplace: np.ndarray
    venue_type: tuple[str, ...]

    @property
    def num_venues(self) -> int:
        return len(self.venue_type)


def build_town(params: PandemicParams, rng: np.random.Generator) -> Town:
    """A random town: ages from the age shares, homes with at least one adult each, workplaces and schools."""
    n = params.num_people
    groups = rng.choice(len(params.age_groups), size=n, p=np.array(params.age_shares) / sum(params.age_shares))
    low, high = np.array(params.age_groups).T
    age = rng.integers(low[groups], high[groups])
    # Homes: one adult (18-64) heads each home, everyone else joins a home uniformly at random.
    adults = rng.permutation(np.flatnonzero((age >= 18) & (age < 65)))
    if len(adults) < params.num_homes:
        raise ValueError("fewer working-age adults than homes: change age_shares or num_homes")
    home = rng.integers(0, params.num_homes, size=n)
    home[adults[: params.num_homes]] = np.arange(params.num_homes)

    venue_type = tuple(kind for kind, count in params.venues for _ in range(count))
    venues_of = {kind: np.array([i for i, t in enumerate(venue_type) if t == kind]) for kind in VENUES}
    workplace = np.full(n, -1)
    students = np.flatnonzero((age >= 5) & (age < 18))
    workplace[students] = rng.choice(venues_of["school"], size=len(students))
    workers = np.flatnonzero((age >= 18) & (age < 65) & (rng.random(n) < params.employment_rate))
    kinds, shares = zip(*params.workplace_shares)
    kind_of_worker = rng.choice(len(kinds), size=len(workers), p=np.array(shares) / sum(shares))
    for k, kind in enumerate(kinds):
        chosen = workers[kind_of_worker == k]
        workplace[chosen] = rng.choice(venues_of[kind], size=len(chosen))
    for array in (age, groups, home, workplace):
        array.flags.writeable = False
    return Town(age=age, age_group=groups, home=home, workplace=workplace, venue_type=venue_type)


# ---- the environment -----------------------------------------------------------------------------------------------


class PandemicEnv(gym.Env):
    """A town of 500 people in 150 homes during an epidemic; each day the policy lowers, keeps or raises the
    regulation stage (0-4), trading critical cases against restrictions.

    ## Model (one step = one day)
    People live in homes and go to school (ages 5-17) or work (85% of ages 18-64, at an office, a school, the
    hospital or a shop) and run errands (grocery, retail, hair salon, restaurant, bar) with fixed daily
    probabilities; a few private gatherings take place every day. Infection is a daily hazard: a susceptible
    person meeting infectious people is infected with probability 1 - exp(-h), where h sums, over the places the
    person went today, contacts x the infectious people's transmission probabilities / (people there - 1) (at home:
    contacts x the sum, every household member being met). Disease progression follows PandemicSimulator's labels
    (`LABELS`): susceptible -> exposed -> pre-(a)symptomatic -> (a)symptomatic -> recovered; some symptomatic
    people become critical (needing hospitalisation; admitted while one of 5 beds is free) and then recover or die.
    Each dwell time is geometric with the mean in `PandemicParams`.

    ## Regulations (`STAGES`)
    0: none. 1: sick people stay home, gatherings of at most 10. 2: as 1, plus masks, distancing 0.3, schools and
    hair salons closed. 3: distancing 0.5, no gatherings. 4: distancing 0.7, offices, schools, hair salons and
    retail closed. Groceries, restaurants, the bar and the hospital stay open at every stage.

    ## Observation
    float32 vector of 8: the test-based fractions of the population whose latest result says none, infected,
    critical, recovered, dead (5 values: people never tested count as none; deaths are always known; people known
    to be critical are retested daily, people known to be infected with probability 0.3), then the stage (0-4),
    the day (0-191), and 1.0 if the test-based critical fraction exceeds the capacity threshold (1% = 5 people)
    else 0.0. Tests each day: critical people with
    probability 1, symptomatic 0.3, everyone else 0.02; a test reports the person's summary state, with false
    positives 0.001 (none -> infected) and false negatives 0.01 (infected -> none).

    ## Action
    Discrete(3): 0 lower the stage by one, 1 keep it, 2 raise it by one; the stage stays within [0, 4]. The
    episode starts at stage 0.

    ## Reward
    `pandemic_reward` of the true critical count, the new stage and the previous stage (the benchmark's training
    reward, its lower-stage term indexed by the stage; `stage_term_by_action=True` indexes it by the action as the
    benchmark's code did, `pandemic_reward_indexed_by_action`).

    ## Termination
    Never terminates early; truncated after 192 days.

    ## Seeding
    `reset(seed=s)` draws the town (ages, homes, workplaces), the 6 initially exposed people, the variant's day
    and every daily event from `numpy.random.default_rng(s)`; `reset()` continues the stream. Same seed, same
    trajectory for the same actions.

    ## Info
    day, stage, `labels` (true count per label), `summary` (true count per summary state), `critical` (true),
    `hospitalized`, `tested` (people tested that day).

    ## Differences from PandemicSimulator (the benchmark's simulator, which cannot be installed here)
    - Time: one step per day with daily hazards; PandemicSimulator runs 24 hourly steps per day with per-hour
      location schedules and contact graphs, weekends included.
    - Contacts: a contact count per place and day (homes: every member met `home_contacts` times) instead of
      per-hour contact sampling; venue workers and visitors share one pool per venue and day.
    - Town: ages from this module's age shares; each home has one working-age adult and random other members;
      workplaces drawn by type share. PandemicSimulator builds households, schools and jobs with its own rules.
    - Transmission: each infected person's per-contact transmission probability is drawn from a normal
      distribution truncated at 0 (mean 0.021, sd 0.01) when infected; masks halve venue transmission; distancing
      removes that fraction of venue contacts. PandemicSimulator's mask and distancing mechanics differ in detail.
    - Disease: geometric dwell times with PandemicSimulator's means; hospitalisation and death shares by age
      group are this project's calibration (see `PandemicParams`), not its CDC-derived tables; critical people
      without a bed die `no_bed_death_factor` times faster; a critical person's outcome is decided by competing
      daily hazards (death share with a bed: h_d / (h_d + h_r) with h_d = share / 8.1, h_r = (1 - share) / 10.7).
    - Variant: optional (on by default, as in the benchmark's runs): on a day drawn in [95, 105), 6 susceptible
      people are exposed to a variant with mean transmission probability 0.03, inherited by those they infect.
    - Observation: this module's test model (latest test result per person); PandemicSimulator's testing differs
      in detail. No separate "time of day" or location observations.
    - Reward: the benchmark's training reward with the lower-stage term indexed by the stage (the benchmark's
      code indexed it by the action; `stage_term_by_action=True` restores that). PandemicSimulator's own default
      reward (weights 0.4 / 1 / 0.1 / 0.02 on critical above capacity, above 3x capacity, stage, smoothness) is
      not used.
    """

    metadata = {"render_modes": []}

    def __init__(self, params: PandemicParams = DEFAULT_PARAMS) -> None:
        self.params = params
        self.observation_space = gym.spaces.Box(0.0, float(params.horizon), shape=(8,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)
        self._venue_contacts = dict(params.venue_contacts)
        self._visits = dict(params.visit_probability)
        self._done = True

    # ---- episode ----------------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        p, rng = self.params, self.np_random
        self.town = build_town(p, rng)
        self.label = np.full(p.num_people, S)
        self.spread = np.zeros(p.num_people)  # per-contact transmission probability while infectious
        self.variant = np.zeros(p.num_people, dtype=bool)
        self.known = np.full(p.num_people, NONE)  # summary state of each person's latest test
        self.waiting_since = np.zeros(p.num_people)  # when a critical person started waiting for a bed
        self.stage, self.day, self._done = 0, 0, False
        self._tested = 0
        self.variant_day = None if p.variant_days is None else int(rng.integers(*p.variant_days))
        self._expose(rng.choice(p.num_people, size=p.initial_exposed, replace=False), variant=False)
        return self._observation(), self._info()

    def step(self, action: Any):
        if not self.action_space.contains(action):
            raise AssertionError(f"invalid pandemic action {action!r}: expected an int in 0..2")
        if self._done:
            raise RuntimeError("step() after the episode ended: call reset() first")
        previous = self.stage
        self.stage = int(np.clip(self.stage + int(action) - 1, 0, MAX_STAGE))
        if self.variant_day is not None and self.day == self.variant_day:
            susceptible = np.flatnonzero(self.label == S)
            count = min(self.params.variant_seeds, len(susceptible))
            self._expose(self.np_random.choice(susceptible, size=count, replace=False), variant=True)
        self._simulate_day()
        self.day += 1
        critical = int(np.isin(self.label, (NEEDS_HOSP, HOSP)).sum())
        population = self.params.num_people
        if self.params.stage_term_by_action:
            reward = pandemic_reward_indexed_by_action(critical, population, int(action), self.stage, previous)
        else:
            reward = pandemic_reward(critical, population, self.stage, previous)
        truncated = self.day >= self.params.horizon
        self._done = truncated
        return self._observation(), reward, False, truncated, self._info()

    # ---- one day ------------------------------------------------------------------------------------------------

    def _simulate_day(self) -> None:
        """Transmission from today's infectious people, then progression, admissions and tests, in that order
        (people infected today start progressing tomorrow)."""
        newly_infected, variant = self._transmission()
        self._progress()
        self._expose(newly_infected, variant=variant)
        self._admit()
        self._test()

    def _transmission(self) -> tuple[np.ndarray, np.ndarray]:
        """(people infected today, whether each carries the variant)."""
        p, rng, stage = self.params, self.np_random, STAGES[self.stage]
        person, place, weight, divide = self._attendance()
        num_places = p.num_homes + self.town.num_venues + p.gatherings_per_day
        infectious = np.isin(self.label, INFECTIOUS)
        source = np.where(infectious[person], self.spread[person], 0.0)
        variant_source = np.where(self.variant[person], source, 0.0)
        present = np.bincount(place, minlength=num_places)
        pressure = np.bincount(place, weights=source, minlength=num_places)
        variant_pressure = np.bincount(place, weights=variant_source, minlength=num_places)
        # Per attendance: contacts x infectious pressure of the others there (one's own share removed).
        others = np.where(divide, np.maximum(present[place] - 1, 1), 1)
        factor = weight / others
        venue = place >= p.num_homes
        factor = np.where(venue, factor * (1 - stage.distancing) * (p.mask_factor if stage.masks else 1.0), factor)
        hazard = factor * (pressure[place] - source)
        variant_hazard = factor * (variant_pressure[place] - variant_source)
        total = np.bincount(person, weights=hazard, minlength=p.num_people)
        total_variant = np.bincount(person, weights=variant_hazard, minlength=p.num_people)
        susceptible = self.label == S
        infected = susceptible & (rng.random(p.num_people) < 1 - np.exp(-total))
        chosen = np.flatnonzero(infected)
        share = total_variant[chosen] / np.maximum(total[chosen], 1e-300)
        return chosen, rng.random(len(chosen)) < share

    def _attendance(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Where everyone is today, as attendance records (person, place, contacts, divide-by-others).

        Places: homes 0..num_homes-1, then venues, then today's gatherings. Hospitalised people are at the
        hospital only; the dead are nowhere.
        """
        p, rng, town, stage = self.params, self.np_random, self.town, STAGES[self.stage]
        alive = self.label != DEAD
        hospitalized = self.label == HOSP
        stays_home = (self.label == NEEDS_HOSP) | (stage.sick_stay_home & (self.label == SYM))
        out = alive & ~hospitalized & ~stays_home
        open_venue = np.array([kind not in stage.closed for kind in town.venue_type])
        records: list[tuple[np.ndarray, np.ndarray, float | np.ndarray, bool]] = []

        at_home = np.flatnonzero(alive & ~hospitalized)
        records.append((at_home, town.home[at_home], p.home_contacts, False))

        contacts = np.array([self._venue_contacts[kind] for kind in town.venue_type])
        works = out & (town.workplace >= 0)
        works[works] = open_venue[town.workplace[works]]
        workers = np.flatnonzero(works)
        records.append((workers, p.num_homes + town.workplace[workers], contacts[town.workplace[workers]], True))
        hospital = town.venue_type.index("hospital")
        patients = np.flatnonzero(hospitalized)
        records.append((patients, np.full(len(patients), p.num_homes + hospital), contacts[hospital], True))

        for kind in ERRANDS:
            venues = [i for i, t in enumerate(town.venue_type) if t == kind]
            min_age = 18 if kind == "bar" else 5
            visits = out & (town.age >= min_age) & (rng.random(p.num_people) < self._visits[kind])
            visitors = np.flatnonzero(visits) if open_venue[venues[0]] else np.zeros(0, dtype=int)
            chosen = rng.choice(venues, size=len(visitors))
            records.append((visitors, p.num_homes + chosen, contacts[chosen], True))

        size = p.gathering_size if stage.gathering_limit is None else min(p.gathering_size, stage.gathering_limit)
        candidates = np.flatnonzero(out)
        first_gathering = p.num_homes + town.num_venues
        for g in range(p.gatherings_per_day):
            guests = rng.choice(candidates, size=min(size, len(candidates)), replace=False)
            records.append((guests, np.full(len(guests), first_gathering + g), p.gathering_contacts, True))

        person = np.concatenate([r[0] for r in records])
        place = np.concatenate([r[1] for r in records])
        weight = np.concatenate([np.broadcast_to(np.asarray(r[2], dtype=float), len(r[0])) for r in records])
        divide = np.concatenate([np.full(len(r[0]), r[3]) for r in records])
        return person, place, weight, divide

    def _expose(self, people: np.ndarray, variant: bool | np.ndarray) -> None:
        """Make `people` exposed, each with a transmission probability drawn for its strain."""
        p = self.params
        variant = np.broadcast_to(np.asarray(variant, dtype=bool), len(people))
        mean = np.where(variant, p.variant_spread_mean, p.spread_mean)
        self.label[people] = E
        self.variant[people] = variant
        self.spread[people] = self._truncated_normal(mean, p.spread_std)

    def _truncated_normal(self, mean: np.ndarray, std: float) -> np.ndarray:
        """Normal draws truncated at 0 (redrawn until positive)."""
        values = self.np_random.normal(mean, std)
        while np.any(bad := values <= 0):
            values[bad] = self.np_random.normal(mean[bad], std)
        return values

    def _progress(self) -> None:
        """Advance every infected person's label by one day of geometric dwell times and competing hazards."""
        p, rng, label = self.params, self.np_random, self.label
        u, branch = rng.random(p.num_people), rng.random(p.num_people)
        new = label.copy()
        leave_exposed = (label == E) & (u < 1 / p.exposed_days)
        new[leave_exposed] = np.where(branch[leave_exposed] < p.symptomatic_fraction, PRE_SYM, PRE_ASYM)
        new[(label == PRE_ASYM) & (u < 1 / p.pre_days)] = ASYM
        new[(label == PRE_SYM) & (u < 1 / p.pre_days)] = SYM
        new[(label == ASYM) & (u < 1 / p.recovery_days)] = REC
        leave_symptomatic = (label == SYM) & (u < 1 / p.recovery_days)
        to_hospital = np.array(p.hospitalization_share)[self.town.age_group]
        becomes_critical = leave_symptomatic & (branch < to_hospital)
        new[leave_symptomatic] = REC
        new[becomes_critical] = NEEDS_HOSP
        self.waiting_since[becomes_critical] = self.day
        critical = (label == NEEDS_HOSP) | (label == HOSP)
        share = np.array(p.death_share)[self.town.age_group]
        death_hazard = share / p.hospital_death_days * np.where(label == NEEDS_HOSP, p.no_bed_death_factor, 1.0)
        recovery_hazard = (1 - share) / p.hospital_recovery_days
        new[critical & (u < recovery_hazard)] = REC
        new[critical & (u >= recovery_hazard) & (u < recovery_hazard + death_hazard)] = DEAD
        self.label = new

    def _admit(self) -> None:
        """Critical people waiting for a bed are admitted, longest-waiting first, while beds are free."""
        free = self.params.hospital_beds - int((self.label == HOSP).sum())
        waiting = np.flatnonzero(self.label == NEEDS_HOSP)
        if free > 0 and len(waiting):
            order = waiting[np.argsort(self.waiting_since[waiting], kind="stable")]
            self.label[order[:free]] = HOSP

    def _test(self) -> None:
        """Today's tests update each tested person's latest known summary state."""
        p, rng = self.params, self.np_random
        truth = SUMMARY_OF_LABEL[self.label]
        rate = np.full(p.num_people, p.test_spontaneous)
        rate[(self.label == SYM) | (self.known == INFECTED)] = p.test_symptomatic  # positives are followed up
        rate[(truth == CRITICAL) | (self.known == CRITICAL)] = p.test_critical  # the hospital follows its patients
        tested = (rng.random(p.num_people) < rate) & (truth != DEAD_SUMMARY)
        noise = rng.random(p.num_people)
        result = truth.copy()
        result[(truth == NONE) & (noise < p.false_positive)] = INFECTED
        result[(truth == INFECTED) & (noise < p.false_negative)] = NONE
        self.known[tested] = result[tested]
        self.known[truth == DEAD_SUMMARY] = DEAD_SUMMARY  # every death is reported
        self._tested = int(tested.sum())

    # ---- what the policy and the logs see -----------------------------------------------------------------------

    def _observation(self) -> np.ndarray:
        p = self.params
        fractions = np.bincount(self.known, minlength=len(SUMMARY)) / p.num_people
        above = float(fractions[CRITICAL] * p.num_people > p.capacity)
        return np.concatenate([fractions, [self.stage, self.day, above]]).astype(np.float32)

    def _info(self) -> dict[str, Any]:
        labels = np.bincount(self.label, minlength=len(LABELS))
        summary = np.bincount(SUMMARY_OF_LABEL[self.label], minlength=len(SUMMARY))
        return {
            "day": self.day,
            "stage": self.stage,
            "labels": dict(zip(LABELS, labels.tolist())),
            "summary": dict(zip(SUMMARY, summary.tolist())),
            "critical": int(summary[CRITICAL]),
            "hospitalized": int(labels[HOSP]),
            "tested": self._tested,
        }

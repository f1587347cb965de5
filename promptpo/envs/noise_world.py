"""NoiseWorld: the paper's seven fixed stochastic grid worlds whose cell semantics are hidden from the LLM."""

from __future__ import annotations

import copy
import functools
from collections import deque
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

Cell = tuple[int, int]

# Internal region types (section 1 of the spec).
DETERMINISTIC, STOCHASTIC_STAY, STOCHASTIC_RESET = 1, 2, 3

# Board codes seen by the agent; free cells show their region type minus one (0, 1, 2).
CODE_WALL, CODE_GOAL, CODE_BAD, CODE_FIRST_MILESTONE, CODE_SECOND_MILESTONE = 3, 4, 5, 6, 7
BOARD_MAX_CODE = 7

# Action a moves by ACTION_DELTAS[a] in (row, column); rows grow downward, so action 0 moves up.
ACTION_DELTAS: tuple[Cell, ...] = ((-1, 0), (1, 0), (0, -1), (0, 1))


@dataclass(frozen=True)
class BoardSpec:
    """How one board is generated: side `n`, layout `seed`, and the board-specific generation step."""

    n: int
    seed: int
    ensure_all_codes: bool = False  # board 3
    milestones: bool = False  # boards 4-6


BOARDS: dict[int, BoardSpec] = {
    0: BoardSpec(5, 710000),
    1: BoardSpec(10, 710001),
    2: BoardSpec(10, 710002),
    3: BoardSpec(10, 717003, ensure_all_codes=True),
    4: BoardSpec(10, 710004, milestones=True),
    5: BoardSpec(10, 710005, milestones=True),
    6: BoardSpec(10, 713006, milestones=True),
}


def noise_world_reward(n: int, reached_goal: bool, goal_unlocked: bool, reached_bad_cell: bool) -> float:
    """Reward of one NoiseWorld step, judged on the cell the agent occupies after the step.

    Inputs: `n` is the board side (5 or 10); `reached_goal` / `reached_bad_cell` say whether that cell is the goal /
    a bad (terminal failure) cell; `goal_unlocked` is True on boards 0-3 and, on boards 4-6, once the agent has
    visited the first and then the second milestone. Units: return points, undiscounted.

    -1 every step, +n**3 on reaching the goal while it is unlocked, -n**5 on reaching a bad cell. So board 0 pays
    +125 / -3125 and boards 1-6 pay +1000 / -100000. Reaching a locked goal still ends the episode, for only -1.
    """
    reward = -1.0
    if reached_goal and goal_unlocked:
        reward += n**3
    if reached_bad_cell:
        reward -= n**5
    return reward


@dataclass(frozen=True, eq=False)
class NoiseWorldLayout:
    """One generated board as plain data (arrays are read-only, indexed [row, column]).

    codes: board codes 0..7 as the agent sees them. region_id: Voronoi region of every cell.
    region_type / p_succ / p_alt: per region, internal type (1 det, 2 stay, 3 reset) and parameters p, p'.
    walls, bad_cells: cells in generation order. milestones: () or (code-6 cell, code-7 cell).
    The episode horizon is n**2 steps (25 on board 0, 100 elsewhere).
    """

    board: int
    n: int
    seed: int
    codes: np.ndarray
    region_id: np.ndarray
    region_type: tuple[int, ...]
    p_succ: tuple[float, ...]
    p_alt: tuple[float, ...]
    walls: tuple[Cell, ...]
    bad_cells: tuple[Cell, ...]
    milestones: tuple[Cell, ...]

    @property
    def start(self) -> Cell:
        return (0, 0)

    @property
    def goal(self) -> Cell:
        return (self.n - 1, self.n - 1)

    @property
    def horizon(self) -> int:
        return self.n * self.n

    @property
    def num_phases(self) -> int:
        """Milestone phases: 0 (none visited), 1 (first visited), 2 (first then second); 1 phase on boards 0-3."""
        return 3 if self.milestones else 1

    @property
    def region_move_probability(self) -> tuple[float, ...]:
        """P(move) per region when the target is not blocked: 1, p, or p / (p + 1 - p')."""
        return tuple(_move_probability(t, p, q) for t, p, q in zip(self.region_type, self.p_succ, self.p_alt))

    def cell_type(self, cell: Cell) -> int:
        """Internal type governing moves out of `cell`; milestone cells count as deterministic."""
        if cell in self.milestones:
            return DETERMINISTIC
        return self.region_type[self.region_id[cell]]

    def outcomes(self, cell: Cell, action: int) -> tuple[tuple[float, Cell], ...]:
        """Where `action` from `cell` leads, as ((probability, next cell), ...).

        One outcome means no random number is drawn (blocked target: stay; deterministic cell: move). Two outcomes
        are (P(move), target) then (1 - P(move), failure cell): the cell itself (stay type) or the start (reset
        type). The env draws u and takes the first outcome iff u < P(move); the DP sums over both.
        """
        dr, dc = ACTION_DELTAS[action]
        target = (cell[0] + dr, cell[1] + dc)
        if not (0 <= target[0] < self.n and 0 <= target[1] < self.n) or self.codes[target] == CODE_WALL:
            return ((1.0, cell),)
        kind = self.cell_type(cell)
        if kind == DETERMINISTIC:
            return ((1.0, target),)
        region = self.region_id[cell]
        probability = _move_probability(kind, self.p_succ[region], self.p_alt[region])
        failure = cell if kind == STOCHASTIC_STAY else self.start
        return ((probability, target), (1.0 - probability, failure))

    def arrive(self, cell: Cell, phase: int) -> tuple[int, float, bool]:
        """(new phase, step reward, terminated) for a step that ends on `cell` with milestone phase `phase`."""
        if self.milestones:
            if phase == 0 and cell == self.milestones[0]:
                phase = 1
            elif phase == 1 and cell == self.milestones[1]:
                phase = 2
        reached_goal = cell == self.goal
        reached_bad = cell in self.bad_cells
        unlocked = not self.milestones or phase >= 2
        reward = noise_world_reward(self.n, reached_goal, unlocked, reached_bad)
        return phase, reward, reached_goal or reached_bad


def _move_probability(kind: int, p_succ: float, p_alt: float) -> float:
    if kind == DETERMINISTIC:
        return 1.0
    if kind == STOCHASTIC_STAY:
        return p_succ
    return p_succ / (p_succ + (1.0 - p_alt))


def board_layout(board: int) -> NoiseWorldLayout:
    """The fixed layout of `board` (0..6), identical to the tables of the spec."""
    return _generate(board)[0]


@functools.cache
def _generate(board: int) -> tuple[NoiseWorldLayout, dict[str, Any]]:
    """Layout of `board` and the state of its generator right after generation (the paper's transition stream).

    Follows section 2 of the spec draw by draw: changing the order of any `rng` call changes every board.
    """
    if board not in BOARDS:
        raise ValueError(f"unknown NoiseWorld board {board}; boards are {sorted(BOARDS)}")
    spec = BOARDS[board]
    n, rng = spec.n, np.random.default_rng(spec.seed)
    start, goal = (0, 0), (n - 1, n - 1)
    cells = [(r, c) for r in range(n) for c in range(n)]  # row-major: every candidate list starts in this order

    # 1. Voronoi seeds, then nearest seed by Manhattan distance (ties to the lower index).
    seeds = []
    for _ in range(max(4, n // 2)):
        row = int(rng.integers(0, n))
        seeds.append((row, int(rng.integers(0, n))))
    region_id = np.zeros((n, n), dtype=np.int64)
    for r, c in cells:
        best = 2 * n
        for k, (sr, sc) in enumerate(seeds):
            distance = abs(r - sr) + abs(c - sc)
            if distance < best:
                best, region_id[r, c] = distance, k

    # 2. Region parameters, interleaved per region.
    region_type, p_succ, p_alt = [], [], []
    for _ in range(int(region_id.max()) + 1):
        region_type.append(int(rng.integers(1, 4)))
        p_succ.append(float(rng.uniform(0.25, 0.95)))
        p_alt.append(float(rng.uniform(0.25, 0.95)))

    # 3. Walls that keep the goal reachable.
    max_walls = max(1, int(0.005 * n * n))
    candidates = [cell for cell in cells if cell not in (start, goal)]
    rng.shuffle(candidates)
    walls: list[Cell] = []
    for cell in candidates:
        if len(walls) >= max_walls:
            break
        if goal in _reachable(n, start, set(walls) | {cell}):
            walls.append(cell)

    # 4. Bad cells.
    free = [cell for cell in cells if cell not in walls and cell not in (start, goal)]
    rng.shuffle(free)
    bad_cells = free[: max(1, int(0.002 * n * n))]

    codes = np.array(region_type, dtype=np.int64)[region_id] - 1
    for cell in bad_cells:
        codes[cell] = CODE_BAD
    codes[goal] = CODE_GOAL
    for cell in walls:
        codes[cell] = CODE_WALL

    # 5. Board 3 must show every code 0..5. Its seed already does, so the spec's repair step never runs; its exact
    # procedure is not specified, so rather than guess one we insist that it is not needed.
    if spec.ensure_all_codes:
        missing = set(range(CODE_BAD + 1)) - set(codes.ravel().tolist())
        if missing:
            raise RuntimeError(f"board {board} lacks codes {sorted(missing)}: the generator stream has changed")

    # 6. Milestone pair among reachable plain cells.
    milestones: tuple[Cell, ...] = ()
    if spec.milestones:
        reachable = _reachable(n, start, set(walls))
        pool = [cell for cell in cells if cell in reachable and cell not in (start, goal) and cell not in bad_cells]
        rng.shuffle(pool)
        milestones = (pool[0], pool[1])
        codes[pool[0]], codes[pool[1]] = CODE_FIRST_MILESTONE, CODE_SECOND_MILESTONE

    codes.flags.writeable = False
    region_id.flags.writeable = False
    layout = NoiseWorldLayout(
        board=board,
        n=n,
        seed=spec.seed,
        codes=codes,
        region_id=region_id,
        region_type=tuple(region_type),
        p_succ=tuple(p_succ),
        p_alt=tuple(p_alt),
        walls=tuple(walls),
        bad_cells=tuple(bad_cells),
        milestones=milestones,
    )
    return layout, rng.bit_generator.state


def _reachable(n: int, start: Cell, walls: set[Cell]) -> set[Cell]:
    """Cells 4-connected to `start` without crossing `walls` (breadth-first search)."""
    seen, queue = {start}, deque([start])
    while queue:
        r, c = queue.popleft()
        for dr, dc in ACTION_DELTAS:
            cell = (r + dr, c + dc)
            if 0 <= cell[0] < n and 0 <= cell[1] < n and cell not in walls and cell not in seen:
                seen.add(cell)
                queue.append(cell)
    return seen


class NoiseWorldEnv(gym.Env):
    """NoiseWorld board `board` (0..6): reach the bottom-right goal of an n x n grid whose cells behave differently.

    ## Observation
    float32 vector `[r/(n-1), c/(n-1), 1.0, 1.0, codes (n*n, row-major)]`: agent row and column, goal row and
    column, normalised to [0, 1], then the board codes (0 det, 1 stochastic-stay, 2 stochastic-reset, 3 wall,
    4 goal, 5 bad, 6/7 milestones). Boards 4-6 append `[phase >= 1, phase >= 2]`.

    ## Action
    Discrete(4): 0 row - 1 (up), 1 row + 1 (down), 2 column - 1 (left), 3 column + 1 (right). Anything that
    `action_space.contains` rejects (a float, say) raises AssertionError.

    ## Transition
    A move off the grid or into a wall leaves the agent in place and draws no random number. Otherwise the cell
    being left decides: deterministic cells move; stochastic-stay cells move with probability p, else stay;
    stochastic-reset cells move with probability p / (p + 1 - p'), else teleport to the start (0, 0).

    ## Reward
    `noise_world_reward`: -1 per step, +n**3 on reaching the goal (boards 4-6: only after visiting milestone 6 and
    then 7), -n**5 on reaching a bad cell.

    ## Termination
    Terminated on reaching the goal (milestones or not) or a bad cell; truncated after n**2 steps.

    ## Seeding
    The layout is fixed per board. The transition stream starts as the layout generator's continuation (as in the
    paper); `reset(seed=s)` reseeds it with `numpy.random.default_rng(s)`, `reset()` continues it.

    ## Info
    reset: `pos`, `goal`, `n`, `horizon`; step: `pos`, `goal`, `steps`. Cells are (row, column) tuples.
    """

    metadata = {"render_modes": []}

    def __init__(self, board: int):
        self.layout, stream_state = _generate(board)
        self.np_random = np.random.default_rng()
        self.np_random.bit_generator.state = copy.deepcopy(stream_state)
        n = self.layout.n
        self._codes = self.layout.codes.ravel().astype(np.float32)
        size = 4 + n * n + (2 if self.layout.milestones else 0)
        self.observation_space = gym.spaces.Box(0.0, float(BOARD_MAX_CODE), shape=(size,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(4)
        self._pos: Cell = self.layout.start
        self._phase = 0
        self._steps = 0
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)  # reseeds self.np_random only when a seed is given
        self._pos, self._phase, self._steps, self._done = self.layout.start, 0, 0, False
        info = {"pos": self._pos, "goal": self.layout.goal, "n": self.layout.n, "horizon": self.layout.horizon}
        return self._observation(), info

    def step(self, action: Any):
        if not self.action_space.contains(action):
            # An explicit raise rather than `assert`, so that `python -O` cannot skip the check.
            raise AssertionError(f"invalid NoiseWorld action {action!r}: expected an int in 0..3")
        if self._done:
            raise RuntimeError("step() after the episode ended: call reset() first")
        self._steps += 1
        outcomes = self.layout.outcomes(self._pos, int(action))
        if len(outcomes) == 1:
            self._pos = outcomes[0][1]
        else:
            (move_probability, target), (_, failure) = outcomes
            self._pos = target if self.np_random.random() < move_probability else failure
        self._phase, reward, terminated = self.layout.arrive(self._pos, self._phase)
        truncated = not terminated and self._steps >= self.layout.horizon
        self._done = terminated or truncated
        info = {"pos": self._pos, "goal": self.layout.goal, "steps": self._steps}
        return self._observation(), reward, terminated, truncated, info

    def _observation(self) -> np.ndarray:
        scale = self.layout.n - 1
        head = [self._pos[0] / scale, self._pos[1] / scale, 1.0, 1.0]
        tail = [float(self._phase >= 1), float(self._phase >= 2)] if self.layout.milestones else []
        return np.concatenate([np.array(head, np.float32), self._codes, np.array(tail, np.float32)])

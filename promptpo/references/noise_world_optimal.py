"""Exact finite-horizon dynamic programming on NoiseWorld's true model: the optimal value V*(start) and a policy."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from promptpo.envs.noise_world import CODE_BAD, CODE_GOAL, CODE_WALL, board_layout


@functools.cache
def _q_values(board: int) -> np.ndarray:
    """Q[t, r, c, phase, a]: optimal expected undiscounted return with t steps left, before taking action a.

    Built from the same `layout.outcomes` / `layout.arrive` the env steps with, so the model cannot drift from the
    dynamics: blocked moves, stay and teleport failures, milestone phases and the locked goal (-1 and the episode
    ends) are all handled there. Rows for walls, the goal and bad cells stay 0: the agent never acts there.
    """
    layout = board_layout(board)
    n, phases, horizon = layout.n, layout.num_phases, layout.horizon
    acting_cells = [
        (r, c) for r in range(n) for c in range(n) if layout.codes[r, c] not in (CODE_WALL, CODE_GOAL, CODE_BAD)
    ]
    # model[(cell, phase, a)] = [(probability, next cell, next phase, reward, terminated), ...]
    model = {
        (cell, phase, action): [
            (probability, next_cell, *layout.arrive(next_cell, phase))
            for probability, next_cell in layout.outcomes(cell, action)
        ]
        for cell in acting_cells
        for phase in range(phases)
        for action in range(4)
    }
    q = np.zeros((horizon + 1, n, n, phases, 4))
    value = np.zeros((n, n, phases))  # V with t - 1 steps left
    for t in range(1, horizon + 1):
        for (cell, phase, action), outcomes in model.items():
            q[t, cell[0], cell[1], phase, action] = sum(
                probability * (reward + (0.0 if terminated else value[next_cell[0], next_cell[1], next_phase]))
                for probability, next_cell, next_phase, reward, terminated in outcomes
            )
        value = q[t].max(axis=-1)
    q.flags.writeable = False
    return q


def optimal_value(board: int) -> float:
    """V*(start): the best expected return of a full episode (n**2 steps) on `board`, from the start, phase 0."""
    layout = board_layout(board)
    q = _q_values(board)
    return float(q[layout.horizon, layout.start[0], layout.start[1], 0].max())


def optimal_policy(board: int) -> Callable[[], Callable[[Any], int]]:
    """Zero-arg factory of optimal `act(observation)` callables, one per episode.

    `act` reads `agent_row` / `agent_col` from any NoiseWorld observation object, counts its own steps (steps left
    matters in a finite horizon) and tracks the milestone phase from the cells it sees, so it works for both the
    key-info and the no-key-info observation classes. Ties go to the lowest action index.
    """
    layout = board_layout(board)
    q = _q_values(board)

    def make_act() -> Callable[[Any], int]:
        steps, phase = 0, 0

        def act(observation: Any) -> int:
            nonlocal steps, phase
            cell = (round(observation.agent_row * (layout.n - 1)), round(observation.agent_col * (layout.n - 1)))
            phase = layout.arrive(cell, phase)[0]  # the phase update the env applied when we entered `cell`
            action = int(np.argmax(q[layout.horizon - steps, cell[0], cell[1], phase]))
            steps += 1
            return action

        return act

    return make_act

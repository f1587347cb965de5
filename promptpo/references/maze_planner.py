"""Point-maze reference: shortest cell path on the true map (A*), then a PD controller through its corner cells."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

from promptpo.tasks.hard_exploration.point_maze import (
    MazeMap,
    PointMazeObservation,
    PointMazeTask,
    cell_centre,
    cell_of,
    free_cells,
)

Cell = tuple[int, int]
Act = Callable[[PointMazeObservation], np.ndarray]


def shortest_cell_path(free: frozenset[Cell], start: Cell, goal: Cell) -> list[Cell]:
    """A* over 4-connected free cells with the Manhattan heuristic: the cells from `start` to `goal`, both included.

    Raises ValueError when `goal` cannot be reached (never the case for the tasks' maps).
    """

    def heuristic(cell: Cell) -> int:
        return abs(cell[0] - goal[0]) + abs(cell[1] - goal[1])

    came_from: dict[Cell, Cell | None] = {start: None}
    cost: dict[Cell, int] = {start: 0}
    frontier = [(heuristic(start), 0, start)]
    while frontier:
        _, steps, cell = heapq.heappop(frontier)
        if cell == goal:
            path = [cell]
            while (parent := came_from[path[-1]]) is not None:
                path.append(parent)
            return path[::-1]
        if steps > cost[cell]:
            continue  # a stale queue entry
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            neighbour = (cell[0] + di, cell[1] + dj)
            if neighbour in free and steps + 1 < cost.get(neighbour, math.inf):
                cost[neighbour], came_from[neighbour] = steps + 1, cell
                heapq.heappush(frontier, (steps + 1 + heuristic(neighbour), steps + 1, neighbour))
    raise ValueError(f"no path from cell {start} to cell {goal}")


def corner_cells(path: list[Cell]) -> list[Cell]:
    """The cells of `path` where it turns, plus its last cell.

    Between consecutive corners the path is one straight corridor of free cells, a convex rectangle, so the
    straight line from any point of one corner's cell to the next corner's centre never crosses a wall.
    """
    corners = [
        path[k]
        for k in range(1, len(path) - 1)
        if (path[k][0] - path[k - 1][0], path[k][1] - path[k - 1][1])
        != (path[k + 1][0] - path[k][0], path[k + 1][1] - path[k][1])
    ]
    return corners + path[-1:]


class MazePlannerPolicy:
    """Follows the shortest cell path to the goal's cell, steering with a PD law towards one waypoint at a time.

    Waypoints are the centres of the path's corner cells, then the goal itself. The current waypoint is
    dropped once the ball is within `switch_radius` metres of it; the path is re-planned whenever the ball is in
    a cell that is not on it (a bounce off a wall or an overshoot into a side corridor).
    """

    def __init__(self, maze_map: MazeMap, free: frozenset[Cell], kp: float, kd: float, switch_radius: float) -> None:
        self.maze_map, self.free = maze_map, free
        self.kp, self.kd, self.switch_radius = kp, kd, switch_radius
        self.path: list[Cell] = []
        self.waypoints: list[tuple[float, float]] = []

    def _plan(self, cell: Cell, goal: tuple[float, float]) -> None:
        self.path = shortest_cell_path(self.free, cell, cell_of(self.maze_map, *goal))
        self.waypoints = [cell_centre(self.maze_map, *corner) for corner in corner_cells(self.path)[:-1]] + [goal]

    def __call__(self, obs: PointMazeObservation) -> np.ndarray:
        position, velocity, goal = (obs.ball_x, obs.ball_y), (obs.ball_vx, obs.ball_vy), (obs.goal_x, obs.goal_y)
        cell = cell_of(self.maze_map, *position)
        if cell not in self.path:
            self._plan(cell, goal)
        while len(self.waypoints) > 1 and math.dist(position, self.waypoints[0]) < self.switch_radius:
            self.waypoints.pop(0)
        target = np.asarray(self.waypoints[0])
        force = self.kp * (target - np.asarray(position)) - self.kd * np.asarray(velocity)
        return np.clip(force, -1.0, 1.0)


def maze_planner(
    task: PointMazeTask, kp: float = 10.0, kd: float = 1.0, switch_radius: float = 0.3
) -> Callable[[], Act]:
    """Zero-arg factory of planner policies for `task`, built from the task's own map (`task.maze_map`).

    Gains: `kp` in action units per metre of position error, `kd` per m/s of velocity; actions are clipped to
    [-1, 1]. The policy only reads its observations; the map comes from the task definition.
    """
    free = frozenset(free_cells(task.maze_map))
    return lambda: MazePlannerPolicy(task.maze_map, free, kp, kd, switch_radius)

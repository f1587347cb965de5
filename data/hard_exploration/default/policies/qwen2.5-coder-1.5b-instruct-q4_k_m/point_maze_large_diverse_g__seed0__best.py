# PromptPO best policy for point_maze_large_diverse_g (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score 0.6, held-out score 0.6
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: PointMazeObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Placeholder policy: always move towards the goal
        dx = obs.goal_x - obs.ball_x
        dy = obs.goal_y - obs.ball_y
        
        if abs(dx) > abs(dy):
            return np.array([dx / abs(dx), 0.0])
        else:
            return np.array([0.0, dy / abs(dy)])

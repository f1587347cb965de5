# PromptPO best policy for point_maze_large (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 2, selection score 0.8, held-out score 0.65
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.action = np.zeros((2,))

    def act(self, obs: PointMazeObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""

        # Based on the observation, determine the direction the ball should move to reach the goal
        if obs.ball_x < obs.goal_x:
            self.action[0] = 1.0  # Move towards +x (right)
        elif obs.ball_x > obs.goal_x:
            self.action[0] = -1.0  # Move towards -x (left)
        else:
            self.action[0] = 0.0  # No movement

        if obs.ball_y < obs.goal_y:
            self.action[1] = 1.0  # Move towards +y (up)
        elif obs.ball_y > obs.goal_y:
            self.action[1] = -1.0  # Move towards -y (down)
        else:
            self.action[1] = 0.0  # No movement

        return self.action

# PromptPO best policy for point_maze_large (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 2, selection score 0, held-out score 0
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: PointMazeObservation) -> np.ndarray:
        """
        Return the action for observation `obs` (read-only: copy before modifying). The ball rolls on a flat floor inside a maze enclosed by walls; it stops or slides when it hits a wall. The goal and the ball's start can differ from episode to episode; the goal is in the observation. The layout of the maze is not given.

        :param obs: Observation from the point-maze environment
        :return: Action for the observation
        """
        
        # Read-only copy of the observation data
        ball_x = obs.ball_x
        ball_y = obs.ball_y
        ball_vx = obs.ball_vx
        ball_vy = obs.ball_vy
        goal_x = obs.goal_x
        goal_y = obs.goal_y
        
        # Check if the ball is within 0.45 meters of the goal after each step
        distance = np.hypot(ball_x - goal_x, ball_y - goal_y)
        
        # Determine the success rule based on whether the ball is within 0.45 meters of the goal
        if distance <= 0.45:
            return [1] * 2  # force moving along x and y by 1 meter each step
        else:
            return [0] * 2  # no movement
        

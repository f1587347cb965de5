# PromptPO last policy for point_maze_large_diverse_g (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 0.6, held-out score 0.6
import numpy as np
from typing import List

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.action_space = [-1, 0, 1] * 5  # Increase exploration by moving in multiple directions more frequently
        self.epsilon = 0.1  # Probability of choosing an action randomly

    def act(self, obs: PointMazeObservation) -> List[float]:
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Placeholder policy: always move towards the goal
        dx = obs.goal_x - obs.ball_x
        dy = obs.goal_y - obs.ball_y
        
        if abs(dx) > abs(dy):
            return np.array([dx / abs(dx), 0.0])
        else:
            return np.array([0.0, dy / abs(dy)])

    def _get_reward(self, ball_x: float, ball_y: float, goal_x: float, goal_y: float) -> float:
        """Reward of one step (sparse), computed from the state *after* the step."""
        distance = math.hypot(ball_x - goal_x, ball_y - goal_y)
        return 1.0 if distance <= 0.45 else 0.0

    def _get_explore_prob(self) -> float:
        """Probability of choosing an action randomly (exploration rate)."""
        return self.epsilon + (1 - self.epsilon) * np.random.rand()

    def _choose_action(self, obs: PointMazeObservation) -> List[float]:
        """Choose the action based on epsilon-greedy exploration."""
        if self._get_explore_prob() > 0.5:
            # Choose a random action
            return np.array([np.random.choice([-1, 0, 1]), np.random.choice([-1, 0, 1])])
        else:
            # Choose the best action based on current policy
            # Placeholder code: use a simple heuristic to choose the best action
            return np.array([0.0, 0.0])  # Example: always move towards the goal

    def _update_policy(self, obs: PointMazeObservation, reward: float) -> None:
        """Update the policy based on the observed reward."""
        pass  # Placeholder code: update the policy based on the observed reward

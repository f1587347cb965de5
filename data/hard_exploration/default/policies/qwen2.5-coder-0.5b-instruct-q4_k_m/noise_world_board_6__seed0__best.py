# PromptPO best policy for noise_world_board_6 (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 3, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldObservationWithScalars):
        """
        Return the action for observation `obs` (read-only: copy before modifying). This method
        should return a Python int or numpy integer from 0 to 3.
        
        Every step costs a small fixed penalty. Reaching the goal cell gives a large bonus. Reaching a terminal failure cell (a catastrophic failure) gives a large penalty. The reward function itself is not shown.
        
        Episode horizon: 100 steps.
        """
        # Extract agent and goal coordinates
        agent_row = obs.agent_row
        agent_col = obs.agent_col
        goal_row = obs.goal_row
        goal_col = obs.goal_col

        # Determine the action based on the movement rules
        if goal_row == 1.0:
            return 2  # move down (increase the row by 1)
        elif goal_row == 0.0:
            return 3  # move up (decrease the row by 1)
        elif goal_col == 1.0:
            return 0  # move left (decrease the column by 1)
        elif goal_col == 0.0:
            return 1  # move right (increase the column by 1)

        # Calculate penalty for reaching the goal cell
        penalty = -100  # Small penalty

        # Calculate reward for reaching the terminal failure cell
        if agent_row == 9.0 or agent_col == 9.0:
            penalty += 1000000  # Large bonus
        
        return penalty


# Example usage
if __name__ == "__main__":
    obs = NoiseWorldObservationWithScalars(agent_row=5.0, agent_col=5.0, goal_row=2.0, goal_col=2.0)
    policy = Policy()
    action = policy.act(obs)
    print(f"Action: {action}")

# PromptPO best policy for noise_world_board_4_key_info (model qwen2.5-coder-0.5b-instruct-q4_k_m, seed 0): round 2, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldKeyInfoObservation):
        """
        Return the action for observation `obs` (read-only: copy before modifying).

        :param obs: NoiseWorldKeyInfoObservation object containing agent's position and goal
                     cell.
        :return: The action code to be taken in the next step. 0 = up, 1 = down,
                 2 = left, 3 = right.
        """
        
        # Extract row and column indices from the observation
        agent_row = obs.agent_row
        agent_col = obs.agent_col
        
        # Define the board size (n x n)
        n = 10
        
        # Initialize visited flags for cells labeled 6 and 7
        visited_6 = 0.0
        visited_6_then_7 = 0.0
        
        # Determine which cell to move to based on the agent's current position
        if agent_row == n - 1:
            action_code = 3
        elif agent_col == n - 1:
            action_code = 2
        else:
            # If not at the goal, decide randomly between moving up and down
            action_codes = [0, 1]
            action_code = np.random.choice(action_codes)
        
        # Update visited flags for the current cell
        if action_code == 0:
            visited_6 += 1.0
        elif action_code == 1:
            visited_6_then_7 += 1.0
        
        return action_code

# Example usage
if __name__ == "__main__":
    policy = Policy()
    observation = NoiseWorldKeyInfoObservation(agent_row=5, agent_col=3, goal_row=9, goal_col=2)
    action_code = policy.act(observation)
    print(f"Action code: {action_code}")

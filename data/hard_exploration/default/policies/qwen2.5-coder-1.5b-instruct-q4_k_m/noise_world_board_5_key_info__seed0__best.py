# PromptPO best policy for noise_world_board_5_key_info (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score -100, held-out score -100
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""

    def act(self, obs: NoiseWorldKeyInfoObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        if obs is None:
            raise ValueError("The observation cannot be None.")
        
        # Agent's current position
        agent_row = round(obs.agent_row * 9)  # Normalising from [0, 1] to [0, 9]
        agent_col = round(obs.agent_col * 9)
        
        # Goal's position
        goal_row = int(np.round(obs.goal_row))
        goal_col = int(np.round(obs.goal_col))

        # Check if the agent has entered cell 6 and then cell 7
        if obs.visited_6 == 1.0 and obs.visited_6_then_7 == 1.0:
            return 4  # Move right (down)
        elif obs.visited_6 == 1.0 and obs.visited_6_then_7 == 0.0:
            return 3  # Move left (up)
        
        # Check if the agent has entered cell 7 before cell 6
        elif obs.visited_6_then_7 == 1.0 and obs.visited_6 == 0.0:
            return 2  # Move down (right)
        else:
            return 0  # Move up (left)

# PromptPO best policy for metaworld_button_press (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score 0, held-out score 0
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.hand_pos = np.zeros(3)
        self.gripper_distance = 1.0

    def act(self, obs: ButtonPressObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # The hand moves in steps of 0.01 m along x and y
        # We want to close the fingers when the object is at the goal position
        if obs.object_pos[1] >= obs.goal_pos[1] - 0.02:
            self.gripper_distance = 0.3
        else:
            self.gripper_distance = 1.0

        # The hand moves towards the button's front end
        move_x = min(1, max(-1, (obs.object_pos[0] + 0.193) / 0.5))
        move_y = min(1, max(-1, (obs.object_pos[1] - obs.goal_pos[1]) / 0.6))
        self.hand_pos += np.array([move_x * 0.01, move_y * 0.01, 0])

        return np.array([move_x * 0.01, move_y * 0.01, 0, self.gripper_distance])

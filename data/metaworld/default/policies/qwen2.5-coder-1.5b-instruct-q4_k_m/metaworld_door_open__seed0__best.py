# PromptPO best policy for metaworld_door_open (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 1, selection score 0, held-out score 0
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.hand_pos = np.zeros(3)
        self.gripper_distance = 1.0

    def act(self, obs: DoorOpenObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Initialize hand position and distance
        if np.allclose(self.hand_pos, np.zeros(3)) or np.any(np.abs(self.hand_pos) > 0.5):
            self.hand_pos = obs.object_pos + np.array([-0.05, 0.0, 0.0])
            self.gripper_distance = 1.0

        # Calculate hand displacement along x and y
        dx = min(max(obs.hand_pos[0] - self.hand_pos[0], -0.5), 0.5)
        dy = min(max(obs.hand_pos[1] - self.hand_pos[1], 0.40), 1.0)

        # Clamp gripper distance between 0 and 1
        self.gripper_distance = np.clip(self.gripper_distance, 0.0, 1.0)

        # Calculate action for hand displacement along x and y
        action_x = dx * 0.1 if dx != 0 else 0
        action_y = dy * 0.1 if dy != 0 else 0

        return np.array([action_x, action_y, 0.0, self.gripper_distance])

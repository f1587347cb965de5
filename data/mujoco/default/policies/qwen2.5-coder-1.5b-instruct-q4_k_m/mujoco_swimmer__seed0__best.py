# PromptPO best policy for mujoco_swimmer (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 2.44176, held-out score -1.13092
import numpy as np


class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        # Initialize joint angles with default values
        self.motor1_rot_angle = 0.0  # Default value for motor 1 rotation
        self.motor2_rot_angle = 0.0  # Default value for motor 2 rotation

    def act(self, obs: SwimmerObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        dt = obs.dt
        forward_reward_weight = 1.0
        ctrl_cost_weight = 1e-4

        # Set the torso angle to move in the +x direction
        self.torso_angle = np.pi / 2  # 90 degrees

        # Set both motors to control both segments simultaneously, ensuring they are within the valid range
        self.motor1_rot_angle = max(-1.75, min(1.75, self.motor1_rot_angle))  # -1.75 to 1.75 rad
        self.motor2_rot_angle = max(-1.75, min(1.75, self.motor2_rot_angle))  # -1.75 to 1.75 rad

        return np.array([self.motor1_rot_angle, self.motor2_rot_angle])

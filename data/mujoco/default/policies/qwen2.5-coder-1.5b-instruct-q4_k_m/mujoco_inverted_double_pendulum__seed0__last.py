# PromptPO last policy for mujoco_inverted_double_pendulum (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score 65.0288, held-out score 77.128
import numpy as np

class Policy:
    def __init__(self):
        """Called once at the start of every episode: a fresh instance per episode."""
        self.cart_position = 0.5  # Initial position of the cart
        self.hinge_angle = 0.0   # Initial angle of the lower pole
        self.hinge2_angle = 0.0  # Initial angle of the upper pole

    def act(self, obs: InvertedDoublePendulumObservation):
        """Return the action for observation `obs` (read-only: copy before modifying)."""
        # Calculate the torque based on the current state
        torque = self.calculate_torque(obs)
        
        # Ensure the torque is within the valid range [-1.0, 1.0]
        if torque < -1.0:
            torque = -1.0
        elif torque > 1.0:
            torque = 1.0
        
        return np.array([torque])

    def calculate_torque(self, obs):
        """Calculate the torque needed to keep both poles balanced upright."""
        
        # Calculate the height of the tip of the upper pole
        tip_height = 2.0 - self.hinge_angle * np.sin(self.hinge_angle)
        
        # Calculate the angular velocities of the lower and upper poles
        hinge_velocity = obs.angular_velocities[0]
        hinge2_velocity = obs.angular_velocities[1]
        
        # Calculate the torque based on the current state
        torque = 500.0 * (self.hinge_angle - self.hinge2_angle) * np.sin(self.hinge_angle)
        torque += 500.0 * (hinge_velocity - hinge2_velocity) * np.cos(self.hinge_angle)
        
        # Add a feedback term based on the height of the tip of the upper pole and the angular velocities
        feedback = 1.0 if tip_height > 1.1 else 0.0
        feedback += 0.5 * (np.abs(hinge_velocity) + np.abs(hinge2_velocity))
        
        return torque + feedback

# PromptPO best policy for glucose (model qwen2.5-coder-1.5b-instruct-q4_k_m, seed 0): round 3, selection score -15082.2, held-out score -15901.2
import numpy as np

class Policy:
    def __init__(self):
        # Initialize the policy with a steady basal rate and an initial insulin delivery of 0 U/min
        self.steady_rate = 0.021
        self.insulin_delivery = 0
    
    def act(self, obs: GlucoseObservation):
        cgm_mean = np.mean(obs.cgm)
        bg = cgm_mean
        
        # Calculate insulin delivery based on steady rate and the expected rise
        if bg > 93.8:
            insulin_delivery = self.steady_rate * (1 + (bg - 93.8) / 75.0)
        elif bg < 54:
            insulin_delivery = self.steady_rate * (1 - (54 - bg) / 26.0)
        else:
            # Adjust insulin delivery based on meal timing and amount
            # This is a simple approximation; in a real scenario, more sophisticated meal prediction would be needed
            if cgm_mean > 93.8 and obs.cgm[-1] < 93.8:  # Meal start
                insulin_delivery = self.steady_rate * (1 + (bg - 93.8) / 75.0)
            elif cgm_mean < 54 and obs.cgm[-1] > 54:  # Meal end
                insulin_delivery = self.steady_rate * (1 - (54 - bg) / 26.0)
            else:
                insulin_delivery = 0
        
        # Ensure insulin delivery is within the valid range
        insulin_delivery = max(min(insulin_delivery, 1), 0)
        
        return np.array([insulin_delivery])

"""Environments written for this project (NoiseWorld)."""

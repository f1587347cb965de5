"""Environments of this project: NoiseWorld and the pandemic town (written here), simglucose and SUMO adapters."""

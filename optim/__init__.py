"""Optimizers and learning-rate schedules that update parameters from their ``.grad``."""

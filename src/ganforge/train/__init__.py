"""Training: losses, the steps (one stated Protocol), the iteration loop, checkpoints.

Training is handed its scoring hook; it imports no evaluation, report or command code.
"""

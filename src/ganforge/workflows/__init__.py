"""Workflows: what a command does from start to end, built on the library below it.

training.py (train a run, score it, report it), sweep.py, reproduce.py, bench.py,
demo.py, stego.py, compare.py, play.py (a live moons training) with play_server.py
(its web page).
"""

"""What a finished training leaves for a notebook: the run folder, its config and stats, the networks."""
from __future__ import annotations

from dataclasses import dataclass

from ..runs import Run


@dataclass
class TrainingResult:
    run: Run
    networks: object  # GANNets (generator, discriminator) or CycleNets (g_ab, g_ba, d_a, d_b)

    @property
    def path(self):
        return self.run.path

    @property
    def config(self) -> dict:
        return self.run.config

    @property
    def stats(self) -> list[dict]:
        """The records of stats.jsonl (training records and, for emoji runs, "eval" records)."""
        return self.run.read_stats()

    @property
    def generator(self):
        return self.networks.generator

    @property
    def discriminator(self):
        return self.networks.discriminator

"""TensorBoard logs of a run folder, live while it trains or after the fact (an optional extra).

    pip install 'ganforge[tensorboard]'
    tensorboard --logdir runs/          # while training: every run mirrors itself into RUN/tensorboard/
    ganforge report RUN_DIR --tensorboard   # rewrite RUN/tensorboard/ from the run's files

Scalars come from stats.jsonl (training statistics under train/, evaluations
under eval/), pictures from samples/ or heatmaps/, the config as text. For a
sweep, `tensorboard --logdir SWEEP_DIR` then shows every configuration as a run.
Without the `tensorboard` package this does nothing and training is unaffected.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from .files import RunFiles, read_run

FOLDER = "tensorboard"


def tensorboard_available() -> bool:
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401  (needs the tensorboard package)
    except ImportError:
        return False
    return True


class TensorBoardWriter:
    """A thin SummaryWriter wrapper that knows a run folder's records and pictures."""

    def __init__(self, log_dir: Path):
        from torch.utils.tensorboard import SummaryWriter  # the optional extra: only where it is installed

        self.log_dir = Path(log_dir)
        self.writer = SummaryWriter(log_dir=str(self.log_dir))

    def scalars(self, records: list[dict], step_key: str, prefix: str) -> int:
        """One scalar per numeric field of each record; returns how many were written."""
        n = 0
        for record in records:
            step = record.get(step_key)
            if not isinstance(step, (int, float)):
                continue
            for key, value in record.items():
                if key in (step_key, "kind") or isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                self.writer.add_scalar(f"{prefix}/{key}", value, int(step))
                n += 1
        return n

    def pictures(self, tag: str, frames: list[tuple[int, Path]]) -> None:
        for step, path in frames:
            with Image.open(path) as im:
                array = np.asarray(im.convert("RGB"))  # (H, W, 3) uint8
            self.writer.add_image(tag, array, int(step), dataformats="HWC")

    def text(self, tag: str, text: str) -> None:
        self.writer.add_text(tag, text)

    def close(self) -> None:
        self.writer.flush()
        self.writer.close()


def write_run(writer: TensorBoardWriter, run: RunFiles) -> None:
    writer.scalars(run.train_records, run.step_key, "train")
    writer.scalars(run.eval_records, run.step_key, "eval")
    for series in run.series:
        writer.pictures(f"pictures/{series.name}", series.frames)
    writer.text("config", "    " + json.dumps(run.config, indent=2).replace("\n", "\n    "))  # markdown code block
    if run.metrics:
        writer.text("metrics", "\n".join(f"- **{k}**: {v}" for k, v in run.metrics.items()))


class LiveMirror:
    """Mirrors a run folder into RUN/tensorboard/ while it trains, for `tensorboard --logdir`.

    Training only writes its own files (stats.jsonl, sample PNGs); `sync()`, called
    at every stats record, writes what is new since the last call. A resumed run
    continues the mirror an earlier process started: what is already in the run's
    files when the mirror opens counts as written (the earlier process wrote it).
    """

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)
        self.writer: TensorBoardWriter | None = None
        self.records: set = set()      # (kind, step) of the stats records written
        self.frames: set = set()       # picture files written
        if (self.run_dir / FOLDER).is_dir():
            run = read_run(self.run_dir)
            self.records = {self._key(r, run.step_key) for r in run.train_records + run.eval_records}
            self.frames = {path for series in run.series for _, path in series.frames}

    @staticmethod
    def _key(record: dict, step_key: str) -> tuple:
        return record.get("kind", "train"), record.get(step_key)

    def sync(self) -> None:
        run = read_run(self.run_dir)
        if self.writer is None:
            self.writer = TensorBoardWriter(self.run_dir / FOLDER)
            self.writer.text("config", "    " + json.dumps(run.config, indent=2).replace("\n", "\n    "))
        for records, prefix in ((run.train_records, "train"), (run.eval_records, "eval")):
            new = [r for r in records if self._key(r, run.step_key) not in self.records]
            self.writer.scalars(new, run.step_key, prefix)
            self.records.update(self._key(r, run.step_key) for r in new)
        for series in run.series:
            new = [(step, path) for step, path in series.frames if path not in self.frames]
            self.writer.pictures(f"pictures/{series.name}", new)
            self.frames.update(path for _, path in new)
        self.writer.writer.flush()

    def close(self) -> None:
        """A last sync (the final pictures come after the last stats record), then close the files."""
        self.sync()
        self.writer.close()


def live_mirror(run_dir) -> LiveMirror | None:
    """A LiveMirror of the run when TensorBoard is installed, else None (training is unaffected)."""
    return LiveMirror(run_dir) if tensorboard_available() else None


def export_tensorboard(run_dir) -> Path | None:
    """RUN/tensorboard/ rewritten from the run's files; None (nothing written) without TensorBoard."""
    if not tensorboard_available():
        return None
    run = read_run(run_dir)
    target = Path(run_dir) / FOLDER
    if target.is_dir():
        shutil.rmtree(target)  # an export is a snapshot of the files: never append a second copy
    writer = TensorBoardWriter(target)
    try:
        write_run(writer, run)
    finally:
        writer.close()
    return target

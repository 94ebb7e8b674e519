"""Devices: GPUs for sweep workers, checkpoints that move between devices, the device config.json records,
and a training step that never waits for the device. Tests marked cuda run only where torch sees a GPU."""
import json
import shutil
import sys

import pytest
import torch

import ganforge.api as api
from emoji_fakes import fake_styles, patch_emoji_data
from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.hardware import Hardware, pick_hardware, resolve_precision
from ganforge.runs import Run
from ganforge.train import checkpoint
from ganforge.train.loop import Schedule, run_iterations
from ganforge.workflows import sweep
from method_helpers import prepare, resolve, trainer

EMOJI = dict(iters=6, batch_size=8, sample_every=3, log_every=2, checkpoint_every=3, conv_dim=8, eval_every=0,
             threads=1)


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a machine whose cores other work keeps busy, two threads wait on each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def read_config(run) -> dict:
    return json.loads((run / "config.json").read_text())


def same_tensors(a_path, b_path) -> list[str]:
    """The names of the tensors in which two checkpoints differ (or that only one of them has)."""
    _, a = checkpoint.read(a_path)
    _, b = checkpoint.read(b_path)
    return sorted(set(a) ^ set(b)) + [k for k in a if k in b and not torch.equal(a[k], b[k])]


# Sweeps: GPUs for Ray tasks and for local workers.
class FakeRay:
    """Just enough of Ray for _run_ray: tasks run at once, in this process, and their options are kept."""

    def __init__(self):
        self.options = []

    def is_initialized(self):
        return True

    class Ref:
        def __init__(self, value):
            self.value = value

    def remote(self, **options):
        self.options.append(options)

        def wrap(fn):
            class Task:
                @staticmethod
                def remote(job):
                    return FakeRay.Ref(fn(job))
            return Task
        return wrap

    def wait(self, refs, num_returns=1):
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref):
        return ref.value

    def shutdown(self):
        pass


def test_ray_tasks_ask_for_the_gpus_per_run(tmp_path, monkeypatch):
    fake = FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    ran = []
    monkeypatch.setattr(sweep, "run_job", lambda job: ran.append(job["name"]) or
                        {"name": job["name"], "status": "done", "error": None, "action": job["action"], "gpu": "0"})
    result = sweep.run_sweep("moons", {"seed": [1, 2]}, {"epochs": 1}, out=tmp_path / "s", backend="ray",
                             threads=1, gpus_per_run=0.5, report=False, echo=lambda *_: None)
    assert result.ok and sorted(ran) == ["seed=1", "seed=2"]
    assert fake.options == [{"num_cpus": 1, "num_gpus": 0.5, "max_retries": 0}]
    summary = json.loads((tmp_path / "s" / "sweep.json").read_text())
    assert summary["gpus_per_run"] == 0.5 and [r["gpu"] for r in summary["runs"]] == ["0", "0"]


@pytest.mark.parametrize("options, message", [
    (dict(backend="ray", gpus_per_run=-1), "--gpus-per-run must be a number >= 0"),
    (dict(backend="ray", gpus_per_run=1.5), "--gpus-per-run above 1 must be a whole number"),
    (dict(backend="local", gpus_per_run=0.5), "--gpus-per-run needs --backend ray"),
    (dict(backend="ray", gpus_per_run=0, fixed={"epochs": 1, "device": "cuda"}),
     "--device cuda with --backend ray needs --gpus-per-run"),
])
def test_gpu_requests_that_cannot_work_are_refused_before_any_run(tmp_path, options, message):
    fixed = options.pop("fixed", {"epochs": 1})
    with pytest.raises(GanforgeError, match=message):
        sweep.run_sweep("moons", {"seed": [1, 2]}, fixed, out=tmp_path / "s", threads=1, report=False, **options)
    assert not (tmp_path / "s").exists()


def test_the_cli_takes_gpus_per_run(tmp_path, capsys):
    assert main(["sweep", "moons", "--epochs", "1", "--gpus-per-run", "0.25", "--out", str(tmp_path / "s")]) == 2
    assert "--gpus-per-run needs --backend ray" in capsys.readouterr().err


def test_worker_slots_take_the_visible_gpus_in_turn(monkeypatch):
    assert [sweep.gpu_for_slot(k, ["0", "1", "2"]) for k in range(4)] == ["0", "1", "2", "0"]
    assert sweep.gpu_for_slot(0, []) is None
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, GPU-5f1e")
    assert sweep.visible_gpus() == ["2", "GPU-5f1e"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert sweep.visible_gpus() == []


@pytest.mark.slow
def test_local_workers_each_start_with_their_own_gpu(tmp_path, monkeypatch):
    """Two spawned workers on a machine pretending to have two GPUs: each child's CUDA_VISIBLE_DEVICES names one.

    The runs fail at once (their data folder does not exist); what matters is the GPU each saw.
    """
    monkeypatch.setattr(sweep, "visible_gpus", lambda: ["0", "1"])
    result = sweep.run_sweep("dcgan", {"seed": [1, 2]}, {"iters": 2, "data_dir": str(tmp_path / "missing")},
                             out=tmp_path / "s", workers=2, threads=1, report=False, echo=lambda *_: None)
    runs = result.runs
    assert [r["status"] for r in runs] == ["failed", "failed"] and all("missing" in r["error"] for r in runs)
    assert sorted(r["gpu"] for r in runs) == ["0", "1"]
    assert sweep.os.environ["CUDA_VISIBLE_DEVICES"] == ""  # the parent's own is put back


@pytest.mark.slow
def test_the_sweep_page_says_where_each_run_trained(tmp_path, small_moons):
    result = sweep.run_sweep("moons", {"seed": [1, 2]}, {**small_moons, "epochs": 1, "precision": "fp32"},
                             out=tmp_path / "s", threads=1, echo=lambda *_: None)
    assert result.ok
    data = json.loads((tmp_path / "s" / "sweep.json").read_text())
    data["runs"][1]["gpu"] = "3"  # as a worker given the fourth GPU records it
    (tmp_path / "s" / "sweep.json").write_text(json.dumps(data))
    assert main(["report", str(tmp_path / "s")]) == 0
    html = (tmp_path / "s" / "report.html").read_text()
    assert ">device<" in html and ">cpu fp32<" in html and ">cpu fp32, GPU 3<" in html


# config.json: the device and precision a run settled on.
@pytest.mark.slow
def test_config_json_records_the_device_and_precision_used(tmp_path, small_moons, capsys):
    api.train_moons(out=tmp_path / "auto", **small_moons)
    config = read_config(tmp_path / "auto")
    assert (config["device"], config["precision"]) == ("cpu", resolve_precision("cpu", "auto"))
    assert config["deterministic"] is False
    api.train_moons(out=tmp_path / "fp32", precision="fp32", **small_moons)
    assert (read_config(tmp_path / "fp32")["device"], read_config(tmp_path / "fp32")["precision"]) == ("cpu", "fp32")
    # --dry-run prints the options as given (what --help calls their defaults) and says what auto means here.
    capsys.readouterr()
    assert main(["train", "moons", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["device"] == "auto" and "on this machine: device cpu" in err


@pytest.mark.slow
def test_an_old_config_with_auto_resumes_here_and_records_what_auto_became(tmp_path, small_moons):
    options = {**small_moons, "epochs": 3, "precision": "fp32"}
    api.train_moons(out=tmp_path / "whole", **options)
    api.train_moons(out=tmp_path / "old", **options)
    shutil.rmtree(tmp_path / "old" / "checkpoints" / "step-000003")
    config = read_config(tmp_path / "old")
    (tmp_path / "old" / "config.json").write_text(json.dumps({**config, "device": "auto"}))
    del config["deterministic"]  # written before the option existed
    api.train_moons(resume=tmp_path / "old")
    assert read_config(tmp_path / "old")["device"] == "cpu"
    assert "config.json said device auto" in (tmp_path / "old" / "log.txt").read_text()
    assert same_tensors(tmp_path / "whole" / "checkpoints" / "step-000003",
                        tmp_path / "old" / "checkpoints" / "step-000003") == []


def test_a_sweep_folder_differing_only_in_hardware_is_the_same_run():
    planned = sweep.plan("moons", {}, {"epochs": 1})[0]
    recorded = {**planned.config, "device": "cuda", "precision": "bf16"}
    assert planned.differences(recorded) == []
    assert planned.hardware_changes(recorded) == {}  # auto: continue where it was
    on_cpu = sweep.plan("moons", {}, {"epochs": 1, "device": "cpu", "deterministic": True})[0]
    assert on_cpu.hardware_changes(recorded) == {"device": "cpu", "deterministic": True}
    assert planned.differences({**recorded, "epochs": 2}) == ["epochs"]


# Checkpoints between devices.
def _pretend_trained_on_cuda(run, step: int) -> None:
    """Make a CPU run look like one trained on a GPU: its config says cuda, its checkpoint holds a CUDA RNG state."""
    from safetensors.torch import save_file

    from ganforge.fileio import file_digest

    folder = run / "checkpoints" / f"step-{step:06d}"
    state, tensors = checkpoint.read(folder)
    tensors["rng.cuda"] = torch.arange(16, dtype=torch.uint8)  # a CUDA generator's state: 16 bytes (seed, offset)
    save_file(tensors, str(folder / "tensors.safetensors"))
    state["tensors_sha256"] = file_digest(folder / "tensors.safetensors")
    (folder / "state.json").write_text(json.dumps(state))
    (run / "config.json").write_text(json.dumps({**read_config(run), "device": "cuda", "precision": "fp32"}))


@pytest.mark.slow
def test_a_gpu_run_finishes_on_the_cpu_with_resume_and_device_cpu(tmp_path, small_moons, capsys):
    options = {**small_moons, "epochs": 3, "precision": "fp32", "device": "cpu"}
    api.train_moons(out=tmp_path / "whole", **options)
    api.train_moons(out=tmp_path / "gpu", **options)
    shutil.rmtree(tmp_path / "gpu" / "checkpoints" / "step-000003")
    _pretend_trained_on_cuda(tmp_path / "gpu", 2)

    assert main(["train", "moons", "--resume", str(tmp_path / "gpu")]) == 2  # no GPU here, and none asked away
    assert "trained on cuda, and torch sees no CUDA device here; add --device cpu" in capsys.readouterr().err
    assert main(["train", "moons", "--resume", str(tmp_path / "gpu"), "--device", "cpu"]) == 0
    log = (tmp_path / "gpu" / "log.txt").read_text()
    assert "resuming on cpu fp32; trained so far on cuda fp32" in log
    assert read_config(tmp_path / "gpu")["device"] == "cpu"
    # The CUDA state was set aside and the CPU state restored: the same weights as a run that never moved.
    assert same_tensors(tmp_path / "whole" / "checkpoints" / "step-000003",
                        tmp_path / "gpu" / "checkpoints" / "step-000003") == []


def test_rng_states_are_the_training_devices_and_restoring_never_needs_more_gpus(tmp_path):
    model = torch.nn.Linear(2, 2)
    path = checkpoint.save(tmp_path, 1, {"m": model}, {}, device="cpu")
    _, tensors = checkpoint.read(path)
    assert [k for k in tensors if k.startswith("rng.")] == ["rng.cpu"]
    expected = torch.rand(3)
    # A checkpoint from before: one state per GPU of an 8-GPU machine; on the CPU they are left unused.
    legacy = {**tensors, **{f"rng.cuda.{i}": torch.zeros(16, dtype=torch.uint8) for i in range(8)}}
    checkpoint.set_rng_state(legacy, "cpu")
    assert torch.equal(torch.rand(3), expected)
    with pytest.raises(GanforgeError, match=r"checkpoint x/step-000001 has no CPU random state"):
        checkpoint.set_rng_state({}, "cpu", "x/step-000001")
    with pytest.raises(GanforgeError, match="its CPU random state cannot be restored"):
        checkpoint.set_rng_state({"rng.cpu": torch.zeros(3)}, "cpu", "x")


# The arithmetic switches.
@pytest.fixture
def saved_switches():
    """Put torch's global TF32 and determinism switches back as they were."""
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (matmul.allow_tf32, cudnn.allow_tf32, cudnn.deterministic, cudnn.benchmark,
             torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    yield
    matmul.allow_tf32, cudnn.allow_tf32, cudnn.deterministic, cudnn.benchmark = saved[:4]
    torch.use_deterministic_algorithms(saved[4], warn_only=saved[5])


def test_cuda_switches_set_what_they_say_and_a_cpu_run_touches_none(saved_switches, monkeypatch):
    from ganforge.hardware import set_cuda_determinism, set_tf32

    cudnn = torch.backends.cudnn
    set_tf32(False)
    assert (torch.backends.cuda.matmul.allow_tf32, cudnn.allow_tf32) == (False, False)
    assert torch.backends.cuda.matmul.fp32_precision == "ieee"  # the newer API reads the same, without raising
    set_tf32(True)
    assert (torch.backends.cuda.matmul.allow_tf32, cudnn.allow_tf32) == (True, True)
    set_cuda_determinism(True)
    assert (cudnn.deterministic, cudnn.benchmark, torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled()) == (True, False, True, True)
    set_cuda_determinism(False)
    assert (cudnn.deterministic, cudnn.benchmark, torch.are_deterministic_algorithms_enabled()) == (False, True, False)
    # On the CPU, --deterministic changes nothing: no switch, no cuBLAS setting.
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    hw = pick_hardware("cpu", "fp32", threads=1, deterministic=True)
    assert hw.device.type == "cpu" and not torch.are_deterministic_algorithms_enabled()
    assert "CUBLAS_WORKSPACE_CONFIG" not in sweep.os.environ


# Host syncs: a step never reads values back from the device; the loop does, once per log step.
SYNCS = ("item", "tolist", "__bool__", "__float__", "__int__", "__index__", "cpu", "numpy")


class SyncCounter:
    """Counts, inside its `with` block, the calls of torch.Tensor methods that make the host wait for a GPU."""

    def __init__(self):
        self.calls = []
        self._patch = pytest.MonkeyPatch()  # its own: undoing it leaves the test's other patches in place

    def __enter__(self):
        for name in SYNCS:
            self._patch.setattr(torch.Tensor, name, self._counting(name, getattr(torch.Tensor, name)))
        return self

    def __exit__(self, *exc):
        self._patch.undo()

    def _counting(self, name, original):
        def method(tensor, *args, **kwargs):
            self.calls.append(name)
            return original(tensor, *args, **kwargs)
        return method


def _tiny(kind: str, preset: str | None = None, **options):
    if kind == "moons":
        base = dict(batch_size=16, n_samples=64, hidden_disc=16, noise_size=8)
    else:
        base = dict(batch_size=8, conv_dim=8)
    return resolve(kind, preset, **{**base, **options})


def _trainings(device: str = "cpu"):
    """(label, Training) of every kind's step on `device`, with the options that add work to a step."""
    flat = Hardware(torch.device(device), "fp32", channels_last=False)
    conv = Hardware(torch.device(device), "fp32", channels_last=True)
    styles = fake_styles(16, 4)
    a, b = (styles[s]["train"].images.to(device) for s in ("apple", "windows"))  # 2 batches an epoch
    pairs = (torch.arange(16), torch.arange(16))
    points = torch.randn(64, 2, device=device)
    yield "moons two-step", prepare("moons", _tiny("moons", shuffle=True), flat, points)
    yield "moons revgrad", prepare("moons", _tiny("moons", trainer="revgrad"), flat, points)
    yield "moons mixture", prepare("moons", _tiny("moons", generators=2), flat, points)
    yield "dcgan toronto", prepare("dcgan", _tiny("dcgan", "toronto"), conv, a)
    yield "dcgan modern", prepare("dcgan", _tiny("dcgan", "modern", r1_gamma=1.0, disc_norm="spectral"), conv, a)
    yield "cyclegan toronto", prepare("cyclegan", _tiny("cyclegan", "toronto", lambda_identity=0.5), conv, a, b)
    yield "cyclegan radboud", prepare("cyclegan", _tiny("cyclegan", "radboud", lambda_colour=1.0), conv, a, b)
    yield "cut", prepare("cut", _tiny("cut", lambda_colour=1.0, lambda_palette=1.0), conv, a, b)
    yield "pix2pix", prepare("pix2pix", _tiny("pix2pix"), conv, a, b, pairs)


def test_no_training_step_reads_a_value_back_from_the_device():
    for label, training in _trainings():
        training.step(*training.batches(0))  # the first call builds optimizer state
        with SyncCounter() as counter:
            assert bool(torch.ones(1)) and counter.calls == ["__bool__"]  # the counter sees what it should
            counter.calls.clear()
            for iteration in (1, 2, 3):  # across an epoch's end (2 batches an epoch)
                training.step(*training.batches(iteration))
        assert counter.calls == [], f"{label}: {counter.calls}"


class WatchedStep:
    """A step that notes, each time it is called, how many syncs the loop made since the previous call ended."""

    def __init__(self, step, counter):
        self.step, self.counter, self.gaps = step, counter, []

    def __getattr__(self, name):  # stat_names, optimizers, ...: the step's own
        return getattr(self.step, name)

    def __call__(self, *real):
        self.gaps.append(len(self.counter.calls))
        result = self.step(*real)
        self.counter.calls.clear()
        return result


def test_the_loop_reads_back_once_per_log_step_and_not_between(tmp_path):
    training = prepare("moons", _tiny("moons"), Hardware(torch.device("cpu"), "fp32", False), torch.randn(64, 2))
    run = Run.create({"kind": "moons"}, "moons", out=tmp_path / "r")
    with SyncCounter() as counter:
        training.step = watched = WatchedStep(training.step, counter)
        # 4 iterations a step (an epoch), a record every second step; checkpoints and pictures only at the end.
        run_iterations(run, training, Schedule(total=4, per_step=4, unit="epoch", log_every=2, checkpoint_every=100),
                       sample=lambda step: None)
    assert len(watched.gaps) == 16
    # gaps[i]: syncs between iterations i - 1 and i; the record of step 2 comes after iteration 7.
    assert {i: n for i, n in enumerate(watched.gaps) if n} == {8: 1}


# On a GPU (skipped here: torch sees none).
@pytest.mark.cuda
@pytest.mark.parametrize("kind", ["dcgan", "cyclegan"])
def test_on_cuda_deterministic_runs_resume_bit_for_bit(tmp_path, monkeypatch, kind):
    patch_emoji_data(monkeypatch)
    train = trainer(kind)
    options = {**EMOJI, "device": "cuda", "precision": "fp32", "deterministic": True}
    train(out=tmp_path / "whole", **options)
    train(out=tmp_path / "part", **options)
    shutil.rmtree(tmp_path / "part" / "checkpoints" / "step-000006")  # the run died after its checkpoint at 3
    train(resume=tmp_path / "part")
    assert read_config(tmp_path / "part")["device"] == "cuda"
    _, tensors = checkpoint.read(tmp_path / "part" / "checkpoints" / "step-000006")
    assert [k for k in tensors if k.startswith("rng.")] == ["rng.cpu", "rng.cuda"]
    assert same_tensors(tmp_path / "whole" / "checkpoints" / "step-000006",
                        tmp_path / "part" / "checkpoints" / "step-000006") == []


@pytest.mark.cuda
def test_on_cuda_no_training_step_synchronizes():
    """torch's sync debug mode raises at any call that makes the host wait for the GPU, which the CPU test above
    cannot see (a blocking copy to the device, say). Iterations 1-4 cross an epoch boundary (2 batches an epoch)."""
    pick_hardware("cuda", "fp32", threads=1, convolutional=True)
    for label, training in _trainings("cuda"):
        training.step(*training.batches(0))  # building optimizer state and choosing kernels may wait
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            for iteration in range(1, 5):
                training.step(*training.batches(iteration))
        except RuntimeError as e:
            raise AssertionError(f"{label}: {e}") from None
        finally:
            torch.cuda.set_sync_debug_mode("default")

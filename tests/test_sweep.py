"""Sweeps: the cross product and its folder names, validation before any work, reruns, failures, backends."""
from __future__ import annotations

import importlib.util
import json
import shutil

import pytest
import torch

from ganforge.cli import main
from ganforge.errors import GanforgeError
from ganforge.workflows.sweep import parse_values, plan, run_sweep, split_options

# Four iterations of tiny networks on synthetic emojis: a configuration trains in well under a second.
TINY = dict(iters=4, batch_size=8, conv_dim=8, precision="fp32", sample_every=2, checkpoint_every=2,
            n_sample_images=4)
HAVE_RAY = importlib.util.find_spec("ray") is not None


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """TINY with data_dir: a synthetic archive layout (Apple/, Windows/, Test_Apple/, Test_Windows/)."""
    from emoji_fakes import write_archive_layout

    return {**TINY, "data_dir": str(write_archive_layout(tmp_path_factory.mktemp("data") / "archive", 16, 4))}


@pytest.fixture(autouse=True)
def keep_torch_threads():
    """A sweep with one worker trains in this process and sets torch's thread count; put it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def sweep_json(folder) -> dict:
    return json.loads((folder / "sweep.json").read_text())


def statuses(folder) -> dict:
    return {r["name"]: (r["status"], r["action"]) for r in sweep_json(folder)["runs"]}


def metrics(folder) -> dict:
    return {r["name"]: json.loads((folder / r["folder"] / "metrics.json").read_text())["metrics"]
            for r in sweep_json(folder)["runs"] if (folder / r["folder"] / "metrics.json").is_file()}


# The cross product, without training.
def test_values_are_typed_like_the_config():
    assert parse_values("cyclegan", "lambda_cycle", "0,0.015,0.1") == [0.0, 0.015, 0.1]
    assert parse_values("cyclegan", "seed", "2, 4") == [2, 4]
    assert parse_values("moons", "shuffle", "true,false") == [True, False]
    assert parse_values("moons", "trainer", "two-step,revgrad") == ["two-step", "revgrad"]


def test_cross_product_and_folder_names():
    swept, fixed = split_options("cyclegan", {"seed": [2, 4], "lambda_cycle": [0.0, 0.015, 0.1], "iters": [200]})
    assert fixed == {"iters": 200}
    configurations = plan("cyclegan", swept, fixed, preset="toronto", threads=3)
    assert [c.name for c in configurations] == [
        "lambda_cycle=0,seed=2", "lambda_cycle=0,seed=4", "lambda_cycle=0.015,seed=2",
        "lambda_cycle=0.015,seed=4", "lambda_cycle=0.1,seed=2", "lambda_cycle=0.1,seed=4"]
    first = configurations[2]
    assert first.values == {"lambda_cycle": 0.015, "seed": 2}
    assert first.config["lambda_cycle"] == 0.015 and first.config["seed"] == 2 and first.config["iters"] == 200
    assert first.config["threads"] == 3 and first.config["preset"] == "toronto"  # threads: config, not name
    assert [c.name for c in plan("moons", {}, {"epochs": 1})] == ["run"]
    strings = plan("moons", {"trainer": ["two-step", "revgrad"], "shuffle": [True, False]}, {})
    assert strings[0].name == "shuffle=true,trainer=two-step"


def test_presets_are_swept_like_options_and_named_first():
    configurations = plan("dcgan", {"seed": [2, 4]}, {"iters": 10}, preset="toronto,modern")
    assert [c.name for c in configurations] == ["preset=toronto,seed=2", "preset=toronto,seed=4",
                                                "preset=modern,seed=2", "preset=modern,seed=4"]
    assert [c.config["preset"] for c in configurations] == ["toronto", "toronto", "modern", "modern"]
    assert configurations[0].config["ema"] == 0 and configurations[2].config["ema"] > 0
    assert all(c.config["iters"] == 10 for c in configurations)
    with pytest.raises(GanforgeError, match="more than once"):
        plan("dcgan", {}, {}, preset="toronto,toronto")


@pytest.mark.parametrize("argv, message", [
    (["cyclegan", "--lambda-cycle", "0,-1"],
     "--lambda-cycle must be >= 0.0, got -1.0 (in configuration lambda_cycle=-1)"),
    (["cyclegan", "--seed", "2,x"], "--seed expects whole numbers, got 'x'"),
    (["cyclegan", "--seed", "2,,4"], "--seed has an empty value"),
    (["cyclegan", "--seed", "2,2"], "--seed lists 2 more than once"),
    (["cyclegan", "--trainer", "two-optimizers,adam"], "--trainer must be one of two-optimizers, revgrad; got 'adam'"),
    (["cyclegan", "--source", "apple,windows"], "--source and --target must differ"),
    (["moons", "--epochs", "1", "--workers", "0"], "--workers must be >= 1"),
    (["moons", "--epochs", "1", "--ray-address", "ray://x:1"], "--ray-address needs --backend ray"),
    (["moons", "--bogus", "1"], "unrecognized arguments: --bogus"),
    (["dcgan", "--preset", "toronto,best"], "--preset must be one of toronto, modern, small-data for dcgan; got 'best'"),
])
def test_bad_values_are_refused_before_any_run(tmp_path, capsys, argv, message):
    out = tmp_path / "sweep"
    assert main(["sweep", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_a_folder_holding_other_settings_is_refused(tmp_path, tiny):
    run_sweep("cyclegan", {"seed": [1, 2]}, {**tiny, "iters": 2}, out=tmp_path / "s", threads=1, report=False,
              echo=lambda *_: None)
    with pytest.raises(GanforgeError, match="holds a run with other settings .*iters"):
        run_sweep("cyclegan", {"seed": [1, 2]}, tiny, out=tmp_path / "s", threads=1, report=False)


# Running, failing, rerunning.
@pytest.mark.slow
def test_failure_is_recorded_and_reruns_skip_resume_and_restart(tmp_path, monkeypatch, capsys, tiny):
    from ganforge import methods

    real_train = methods.train_method

    def flaky(method, cfg, run, **kwargs):
        if cfg.seed == 2:
            raise GanforgeError("training diverged at iteration 3: g_loss_adv is nan")
        return real_train(method, cfg, run, **kwargs)

    out = tmp_path / "sweep"
    argv = ["sweep", "cyclegan", "--seed", "1,2,3", "--threads", "1", "--out", str(out)]
    argv += [f"--{k.replace('_', '-')}={v}" for k, v in tiny.items()]
    monkeypatch.setattr(methods, "train_method", flaky)  # one worker: the runs train in this process
    assert main(argv) == 1  # a failed configuration makes the sweep fail, after the others ran
    assert statuses(out) == {"seed=1": ("done", "train"), "seed=2": ("failed", "train"),
                             "seed=3": ("done", "train")}
    assert sweep_json(out)["runs"][1]["error"] == "training diverged at iteration 3: g_loss_adv is nan"
    assert sweep_json(out)["swept"] == {"seed": [1, 2, 3]} and sweep_json(out)["threads"] == 1
    report = (out / "report.html").read_text()
    assert "training diverged at iteration 3" in report and "seed=3/report.html" in report
    assert "[2/3] failed seed=2" in capsys.readouterr().out
    first = metrics(out)["seed=1"]

    # A rerun skips the finished runs and retries the failed one.
    monkeypatch.setattr(methods, "train_method", real_train)
    assert main(argv) == 0
    assert statuses(out) == {"seed=1": ("done", "skipped"), "seed=2": ("done", "train"),
                             "seed=3": ("done", "skipped")}
    assert metrics(out)["seed=1"] == first

    # An interrupted run resumes from its checkpoint; one that left no checkpoint starts over.
    shutil.rmtree(out / "seed=1" / "checkpoints" / "step-000004")
    (out / "seed=1" / "metrics.json").unlink()
    shutil.rmtree(out / "seed=3" / "checkpoints")
    (out / "seed=3" / "metrics.json").unlink()
    (out / "seed=3" / "left-over.txt").write_text("from the killed attempt")
    assert main(argv) == 0
    assert statuses(out) == {"seed=1": ("done", "resume"), "seed=2": ("done", "skipped"),
                             "seed=3": ("done", "train")}
    assert "resumed from" in (out / "seed=1" / "log.txt").read_text()
    stats = [json.loads(line) for line in (out / "seed=1" / "stats.jsonl").read_text().splitlines()]
    assert [r["iter"] for r in stats if r.get("kind") != "eval"] == [4]
    assert metrics(out)["seed=1"] == first  # resuming on CPU gives the same result
    assert not (out / "seed=3" / "left-over.txt").exists()


def _sweep_metrics(tmp_path, name, tiny, **backend) -> dict:
    out = tmp_path / name
    result = run_sweep("cyclegan", {"seed": [1, 2]}, tiny, out=out, threads=1, report=False,
                       echo=lambda *_: None, **backend)
    assert result.ok, result.failed
    return metrics(out)


@pytest.mark.slow
def test_local_pool_gives_the_same_metrics_as_one_worker(tmp_path, tiny):
    in_process = _sweep_metrics(tmp_path, "one", tiny, workers=1)
    pooled = _sweep_metrics(tmp_path, "pool", tiny, workers=2)  # two spawned processes
    assert set(in_process) == {"seed=1", "seed=2"} and all(in_process.values())  # both runs were scored
    assert pooled == in_process
    assert json.loads((tmp_path / "pool" / "seed=2" / "config.json").read_text())["threads"] == 1


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'ganforge[ray]')")
def test_ray_backend_gives_the_same_metrics_as_local(tmp_path, tiny):
    local = _sweep_metrics(tmp_path, "local", tiny, workers=1)  # the pool gives the same: test above
    on_ray = _sweep_metrics(tmp_path, "ray", tiny, workers=2, backend="ray")
    assert set(local) == {"seed=1", "seed=2"} and all(local.values())
    assert on_ray == local
    assert sweep_json(tmp_path / "ray")["backend"] == "ray"


def test_ray_backend_without_ray_says_how_to_install(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(GanforgeError, match=r"pip install 'ganforge\[ray\]'"):
        run_sweep("moons", {"seed": [1, 2]}, {"epochs": 1}, out=tmp_path / "s", backend="ray", threads=1,
                  report=False, echo=lambda *_: None)


def test_a_sweep_over_presets_trains_each_with_its_own_settings(tmp_path, tiny):
    options = {k: v for k, v in tiny.items() if k != "n_sample_images"}
    result = run_sweep("dcgan", {}, {**options, "style": "windows", "iters": 2}, preset="toronto,modern",
                       out=tmp_path / "s", threads=1, echo=lambda *_: None)
    assert result.ok
    configs = {r["name"]: json.loads((tmp_path / "s" / r["folder"] / "config.json").read_text())
               for r in sweep_json(tmp_path / "s")["runs"]}
    assert {n: (c["preset"], c["ema"]) for n, c in configs.items()} == {
        "preset=toronto": ("toronto", 0.0), "preset=modern": ("modern", 0.999)}
    html = (tmp_path / "s" / "report.html").read_text()
    assert ">preset<" in html and "s / 1k it" in html

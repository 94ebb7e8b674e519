import json

import pytest
import torch
from torch import nn

from ganforge.train import checkpoint
from ganforge.errors import GanforgeError


def make(width=4):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, width), nn.BatchNorm1d(width))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    model(torch.randn(8, 3)).sum().backward()
    opt.step()
    return model, opt


def test_roundtrip_restores_weights_optimizer_and_rng(tmp_path):
    model, opt = make()
    path = checkpoint.save(tmp_path, 5, {"m": model}, {"o": opt}, {"note": "x"})
    expected_rand = torch.rand(3)
    # A target that differs in everything: zeroed weights, other buffers, a fresh optimizer with other settings.
    model2, _ = make()
    opt2 = torch.optim.Adam(model2.parameters(), lr=1e-2, betas=(0.9, 0.99))
    with torch.no_grad():
        model2[0].weight.zero_()
        model2[1].running_mean.fill_(5.0)
    state = checkpoint.load(path, {"m": model2}, {"o": opt2})
    assert state["step"] == 5 and state["extra"] == {"note": "x"}
    assert torch.equal(model2[0].weight, model[0].weight)
    assert torch.equal(model2[1].running_mean, model[1].running_mean)
    group = opt2.state_dict()["param_groups"][0]
    assert group["betas"] == (0.5, 0.999) and group["lr"] == 1e-3
    s1, s2 = opt.state_dict()["state"][0], opt2.state_dict()["state"][0]
    assert torch.equal(s1["exp_avg"], s2["exp_avg"]) and torch.equal(s1["exp_avg_sq"], s2["exp_avg_sq"])
    assert torch.equal(torch.rand(3), expected_rand)  # RNG restored to the moment of saving


def test_keeps_only_the_newest_and_ignores_temporary_folders(tmp_path):
    model, opt = make()
    for step in (1, 2, 3):
        checkpoint.save(tmp_path, step, {"m": model}, {"o": opt})
    (tmp_path / ".tmp-step-000004-99").mkdir()  # what a SIGKILL mid-write leaves behind
    assert [p.name for p in checkpoint.list_checkpoints(tmp_path)] == ["step-000002", "step-000003"]


def test_tampered_truncated_and_mismatched_checkpoints_are_refused(tmp_path):
    model, opt = make()
    path = checkpoint.save(tmp_path, 1, {"m": model}, {"o": opt})
    tensors = path / "tensors.safetensors"
    data = tensors.read_bytes()

    tensors.write_bytes(data[: len(data) // 2])
    with pytest.raises(GanforgeError, match="does not match the digest"):
        checkpoint.load(path, {"m": make()[0]})

    tensors.write_bytes(data)
    other = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))
    with pytest.raises(GanforgeError, match="has shape"):
        checkpoint.load(path, {"m": other})
    with pytest.raises(GanforgeError, match="holds networks"):
        checkpoint.load(path, {"generator": make()[0]})

    (path / "state.json").write_text("{not json")
    with pytest.raises(GanforgeError, match="not valid JSON"):
        checkpoint.load(path, {"m": make()[0]})


def test_state_json_holds_no_pickle(tmp_path):
    model, opt = make()
    path = checkpoint.save(tmp_path, 1, {"m": model}, {"o": opt})
    state = json.loads((path / "state.json").read_text())
    assert state["modules"] == ["m"]
    assert sorted(p.name for p in path.iterdir()) == ["state.json", "tensors.safetensors"]

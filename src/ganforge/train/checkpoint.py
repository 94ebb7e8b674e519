"""Checkpoints as safetensors (tensors) + JSON (everything else), written atomically.

A checkpoint is a folder `step-000200/` holding `tensors.safetensors` and
`state.json`. It is written under a temporary name and renamed into place, so a
crash at any moment leaves either the complete new checkpoint or none; older
complete checkpoints are removed only after the new one exists. Nothing is ever
unpickled: loading reads only safetensors and JSON.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import GanforgeError
from ..fileio import file_digest, staged_folder
from ..runs import checkpoint_name, list_checkpoints

FORMAT_VERSION = 1


def _flatten_optimizer(name: str, optimizer: torch.optim.Optimizer, tensors: dict) -> dict:
    """Put the optimizer's tensors into `tensors`; return the rest as JSON-able data."""
    sd = optimizer.state_dict()
    plain_state = {}
    for idx, per_param in sd["state"].items():
        plain = {}
        for key, value in per_param.items():
            if torch.is_tensor(value):
                tensors[f"optim.{name}.{idx}.{key}"] = value.detach().cpu().contiguous()
            else:
                plain[key] = value
        plain_state[str(idx)] = plain
    return {"param_groups": sd["param_groups"], "plain_state": plain_state}


def _unflatten_optimizer(name: str, meta: dict, tensors: dict) -> dict:
    state: dict[int, dict] = {}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            idx, field = key[len(prefix):].split(".", 1)
            state.setdefault(int(idx), {})[field] = value
    for idx, plain in meta["plain_state"].items():
        state.setdefault(int(idx), {}).update(plain)
    groups = []
    for group in meta["param_groups"]:
        group = dict(group)
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
        groups.append(group)
    return {"state": state, "param_groups": groups}


def rng_state(device="cpu") -> dict[str, torch.Tensor]:
    """The RNG states a run on `device` draws from: the CPU's always, and its own CUDA device's.

    Only the training device's state: the states of other visible GPUs are not the run's,
    and saving them would tie the checkpoint to how many GPUs the next machine shows.
    """
    states = {"rng.cpu": torch.get_rng_state()}
    device = torch.device(device)
    if device.type == "cuda" and torch.cuda.is_initialized():
        states["rng.cuda"] = torch.cuda.get_rng_state(device)
    return states


def _cuda_state(tensors: dict) -> torch.Tensor | None:
    """The checkpoint's CUDA RNG state. Checkpoints written before it kept one state per visible GPU
    ("rng.cuda.0", "rng.cuda.1", ...); their runs trained on the first."""
    return tensors.get("rng.cuda", tensors.get("rng.cuda.0"))


def set_rng_state(tensors: dict, device="cpu", path="the checkpoint") -> None:
    """Restore the CPU state, and the CUDA state of `device` when training continues on CUDA.

    A CUDA state resumed on the CPU is left unused (the CPU state is what a CPU run draws
    from); a CUDA run resumed from a checkpoint without one keeps the state it has.
    """
    try:
        torch.set_rng_state(tensors["rng.cpu"])
    except KeyError:
        raise GanforgeError(f"checkpoint {path} has no CPU random state (rng.cpu)") from None
    except (RuntimeError, TypeError) as e:
        raise GanforgeError(f"checkpoint {path}: its CPU random state cannot be restored ({e})") from None
    device = torch.device(device)
    cuda = _cuda_state(tensors)
    if device.type != "cuda" or cuda is None:
        return
    try:
        torch.cuda.set_rng_state(cuda, device)
    except (RuntimeError, TypeError) as e:
        raise GanforgeError(f"checkpoint {path}: its CUDA random state cannot be restored on {device} "
                            f"({e})") from None


def save(folder: Path, step: int, modules: dict, optimizers: dict, extra: dict | None = None,
         keep: int = 2, device="cpu") -> Path:
    """Write checkpoint `step` under `folder` atomically; keep the newest `keep`.

    device: where the run trains, whose random state is saved beside the CPU's.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"model.{name}.{key}"] = value.detach().cpu().contiguous()
    optim_meta = {name: _flatten_optimizer(name, opt, tensors) for name, opt in optimizers.items()}
    tensors.update(rng_state(device))

    with staged_folder(folder / checkpoint_name(step), replace=True, sync=True) as staging:
        save_file(tensors, str(staging / "tensors.safetensors"))
        state = {
            "format": FORMAT_VERSION,
            "step": step,
            "modules": sorted(modules),
            "optimizers": optim_meta,
            "extra": extra or {},
            "tensors_sha256": file_digest(staging / "tensors.safetensors"),
        }
        (staging / "state.json").write_text(json.dumps(state))
    # Older checkpoints go only once the new one is complete.
    for old in list_checkpoints(folder)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return folder / checkpoint_name(step)


def read(path: Path) -> tuple[dict, dict]:
    """Read and verify one checkpoint folder; return (state, tensors)."""
    path = Path(path)
    try:
        state = json.loads((path / "state.json").read_text())
    except FileNotFoundError:
        raise GanforgeError(f"checkpoint {path} has no state.json; it is incomplete") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GanforgeError(f"checkpoint {path}/state.json is not valid JSON ({e})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
        raise GanforgeError(f"checkpoint {path} has an unknown format; expected format {FORMAT_VERSION}")
    tensor_file = path / "tensors.safetensors"
    if not tensor_file.is_file():
        raise GanforgeError(f"checkpoint {path} has no tensors.safetensors; it is incomplete")
    if file_digest(tensor_file) != state.get("tensors_sha256"):
        raise GanforgeError(f"checkpoint {tensor_file} does not match the digest in state.json "
                            "(truncated or modified)")
    try:
        tensors = load_file(str(tensor_file))
    except (SafetensorError, OSError, ValueError) as e:
        raise GanforgeError(f"checkpoint {tensor_file} cannot be read ({e})") from None
    return state, tensors


def load_modules(state: dict, tensors: dict, modules: dict, path: Path) -> None:
    """Copy the saved weights into `modules`, refusing other models or shapes."""
    saved = set(state.get("modules", []))
    if saved != set(modules):
        raise GanforgeError(f"checkpoint {path} holds networks {sorted(saved)}, "
                            f"but this run has {sorted(modules)}")
    for name, module in modules.items():
        prefix = f"model.{name}."
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        own = module.state_dict()
        if set(sd) != set(own):
            missing = sorted(set(own) - set(sd))[:3]
            extra = sorted(set(sd) - set(own))[:3]
            raise GanforgeError(f"checkpoint {path}: network {name!r} does not match this model "
                                f"(missing {missing}, unexpected {extra})")
        for key, value in sd.items():
            if value.shape != own[key].shape:
                raise GanforgeError(f"checkpoint {path}: {name}.{key} has shape {tuple(value.shape)}, "
                                    f"this model expects {tuple(own[key].shape)}")
        module.load_state_dict(sd)


def _match_param_layout(optimizer: torch.optim.Optimizer) -> None:
    """Give per-parameter state the memory layout (e.g. channels-last) of its parameter.

    Saved tensors come back contiguous; fused optimizers walk state and parameter
    memory in step, so a layout mismatch would silently pair the wrong elements.
    """
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            for key, value in state.items():
                if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                    state[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def load(path: Path, modules: dict, optimizers: dict | None = None, restore_rng: bool = True,
         device="cpu") -> dict:
    """Load a checkpoint into modules (and optimizers, and the RNG states of a run on `device`); return its state."""
    state, tensors = read(path)
    load_modules(state, tensors, modules, path)
    for name, opt in (optimizers or {}).items():
        meta = state["optimizers"].get(name)
        if meta is None:
            raise GanforgeError(f"checkpoint {path} has no state for optimizer {name!r}")
        try:
            opt.load_state_dict(_unflatten_optimizer(name, meta, tensors))
        except (ValueError, KeyError, RuntimeError) as e:
            raise GanforgeError(f"checkpoint {path}: optimizer {name!r} does not match ({e})") from None
        _match_param_layout(opt)
    if restore_rng:
        set_rng_state(tensors, device, path)
    return state

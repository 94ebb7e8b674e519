"""Device, precision and thread choices, decided once per run."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache

import torch

from .errors import GanforgeError


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU multiplies bf16 in hardware (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool({"avx512_bf16", "amx_bf16"} & flags)
    except OSError:
        pass
    return False


@dataclass(frozen=True)
class Hardware:
    device: torch.device
    precision: str  # "fp32" or "bf16" (autocast dtype on cpu; bf16 or fp16 on cuda)
    channels_last: bool  # memory format for convolutional models

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        if self.precision == "fp32":
            return None
        return torch.bfloat16

    def autocast(self):
        """The autocast context for forward passes (a no-op in fp32)."""
        dtype = self.autocast_dtype
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    def describe(self) -> str:
        return f"{self.device.type} {self.precision}{' channels-last' if self.channels_last else ''}"


# Where a finished run's networks are used (translate, sample, eval, a playground's saves): the CPU, in fp32.
CPU_FP32 = Hardware(torch.device("cpu"), "fp32", channels_last=False)


def cuda_has_native_bf16() -> bool:
    """True when the current CUDA device multiplies bf16 in hardware (compute capability 8.0 or later).

    torch.cuda.is_bf16_supported() also says yes where bf16 is only emulated (older GPUs), and an
    emulated bf16 run is slower than fp32; "auto" must pick bf16 only where it pays off.
    """
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # a torch without the argument: ask for the capability itself
        return torch.cuda.get_device_capability()[0] >= 8


def resolve_device(device: str = "auto", strict: bool = True) -> str:
    """"auto" -> "cuda" where torch sees a CUDA device, else "cpu"; other names are kept.

    strict: refuse "cuda" on a machine without one (what a run needs); --dry-run passes False,
    since it checks the options, not this machine.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and strict and not torch.cuda.is_available():
        raise GanforgeError("--device cuda was asked for, but torch sees no CUDA device")
    return device


def resolve_precision(device: str, precision: str = "auto") -> str:
    """"auto" -> "bf16" where `device` (a resolved name) has native bf16 arithmetic, else "fp32"."""
    if precision != "auto":
        return precision
    if device == "cuda":
        return "bf16" if torch.cuda.is_available() and cuda_has_native_bf16() else "fp32"
    # bf16 autocast pays off only where the CPU has bf16 dot-product instructions;
    # elsewhere it emulates bf16 and runs slower than fp32.
    return "bf16" if cpu_has_native_bf16() else "fp32"


def set_tf32(allowed: bool) -> None:
    """Let CUDA matmuls and convolutions round fp32 inputs to TF32 (10-bit mantissa), or forbid it.

    The allow_tf32 switches, not torch 2.9's fp32_precision settings: once those are set for
    some operations, reading allow_tf32 (as other code, torch's own included, may) raises
    (torch 2.14, measured); set through allow_tf32, both ways of reading agree.
    """
    torch.backends.cuda.matmul.allow_tf32 = allowed
    torch.backends.cudnn.allow_tf32 = allowed


def set_cuda_determinism(deterministic: bool) -> None:
    """cuDNN and torch's kernels: the same result every time (deterministic), or the fastest kernels.

    warn_only: an operation with no deterministic CUDA kernel (torch's documentation lists them;
    here the backward passes of CUT's reflection padding and of bilinear upsampling) warns
    instead of stopping the run; the warning names it, and that run is not bit-reproducible.
    """
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic  # benchmark times kernels and may pick another next run
    torch.use_deterministic_algorithms(deterministic, warn_only=True)


def pick_hardware(device: str = "auto", precision: str = "auto", threads: int = 0,
                  convolutional: bool = False, deterministic: bool = False) -> Hardware:
    """Resolve --device, --precision, --threads and --deterministic into what the loop uses.

    Call it before any CUDA work of the run: cuBLAS reads CUBLAS_WORKSPACE_CONFIG when it
    first starts in a process, and a process that has used cuBLAS already keeps its workspace.
    """
    if deterministic and device != "cpu":
        # cuBLAS's default workspaces let a matmul split its sum differently from call to call;
        # this fixed one is what torch.use_deterministic_algorithms asks for.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    device = resolve_device(device)
    precision = resolve_precision(device, precision)
    dev = torch.device(device)
    if dev.type == "cuda":
        # "fp32" must mean the same arithmetic on both devices: without this, cuDNN convolutions
        # round their inputs to TF32. bf16 runs have traded that precision away already.
        set_tf32(precision != "fp32")
        set_cuda_determinism(deterministic)
    # On the CPU every kernel used here is deterministic already: --deterministic changes nothing.
    set_threads(threads)
    return Hardware(dev, precision, channels_last=convolutional)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def free_cores() -> int:
    """The cores this process may run on that other processes are not already keeping busy (at least 1).

    Reads the 1-minute load average: on a machine whose cores are all busy, a training that
    also asks for every core makes its threads wait on each other at every layer; measured
    on 2 cores at load about 3.5, one epoch of moons took 11.7 s with 1 thread and over 60 s
    with 2.
    """
    cores = usable_cores()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this OS
        return cores
    return max(1, min(cores, int(cores - busy + 0.5)))


def visible_gpus() -> list[str]:
    """The GPUs this process may hand to child processes, named as CUDA_VISIBLE_DEVICES names them.

    CUDA_VISIBLE_DEVICES when it is set (indices, or GPU-/MIG- UUIDs; empty: none), else
    0..n-1 for the n devices torch counts. A child given one of these names sees that GPU only.
    """
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [name.strip() for name in listed.split(",") if name.strip()]
    return [str(i) for i in range(torch.cuda.device_count())]


def set_threads(threads: int) -> None:
    """Use `threads` intra-op threads (0: the cores free of other work, see free_cores)."""
    if threads <= 0:
        threads = free_cores()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def optimizer(kind: str, params, lr: float, betas=(0.9, 0.999)) -> torch.optim.Optimizer:
    """"adam" (below) or "sgd" (plain gradient descent, as GAN Lab offers it)."""
    return adam(params, lr, betas) if kind == "adam" else torch.optim.SGD(params, lr=lr)


def adam(params, lr: float, betas=(0.9, 0.999)) -> torch.optim.Adam:
    """Adam as every trainer here uses it: the fused kernel.

    It does Adam's whole update in one pass over memory: on the moons discriminator
    it made a bf16 CPU step 1.6x faster than the default (10.3 -> 6.3 ms, measured 2026-11-23).
    """
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)

#!/usr/bin/env bash
# ganforge on a CUDA GPU: every model in bf16 and fp32, determinism, moving a GPU run to the CPU, host syncs,
# the benchmark, and sweeps that hand out GPUs (local workers and Ray).
#
# NOT YET RUN ON A GPU. It was written on a machine without one; there it passed `bash -n`, and every
# ganforge command line in it was checked against the CLI (train lines with --dry-run, the others parsed by
# ganforge's own argument parser). Expect to fix something the first time it runs.
#
# Usage, on a machine with a CUDA GPU (about 3-5 minutes; nothing is downloaded):
#   bash scripts/gpu-check.sh              # PYTHON=/path/to/python picks the interpreter (default: python)
# It prints one line per check (PASS, FAIL or SKIP, with seconds), then a summary, and exits 1 if a check
# failed. Everything it writes goes into a new temporary folder, named at the end; each check's output is
# in its logs/ folder.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root: ganforge from src/, synthetic emojis from tests/
PY=${PYTHON:-python}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ganforge-gpu-check.XXXXXX")
export XDG_CACHE_HOME="$WORK/cache"      # no data or feature network from the user's cache, none left in it
LOGS="$WORK/logs"
mkdir -p "$LOGS" "$WORK/runs" "$WORK/det"
PASSED=0 FAILED=0 SKIPPED=0

gf() { "$PY" -m ganforge "$@"; }

# check NAME FUNCTION [ARGS...]: run FUNCTION in a subshell that stops at its first failing command, its output
# in $LOGS/NAME.log, and print one line. (set -e does not act inside an `if` condition, hence the subshell.)
check() {
  local name=$1 start=$SECONDS rc=0
  shift
  set +e
  (set -e; "$@") >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    PASSED=$((PASSED + 1))
    printf 'PASS %-30s %4ds\n' "$name" $((SECONDS - start))
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL %-30s %4ds  exit %d; last lines of %s:\n' "$name" $((SECONDS - start)) "$rc" "$LOGS/$name.log"
    tail -n 5 "$LOGS/$name.log" | sed 's/^/       /'
  fi
}

skip() {
  SKIPPED=$((SKIPPED + 1))
  printf 'SKIP %-30s       %s\n' "$1" "$2"
}

# Settings of the short runs. Moons: one epoch of 2,048 points. Emoji models: 20 iterations of batch 8 on
# synthetic emojis (64 training and 16 test images a style); pictures and scores only at the end.
MOONS=(--epochs 1 --n-samples 2048 --heatmap-resolution 40 --plot-every 0)
EMOJI=(--batch-size 8 --log-every 5 --sample-every 0 --eval-every 0 --data-dir "$WORK/data")
# Determinism: a DCGAN long enough to be interrupted after its checkpoint at 100.
DET=(--iters 1000 --checkpoint-every 100 --log-every 100 --device cuda --precision fp32 --deterministic --seed 7)

versions() {
  "$PY" - <<'EOF'
import platform

import torch

print(f"python {platform.python_version()}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"cuDNN {torch.backends.cudnn.version()}")
assert torch.cuda.is_available(), "torch sees no CUDA device"
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"cuda:{i} {p.name}: compute capability {p.major}.{p.minor} (native bf16: {p.major >= 8}), "
          f"{p.total_memory / 2**30:.0f} GiB")
EOF
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.used --format=csv; fi
}

make_data() {
  "$PY" - "$WORK/data" <<'EOF'
import sys

sys.path.insert(0, "tests")
from emoji_fakes import write_archive_layout  # Apple/, Windows/, Test_Apple/, Test_Windows/ with synthetic PNGs

write_archive_layout(sys.argv[1], 64, 16)
EOF
}

# recorded RUN DEVICE PRECISION: config.json says where the run trained.
recorded() {
  "$PY" - "$@" <<'EOF'
import json
import sys

run, device, precision = sys.argv[1:]
config = json.load(open(f"{run}/config.json"))
print(f"{run}: config.json records device {config['device']}, precision {config['precision']}")
assert (config["device"], config["precision"]) == (device, precision)
EOF
}

# same CHECKPOINT CHECKPOINT: every tensor equal (weights, optimizer states, RNG states).
same() {
  "$PY" - "$@" <<'EOF'
import sys

import torch

from ganforge.train import checkpoint

_, a = checkpoint.read(sys.argv[1])
_, b = checkpoint.read(sys.argv[2])
differ = sorted(set(a) ^ set(b)) + [k for k in a if k in b and not torch.equal(a[k], b[k])]
print(f"{len(a)} tensors; differing: {differ[:8] or 'none'}")
sys.exit(1 if differ else 0)
EOF
}

# train_model NAME PRECISION KIND [OPTIONS...]: a short run on the GPU into runs/NAME-PRECISION.
train_model() {
  local name=$1 precision=$2
  shift 2
  gf train "$@" --device cuda --precision "$precision" --out "$WORK/runs/$name-$precision"
  recorded "$WORK/runs/$name-$precision" cuda "$precision"
  ls "$WORK/runs/$name-$precision/checkpoints"
}

deterministic_twice() {
  gf train dcgan "${EMOJI[@]}" "${DET[@]}" --out "$WORK/det/a"
  gf train dcgan "${EMOJI[@]}" "${DET[@]}" --out "$WORK/det/b"
  same "$WORK/det/a/checkpoints/step-001000" "$WORK/det/b/checkpoints/step-001000"
}

# SIGINT once the checkpoint at 100 exists: the run finishes its iteration, saves, exits 130; --resume must then
# end with the checkpoint of the uninterrupted run. Python itself runs in the background (not the gf function,
# whose subshell would get the signal). A background job starts with SIGINT ignored; ganforge's loop installs
# its own handler, and the signal is sent only once the loop runs.
interrupt_and_resume() {
  local run="$WORK/det/c" pid rc=0 waited=0
  "$PY" -m ganforge train dcgan "${EMOJI[@]}" "${DET[@]}" --out "$run" &
  pid=$!
  until [ -d "$run/checkpoints/step-000100" ]; do
    sleep 0.1
    waited=$((waited + 1))
    if [ "$waited" -gt 1200 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "no checkpoint at 100 after $((waited / 10)) s"
      kill "$pid" 2>/dev/null || true
      return 1
    fi
  done
  kill -INT "$pid"
  wait "$pid" || rc=$?
  echo "the interrupted run exited with $rc (130 expected); its checkpoints: $(ls "$run/checkpoints")"
  [ "$rc" -eq 130 ]
  [ ! -d "$run/checkpoints/step-001000" ]
  gf train dcgan --resume "$run"
  same "$WORK/det/a/checkpoints/step-001000" "$run/checkpoints/step-001000"
}

# The bf16 GPU CycleGAN with no GPU visible: translate and score it, then finish it on the CPU.
gpu_run_on_the_cpu() {
  local run="$WORK/runs/cyclegan-toronto-bf16"
  export CUDA_VISIBLE_DEVICES=
  gf translate --run "$run" --test-set --out "$WORK/translations"
  gf eval "$run"
  if gf train cyclegan --resume "$run" --iters 30; then
    echo "resuming a cuda run where no GPU is visible should have asked for --device cpu"
    return 1
  fi
  gf train cyclegan --resume "$run" --device cpu --iters 30
  recorded "$run" cpu bf16
  grep "trained so far on cuda bf16" "$run/log.txt"
  ls "$run/checkpoints/step-000030"
}

# A few steps of every kind under torch.cuda.set_sync_debug_mode("warn"): each host sync is a warning.
host_syncs() {
  "$PY" - <<'EOF'
import sys
import warnings

import torch

sys.path.insert(0, "tests")
from emoji_fakes import fake_styles
from ganforge import config
from ganforge.hardware import Hardware, pick_hardware
from ganforge.train.cut import prepare_cut
from ganforge.train.cyclegan import prepare_cyclegan
from ganforge.train.dcgan import prepare_dcgan
from ganforge.train.moons import prepare_moons
from ganforge.train.pix2pix import prepare_pix2pix

styles = fake_styles(16, 4)
a, b = (styles[s]["train"].images.cuda() for s in ("apple", "windows"))  # 2 batches of 8 an epoch
points = torch.randn(256, 2, device="cuda")
small = dict(batch_size=8, conv_dim=8)
found = 0
for precision in ("fp32", "bf16"):
    conv = pick_hardware("cuda", precision, convolutional=True)
    flat = Hardware(conv.device, conv.precision, channels_last=False)
    trainings = {
        "moons two-step": prepare_moons(config.resolve("moons", shuffle=True), flat, points),
        "moons revgrad": prepare_moons(config.resolve("moons", trainer="revgrad"), flat, points),
        "dcgan toronto": prepare_dcgan(config.resolve("dcgan", "toronto", **small), conv, a),
        "dcgan modern": prepare_dcgan(config.resolve("dcgan", "modern", r1_gamma=1.0, **small), conv, a),
        "cyclegan toronto": prepare_cyclegan(config.resolve("cyclegan", "toronto", **small), conv, a, b),
        "cyclegan radboud": prepare_cyclegan(config.resolve("cyclegan", "radboud", **small), conv, a, b),
        "cut": prepare_cut(config.resolve("cut", lambda_colour=1.0, lambda_palette=1.0, **small), conv, a, b),
        "pix2pix": prepare_pix2pix(config.resolve("pix2pix", **small), conv, a, b,
                                   (torch.arange(16), torch.arange(16))),
    }
    for label, training in trainings.items():
        training.step(*training.batches(0))  # building optimizer state and choosing kernels may wait
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("warn")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for iteration in range(1, 5):  # across an epoch's end
                training.step(*training.batches(iteration))
        torch.cuda.set_sync_debug_mode("default")
        syncs = [str(w.message).splitlines()[0] for w in caught if "synchroniz" in str(w.message).lower()]
        print(f"{precision} {label}: {len(syncs)} host syncs in 4 steps", *syncs[:3], sep="\n    ")
        found += len(syncs)
sys.exit(1 if found else 0)
EOF
}

cuda_tests() {
  "$PY" -m pytest -q -p no:cacheprovider -m cuda tests/test_devices.py
}

bench() {
  gf bench --quick --device cuda | tee "$WORK/bench.txt"
  grep "device cuda" "$WORK/bench.txt"
}

# sweep_gpus SWEEP_DIR: every run done, trained on cuda, and the GPU it saw recorded.
sweep_gpus() {
  "$PY" - "$1" <<'EOF'
import json
import sys

folder = sys.argv[1]
summary = json.load(open(f"{folder}/sweep.json"))
for entry in summary["runs"]:
    config = json.load(open(f"{folder}/{entry['folder']}/config.json"))
    print(f"{entry['name']}: {entry['status']}, device {config['device']}, GPU {entry.get('gpu')}")
    assert entry["status"] == "done" and config["device"] == "cuda" and entry.get("gpu"), entry
EOF
}

local_sweep() {
  gf sweep moons --seed 1,2 "${MOONS[@]}" --device cuda --workers 2 --out "$WORK/sweep-local"
  sweep_gpus "$WORK/sweep-local"
}

ray_sweep() {
  gf sweep moons --seed 1,2 "${MOONS[@]}" --device cuda --backend ray --gpus-per-run 0.5 --workers 2 \
    --out "$WORK/sweep-ray"
  sweep_gpus "$WORK/sweep-ray"
}

echo "ganforge GPU check in $WORK"
check versions versions
cat "$LOGS/versions.log"
if ! grep -q "^cuda:0 " "$LOGS/versions.log"; then
  echo "no CUDA device: nothing else to check"
  exit 1
fi
check data make_data

for precision in bf16 fp32; do
  check "moons-$precision" train_model moons "$precision" moons "${MOONS[@]}"
  check "dcgan-$precision" train_model dcgan "$precision" dcgan "${EMOJI[@]}" --iters 20
  check "cyclegan-toronto-$precision" train_model cyclegan-toronto "$precision" cyclegan --preset toronto \
    "${EMOJI[@]}" --iters 20
  check "cyclegan-radboud-$precision" train_model cyclegan-radboud "$precision" cyclegan --preset radboud \
    "${EMOJI[@]}" --iters 20
  check "cut-$precision" train_model cut "$precision" cut "${EMOJI[@]}" --iters 20
  check "pix2pix-$precision" train_model pix2pix "$precision" pix2pix "${EMOJI[@]}" --iters 20
done

check deterministic-twice deterministic_twice
check sigint-resume interrupt_and_resume
check gpu-run-on-the-cpu gpu_run_on_the_cpu
check host-syncs host_syncs
if "$PY" -c "import pytest" 2>/dev/null; then
  check cuda-tests cuda_tests
else
  skip cuda-tests "pytest is not installed"
fi
check bench bench
check local-sweep local_sweep
if "$PY" -c "import ray" 2>/dev/null; then
  check ray-sweep ray_sweep
else
  skip ray-sweep "ray is not installed (pip install 'ganforge[ray]')"
fi

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped in ${SECONDS} s; runs and logs in $WORK"
[ "$FAILED" -eq 0 ]

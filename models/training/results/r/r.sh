#!/usr/bin/env bash
# Candidate R (REPORT.md "Candidate R"): v21 and 4.1.1 averaged in weight space, calibrated as 4.1.1 was.
# From models/training, after ./make_data.sh checks train synth-tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
mkdir -p runs/r
$P - <<'PY'
import torch
ck = torch.load("../grader-vit-v1/model.pt", weights_only=False)   # 4.2.0 = 4.1.1's network + the size localizer
ck["state_dict"] = {k: v.float() for k, v in ck["state_dict"].items() if not k.startswith("size_localizer.")}
ck["config"] = dict(ck["config"], size_localizer=False)
torch.save(ck, "runs/r/4.1.1.pt")
PY
$P weight_average.py --start runs/r/4.1.1.pt --tuned results/v21/final.pt --alpha 0.5 --out runs/r/avg.pt
$P train.py --calibrate-only --init runs/r/avg.pt --data data/realmix-v1 --extra-validation data/synth-v2 \
  --cache data/cache --out runs/r/cal --threads 2
$P - <<'PY'
# the temperature on realmix-v1 validation alone, as 4.1.1's (ADR 0050)
import torch
from dataset import load_splits
from metrics import fit_temperature
from train import load_checkpoint, predict
model, ck = load_checkpoint("runs/r/cal/final.pt")
torch.set_num_threads(2)
val = load_splits(["data/realmix-v1"], "validation", model.cfg.input_size, model.cfg.output_grid, "data/cache")
g, _ = predict(model, val["pixels"])
t = fit_temperature(g, val["grade"])
print("temperature", ck["calibration"]["temperature"], "-> realmix-v1 validation", t)
ck["calibration"]["temperature"] = float(t)
ck["calibration"]["temperature_fitted_on"] = "realmix-v1 validation (724 photos)"
torch.save(ck, "runs/r/t.pt")
PY
$P familiarity.py --ckpt runs/r/t.pt --data data/realmix-v1 --extra data/synth-v2 --prefill-fit-on data/realmix-v1 \
  --out runs/rfam --fit-photos 1500 --threads 2
$P evaluate.py --ckpt runs/rfam/final.pt --data data/realmix-v1 --split validation --out runs/rfam/val.json --threads 2
$P evaluate.py --ckpt runs/rfam/final.pt --data data/realcheck-v2 --realcheck data/realcheck-v2 --out runs/rfam/realcheck-v2.json --threads 2
$P evaluate.py --ckpt runs/rfam/final.pt --data data/synth-v1-test --out runs/rfam/synth-v1-test.json --threads 2
$P evaluate.py --ckpt runs/rfam/final.pt --data data/synth-v1-test --extra-data data/synth-v1b-test --extra-data data/synth-v1c-test \
  --out runs/rfam/synth-tests-all.json --threads 2
$P prefill_study.py --ckpt runs/rfam/final.pt --data data/realmix-v1 --extra data/synth-v2 --fit-on data/realmix-v1 \
  --realcheck data/realcheck-v2 --threads 2 > runs/rfam/prefill.json
$P evaluate.py --ckpt runs/rfam/final.pt --data data/site-check --realcheck data/site-check --out runs/rfam/site-check.json --threads 2
echo "R done"

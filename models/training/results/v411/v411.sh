#!/usr/bin/env bash
# 4.1.1 candidate (REPORT.md "4.1.1 candidate"): 4.1.0's temperature fitted on realmix-v1 validation alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
mkdir -p runs/v411
$P calibration_study.py --ckpt ../grader-vit-v1/model.pt --validation data/realmix-v1 --test data/synth-v1-test \
  --test data/synth-v1b-test --test data/synth-v1c-test --realcheck data/realcheck-v2 --threads 2 --out runs/v411/calibration.json
$P - <<'PY'
import json, torch
t = json.load(open("runs/v411/calibration.json"))["fits"]["realmix-v1 validation"]["temperature"]
ck = torch.load("../grader-vit-v1/model.pt", weights_only=False)
print("stored temperature", ck["calibration"]["temperature"], "-> realmix-v1 fit", t)
ck["calibration"]["temperature"] = float(t)
ck["calibration"]["temperature_fitted_on"] = "realmix-v1 validation (724 photos)"
torch.save(ck, "runs/v411/t.pt")
PY
$P familiarity.py --ckpt runs/v411/t.pt --data data/realmix-v1 --keep-statistics --prefill-fit-on data/realmix-v1 \
  --realcheck data/realcheck-v2 --out runs/v411fam --threads 2
$P evaluate.py --ckpt runs/v411fam/final.pt --data data/realcheck-v2 --realcheck data/realcheck-v2 --out runs/v411fam/realcheck-v2.json --threads 2
$P evaluate.py --ckpt runs/v411fam/final.pt --data data/synth-v1-test --extra-data data/synth-v1b-test --extra-data data/synth-v1c-test \
  --out runs/v411fam/synth-tests-all.json --threads 2
echo "v411 done"

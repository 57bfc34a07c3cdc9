#!/usr/bin/env bash
# The short 100-label loop (T100S), added after t.sh's three runs (REPORT.md, "The site loop at length"); then the two
# bootstraps again with all four retrains (the same seed, so the draws and t.sh's figures are unchanged).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
$P retrain.py --init ../grader-vit-v1 --preset site-labels --cache data/cache --data data/site-100 --out runs/t100S-model \
  --version 4.2.0-t100s --work runs/t100S > runs/t100S.log 2>&1
M="--model 4.2.0=../grader-vit-v1/model.pt --model T300L=runs/t300L-model/model.pt --model T100L=runs/t100L-model/model.pt"
M="$M --model T300S=runs/t300S-model/model.pt --model T100S=runs/t100S-model/model.pt"
$P check_uncertainty.py --data data/site-check $M --out results/t/site-check.json --threads 2 > runs/t-site.log 2>&1
$P check_uncertainty.py --data data/realcheck-v2 $M --out results/t/realcheck-v2.json --threads 2 > runs/t-general.log 2>&1

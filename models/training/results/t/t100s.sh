#!/usr/bin/env bash
# The short 100-label loop (T100S), added after t.sh's three runs (REPORT.md, "The site loop at length"). Its figures in
# results/t/*.json come from t300r.sh's bootstraps, which read all six models on the same draws as t.sh's (a rerun of
# the bootstraps after this step alone, with five models, gave the same figures for the first four to the last digit).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
nice -n 19 /usr/bin/python3 retrain.py --init ../grader-vit-v1 --preset site-labels --cache data/cache --data data/site-100 \
  --out runs/t100S-model --version 4.2.0-t100s --work runs/t100S > runs/t100S.log 2>&1

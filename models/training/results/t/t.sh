#!/usr/bin/env bash
# The site loop at length (REPORT.md): three retrains of 4.2.0 on a site's first labels, then the object bootstrap.
# From models/training, after ./make_data.sh checks train site.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
R="retrain.py --init ../grader-vit-v1 --preset site-labels --cache data/cache"
$P $R --data data/site-300 --out runs/t300L-model --version 4.2.0-t300l --work runs/t300L --epochs 400 --max-minutes 30 > runs/t300L.log 2>&1 &
$P $R --data data/site-100 --out runs/t100L-model --version 4.2.0-t100l --work runs/t100L --epochs 400 --max-minutes 30 > runs/t100L.log 2>&1 &
wait
$P $R --data data/site-300 --out runs/t300S-model --version 4.2.0-t300s --work runs/t300S > runs/t300S.log 2>&1
M="--model 4.2.0=../grader-vit-v1/model.pt --model T300L=runs/t300L-model/model.pt --model T100L=runs/t100L-model/model.pt --model T300S=runs/t300S-model/model.pt"
$P check_uncertainty.py --data data/site-check $M --out results/t/site-check.json > runs/t-site.log 2>&1
$P check_uncertainty.py --data data/realcheck-v2 $M --out results/t/realcheck-v2.json > runs/t-general.log 2>&1

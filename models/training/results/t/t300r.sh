#!/usr/bin/env bash
# T300R: T300S on another draw of the site's items (REPORT.md, "The site loop at length", replication); then the two
# bootstraps with all six models (the same seed: the earlier models' figures stay as they were).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
[[ -d data/site-300b ]] || $P realmix.py --real data/real --out data/site-300b --items 300 --seed 32 --prefix siteb --content site --workers 2
$P retrain.py --init ../grader-vit-v1 --preset site-labels --cache data/cache --data data/site-300b --out runs/t300R-model \
  --version 4.2.0-t300r --work runs/t300R > runs/t300R.log 2>&1
M="--model 4.2.0=../grader-vit-v1/model.pt --model T300L=runs/t300L-model/model.pt --model T100L=runs/t100L-model/model.pt"
M="$M --model T300S=runs/t300S-model/model.pt --model T100S=runs/t100S-model/model.pt --model T300R=runs/t300R-model/model.pt"
$P check_uncertainty.py --data data/site-check $M --out results/t/site-check.json --threads 2 > runs/t-site.log 2>&1
$P check_uncertainty.py --data data/realcheck-v2 $M --out results/t/realcheck-v2.json --threads 2 > runs/t-general.log 2>&1

#!/usr/bin/env bash
# 4.1.0 on this machine's rebuilt realcheck-v2 (the candidate's comparison, same photos)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
P="nice -n 19 /usr/bin/python3"
mkdir -p runs/v410
git show 1682796:models/grader-vit-v1/model.pt > runs/v410/model-4.1.0.pt  # 4.1.0 as committed
$P evaluate.py --ckpt runs/v410/model-4.1.0.pt --data data/realcheck-v2 --realcheck data/realcheck-v2 --out runs/v410/realcheck-v2.json --threads 2
$P prefill_study.py --ckpt runs/v410/model-4.1.0.pt --data data/realmix-v1 --fit-on data/realmix-v1 --realcheck data/realcheck-v2 --threads 2 > runs/v410/prefill.json
echo "v410 done"

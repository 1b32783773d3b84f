#!/bin/sh
# bench/rate: scikit-learn checks of QWK (to 1e-9) and of the gradient-boosting classifier, then the baselines'
# QWK on the embedded data. Usage: sh bench/rate/run.sh [OUT_DIR]   (from the project root)
set -e
OUT=${1:-/tmp/bench-rate}
node --import tsx bench/rate/export.ts "$OUT"
OMP_NUM_THREADS=1 /usr/bin/python3 bench/rate/sklearn_check.py "$OUT"   # one thread: OpenMP spin-waits on a busy machine
node --import tsx bench/rate/baselines.ts

#!/usr/bin/python3
"""Metrics against scikit-learn, Python side: reads the cases written by metrics-cases.ts, recomputes every
metric with scikit-learn and prints the largest absolute difference per metric; exits 1 above 1e-9.

    /usr/bin/python3 bench/classify/metrics_sklearn.py /tmp/metrics-cases.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, cohen_kappa_score, confusion_matrix,
                             f1_score, precision_recall_fscore_support, recall_score)

TOL = 1e-9
cases = json.load(open(sys.argv[1] if len(sys.argv) > 1 else '/tmp/metrics-cases.json'))
worst = {}


def note(metric, a, b):
    d = abs(a - b) if not (np.isnan(a) and np.isnan(b)) else 0.0
    worst[metric] = max(worst.get(metric, 0.0), d)


for c in cases:
    t = np.array(c['yTrue'])
    p = np.array(c['yPred'])
    k = c['k']
    w = np.array(c['weights'])
    ts = c['ts']
    note('accuracy', ts['accuracy'], accuracy_score(t, p))
    # the paper's weighted accuracy: support-weighted recall == (sample-weighted) accuracy
    note('weightedAccuracy', ts['weightedAccuracy'], recall_score(t, p, average='weighted', zero_division=0))
    note('weightedAccuracy (sample weights)', ts['weightedAccuracySampleWeights'], accuracy_score(t, p, sample_weight=w))
    note('balancedAccuracy', ts['balancedAccuracy'], balanced_accuracy_score(t, p))
    note('macroF1', ts['macroF1'], f1_score(t, p, average='macro', zero_division=0))
    ref_qwk = cohen_kappa_score(t, p, weights='quadratic', labels=list(range(k)))
    note('qwk', ts['qwk'] if ts['qwk'] is not None else float('nan'), ref_qwk)
    note('adjacentAccuracy', ts['adjacentAccuracy'], float(np.mean(np.abs(t - p) <= 1)))
    cm = confusion_matrix(t, p, labels=list(range(k)))
    note('confusion', 0.0, float(np.max(np.abs(cm - np.array(ts['confusion'])))))
    pr, rc, f1, sup = precision_recall_fscore_support(t, p, labels=list(range(k)), zero_division=0)
    for i, s in enumerate(ts['perClass']):
        note('precision', s['precision'], pr[i])
        note('recall', s['recall'], rc[i])
        note('f1', s['f1'], f1[i])
        note('support', s['support'], sup[i])

print(f'scikit-learn {sklearn.__version__}, numpy {np.__version__}: {len(cases)} cases')
print(f'{"metric":36} max |TS - sklearn|')
for m, d in worst.items():
    print(f'{m:36} {d:.3e}')
bad = [m for m, d in worst.items() if not d <= TOL]
print('all within 1e-9' if not bad else f'ABOVE 1e-9: {", ".join(bad)}')
sys.exit(1 if bad else 0)

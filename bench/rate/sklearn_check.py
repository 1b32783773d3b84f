"""bench/rate, step 2: compare with scikit-learn (Debian's python3-sklearn; run with /usr/bin/python3).

- QWK: cohen_kappa_score(a, b, weights="quadratic") and with sample_weight, against this project's values, to 1e-9.
- Gradient boosting: HistGradientBoostingClassifier with the same settings as src/awe/gbdt.ts (lr 0.1,
  100 iterations, 31 leaves, 20 samples per leaf, no L2, 255 bins, no early stopping) on the same features and
  split; its test QWK must fall inside this project's 90 % bootstrap interval.
Usage: /usr/bin/python3 bench/rate/sklearn_check.py OUT_DIR   (after export.ts); exits 1 if a check fails.
"""
import json, sys, time
import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score
from sklearn.ensemble import HistGradientBoostingClassifier

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench-rate"
d = json.load(open(f"{out}/checks.json"))
ok = True
worst = 0.0
for c in d["qwkCases"]:
    labels = list(range(c["k"]))
    ref = cohen_kappa_score(c["a"], c["b"], weights="quadratic", labels=labels)
    refw = cohen_kappa_score(c["a"], c["b"], weights="quadratic", labels=labels, sample_weight=c["w"])
    worst = max(worst, abs(ref - c["qwk"]), abs(refw - c["weighted"]))
print(f"scikit-learn {sklearn.__version__}: QWK on {len(d['qwkCases'])} cases (n 20..2571, k 3..11, with and without sample weights): max |difference| = {worst:.2e}")
if worst > 1e-9:
    ok = False
    print("FAIL: QWK differs by more than 1e-9")
results = []
for s in d["gbdt"]:
    clf = HistGradientBoostingClassifier(learning_rate=0.1, max_iter=100, max_leaf_nodes=31, min_samples_leaf=20,
                                         l2_regularization=0.0, max_bins=255, early_stopping=False, random_state=0)
    t0 = time.time()
    clf.fit(np.array(s["xTrain"]), np.array(s["yTrain"]))
    secs = time.time() - t0
    pred = clf.predict(np.array(s["xTest"]))
    k = len(s["classes"])
    q = cohen_kappa_score(s["yTest"], pred, weights="quadratic", labels=list(range(k)))
    lo, hi = s["tsCi90"]
    inside = bool(lo <= q <= hi)
    same = float(np.mean(np.array(s["tsPred"]) == pred))
    print(f"{s['name']}: sklearn HistGradientBoostingClassifier QWK {q:.4f} (fit {secs:.1f} s); this project's {s['tsQwk']:.4f} "
          f"[{lo:.4f}, {hi:.4f}] -> {'inside' if inside else 'OUTSIDE'} the interval; same prediction on {100 * same:.1f}% of test essays")
    ok = ok and inside
    results.append({"set": s["name"], "sklearn": float(q), "ts": s["tsQwk"], "ci90": [lo, hi], "inside": inside, "agreement": same})
json.dump({"qwkMaxDiff": worst, "gbdt": results, "sklearn": sklearn.__version__}, open(f"{out}/sklearn-results.json", "w"), indent=1)
sys.exit(0 if ok else 1)

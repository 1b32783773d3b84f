"""What a Python user would write instead of `cefrlab prepare` (the benchmark's reference).

pandas read_csv, then scikit-learn's train_test_split twice (80 % train, then the remaining 20 % halved
into valid and test), stratified by CEFR level x L1, then the three split files with documents joined by
three newlines. Run with Debian's python3 (python3-pandas, python3-sklearn):

    /usr/bin/python3 bench/prepare_reference.py CSV OUTDIR [SEED]
"""
import os
import sys
import time

import pandas as pd
from sklearn.model_selection import train_test_split


def main() -> None:
    csv, out = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    t0 = time.time()
    df = pd.read_csv(csv, usecols=["writing_id", "l1", "cefr_level", "text"], dtype=str, keep_default_na=False)
    df["cefr_level"] = df["cefr_level"].str.strip().str.upper()
    df = df[df["text"].str.strip() != ""]
    strata = df["cefr_level"] + "|" + df["l1"]
    # train_test_split cannot stratify a class with a single member: fold such strata into their level.
    counts = strata.map(strata.value_counts())
    strata = strata.where(counts >= 10, df["cefr_level"])
    train, rest = train_test_split(df, test_size=0.2, random_state=seed, stratify=strata)
    rest_strata = strata.loc[rest.index]
    counts = rest_strata.map(rest_strata.value_counts())
    rest_strata = rest_strata.where(counts >= 2, rest["cefr_level"])
    valid, test = train_test_split(rest, test_size=0.5, random_state=seed, stratify=rest_strata)
    os.makedirs(out, exist_ok=True)
    for name, part in (("train", train), ("valid", valid), ("test", test)):
        texts = part["text"].str.replace(r"\n{3,}", "\n\n", regex=True).str.strip()
        with open(os.path.join(out, f"{name}.txt"), "w", encoding="utf-8") as f:
            f.write("\n\n\n".join(texts))
        part[["writing_id", "cefr_level", "l1"]].to_csv(os.path.join(out, f"{name}.labels.tsv"), sep="\t", index=False)
    lengths = df["text"].str.len()
    print(
        f"reference: {len(df)} documents, train {len(train)} valid {len(valid)} test {len(test)}, "
        f"chars mean {lengths.mean():.1f} min {lengths.min()} max {lengths.max()}, {time.time() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()

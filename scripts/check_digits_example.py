#!/usr/bin/env python3
"""Checks one run of examples/digits_label_smoothing.py against numpy (called by
scripts/check-digits-example, which starts the server and runs the example first).

    python3 scripts/check_digits_example.py OUT_DIR DATA_DIR STDOUT_FILE [COMMITTED_DATA_DIR]

OUT_DIR holds the run's digits-table.json and SVGs, DATA_DIR the .npy files it wrote, STDOUT_FILE
its printed table. Checks, each counted:
  - every value in digits-table.json (softlabel's answers) equals the same quantity computed here
    with numpy in float64 from the float32 .npy files, within ATOL + RTOL * |numpy| (1e-6 each):
    accuracy, mean confidence, ECE (15 equal-width bins, [lo, hi), the last closed), NLL
    (log-softmax), mean logit gap z_y - max_{j != y} z_j, the optimal gap ln(1 + K(1 - eps)/eps), the share of gaps beyond
    it, class separation R^2 (closed form over unit rows: 1 - within/total), mean feature norm and
    AURC ((1/N) sum_k E(k)/k, errors of tied confidences spread evenly over their positions);
  - the printed table shows those values (as the example formats them);
  - the four SVGs exist and parse as XML with an <svg> root;
  - the .npy files have the documented dtypes and shapes and, with COMMITTED_DATA_DIR, are the
    same bytes as the committed ones (the example is deterministic).
Prints "digits: N passed, M failed"; exits 1 when anything failed.
"""
import json
import math
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

RTOL = 1e-6
ATOL = 1e-6
BINS = 15
SVG_TAG = "{http://www.w3.org/2000/svg}svg"
NAMES = ("onehot", "smoothed")
DATA_FILES = ["digits-labels.npy"] + [f"digits-{n}-{part}.npy" for n in NAMES
                                      for part in ("logits", "features", "weights")]


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def ece(confidence, correct, bins=BINS):
    """Equal-width bins [b/bins, (b+1)/bins), the last one closed at 1."""
    index = np.minimum(np.floor(confidence * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(confidence) * abs(correct[mask].mean() - confidence[mask].mean())
    return total


def aurc(confidence, correct):
    """(1/N) sum_k E(k)/k over rows sorted by confidence descending; ties share their errors evenly."""
    order = np.argsort(-confidence, kind="stable")
    s = confidence[order]
    wrong = (~correct[order]).astype(np.float64)
    n = len(s)
    errors = np.empty(n)
    done, start = 0.0, 0
    while start < n:
        end = start
        while end + 1 < n and s[end + 1] == s[start]:
            end += 1
        size = end - start + 1
        group = wrong[start:end + 1].sum()
        errors[start:end + 1] = done + group * np.arange(1, size + 1) / size
        done += group
        start = end + 1
    return float(np.mean(errors / np.arange(1, n + 1)))


def class_separation_r2(features, labels):
    """Kornblith et al. 2021 over the classes present, from class sums of unit rows (O(N D))."""
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    within, centre = [], []
    for k in np.unique(labels):
        s = unit[labels == k].sum(axis=0)
        n = (labels == k).sum()
        within.append(1.0 - s @ s / n ** 2)
        centre.append(s / n)
    mean_centre = np.mean(centre, axis=0)
    return 1.0 - np.mean(within) / (1.0 - mean_centre @ mean_centre)


def reference(data, name, epsilon):
    """The table's column for one model, from the .npy files alone."""
    labels = np.load(os.path.join(data, "digits-labels.npy"))
    z = np.load(os.path.join(data, f"digits-{name}-logits.npy")).astype(np.float64)
    x = np.load(os.path.join(data, f"digits-{name}-features.npy")).astype(np.float64)
    rows = np.arange(len(labels))
    logp = log_softmax(z)
    confidence = np.exp(logp).max(axis=1)
    correct = z.argmax(axis=1) == labels
    others = z.copy()
    others[rows, labels] = -np.inf
    gap = z[rows, labels] - others.max(axis=1)
    k = z.shape[1]
    optimal = math.log(1 + k * (1 - epsilon) / epsilon)
    return {
        "accuracy": float(correct.mean()),
        "mean_confidence": float(confidence.mean()),
        "ece": ece(confidence, correct),
        "nll": float(-logp[rows, labels].mean()),
        "logit_gap_mean": float(gap.mean()),
        "logit_gap_optimal": optimal,
        "beyond_optimal": float((gap > optimal).mean()),
        "class_separation_r2": float(class_separation_r2(x, labels)),
        "feature_norm_mean": float(np.linalg.norm(x, axis=1).mean()),
        "aurc": aurc(confidence, correct),
    }


def main():
    out, data, stdout_file = sys.argv[1:4]
    committed = sys.argv[4] if len(sys.argv) > 4 else None
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok {what}")
        else:
            failed += 1
            print(f"FAIL {what}")

    # The .npy files: dtypes, shapes, and the committed bytes.
    labels = np.load(os.path.join(data, "digits-labels.npy"))
    n = len(labels)
    check(labels.dtype == np.int64 and labels.ndim == 1, f"digits-labels.npy int64 [{n}]")
    for name in NAMES:
        logits = np.load(os.path.join(data, f"digits-{name}-logits.npy"))
        features = np.load(os.path.join(data, f"digits-{name}-features.npy"))
        weights = np.load(os.path.join(data, f"digits-{name}-weights.npy"))
        k, d = weights.shape
        check(logits.dtype == features.dtype == weights.dtype == np.float32
              and logits.shape == (n, k) and features.shape == (n, d),
              f"{name}: float32 logits {logits.shape}, features {features.shape}, weights {weights.shape}")
    if committed:
        for file in DATA_FILES:
            with open(os.path.join(data, file), "rb") as a, open(os.path.join(committed, file), "rb") as b:
                check(a.read() == b.read(), f"{file}: the same bytes as the committed file")

    # softlabel's values against numpy.
    with open(os.path.join(out, "digits-table.json")) as file:
        table = json.load(file)
    epsilon = table["label_smoothing"]
    for name in NAMES:
        expected = reference(data, name, epsilon)
        for key, want in expected.items():
            got = table["columns"][name][key]
            want = float(want)
            ok = got is not None and abs(got - want) <= ATOL + RTOL * abs(want)
            check(ok, f"{name} {key}: softlabel {got!r}, numpy {want!r}")

    # The printed table shows the JSON's values, as the example formats them.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
    from digits_label_smoothing import ROWS
    with open(stdout_file) as file:
        printed = file.read().splitlines()
    for key, label, fmt in ROWS:
        cells = [fmt.format(table["columns"][name][key]) for name in NAMES]
        line = next((line for line in printed if line.startswith(label)), None)
        check(line is not None and line.split()[-2:] == cells, f"printed row {label!r}: {cells}")

    # The SVGs.
    for name in NAMES:
        for kind in ("reliability", "projection"):
            path = os.path.join(out, f"digits-{name}-{kind}.svg")
            try:
                root = ET.parse(path).getroot()
                check(root.tag == SVG_TAG, f"{os.path.basename(path)}: an <svg> document")
            except (OSError, ET.ParseError) as error:
                check(False, f"{os.path.basename(path)}: {error}")

    print(f"digits: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

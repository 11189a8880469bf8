#!/usr/bin/env python3
"""Did label smoothing help my model, and how? Two copies of one small MLP on scikit-learn's digits,
trained with one-hot targets and with uniform label smoothing (eps = 0.1), compared by softlabel.

    python3 examples/digits_label_smoothing.py [--url http://127.0.0.1:8080] [--out examples/out]
                                               [--data examples/data]
    python3 examples/digits_label_smoothing.py --seeds 5     # the spread over 5 initial seeds

Needs `numpy` and `scikit-learn` (PyPI; the digits ship with scikit-learn, nothing is downloaded)
and a running `softlabel serve` (--url, else $SOFTLABEL_URL, else http://127.0.0.1:8080). The
model and its training are in examples/digits_model.py (fixed seeds, float64, about 15 s on one
core).

What it does:
  1. Trains both models and writes their held-out outputs to --data as .npy: digits-labels.npy
     (int64 [N]), digits-{onehot,smoothed}-logits.npy (float32 [N, 10]),
     digits-{onehot,smoothed}-features.npy (float32 [N, 32], the penultimate activations) and
     digits-{onehot,smoothed}-weights.npy (float32 [10, 32], the final layer's class templates).
     Same machine and numpy build: the same bytes on every run.
  2. For each model asks softlabel:
       POST /v1/calibration     {"logits", "labels", "label_smoothing": 0.1, "metrics": [accuracy,
                                 mean_confidence, ece, nll, logit_gap, selective]}; with eps given, logit_gap.optimal
                                 is ln(1 + K(1 - eps)/eps), the gap the smoothed target asks for
       POST /v1/representation  {"features", "labels", "weights", "projection_classes"}
       POST /v1/reliability-diagram and /v1/projection-diagram: SVGs written to --out
  3. Prints one table (one-hot vs smoothed) and writes its values, unrounded, to
     --out/digits-table.json (scripts/check-digits-example recomputes them with numpy).

With --seeds N it instead trains both models from N initial weights (seeds 0..N-1, the minibatch
order from seed + 1; seed 0 is the default run) and prints each row's min .. max and in how many
seeds the smoothed model's value was the larger: is a difference in the table bigger than what
the seed alone moves? Nothing is written.

Exits 1 when softlabel answers with an error, 2 when it cannot be reached (the .npy files are
written before any request).
"""
import argparse
import json
import math
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

from digits_model import EPSILON, NUM_CLASSES, train_both  # noqa: E402

# Three digit classes for the projection picture (Mueller et al. 2019, Fig. 1): 3, 5 and 8 share
# strokes, so their clusters are the ones a model has to pull apart.
PROJECTION_CLASSES = [3, 5, 8]
BINS = 15
TIMEOUT = 60  # seconds per request

# (key in digits-table.json, label in the printed table, number format)
ROWS = [
    ("accuracy", "accuracy", "{:.4f}"),
    ("mean_confidence", "mean confidence", "{:.4f}"),
    ("ece", "ECE (15 bins)", "{:.4f}"),
    ("nll", "NLL", "{:.4f}"),
    ("logit_gap_mean", "mean logit gap", "{:.3f}"),
    ("logit_gap_optimal", "optimal gap for eps=0.1", "{:.3f}"),
    ("beyond_optimal", "share beyond optimal", "{:.4f}"),
    ("class_separation_r2", "class separation R^2", "{:.4f}"),
    ("feature_norm_mean", "mean feature norm", "{:.3f}"),
    ("aurc", "AURC", "{:.5f}"),
]


class ServerError(Exception):
    """softlabel answered with a status other than 200."""


def post(url, path, body):
    """POSTs JSON; returns (content type, bytes). Raises ServerError on a non-200 answer."""
    request = urllib.request.Request(url.rstrip("/") + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        raise ServerError(f"{path}: HTTP {error.code}: {error.read().decode(errors='replace')}") from None


def post_json(url, path, body):
    return json.loads(post(url, path, body)[1])


def write_data(directory, runs, labels):
    """The .npy files of the page's "Try an example": labels, then logits/features/weights per run."""
    os.makedirs(directory, exist_ok=True)
    np.save(os.path.join(directory, "digits-labels.npy"), labels)
    for name, run in runs.items():
        np.save(os.path.join(directory, f"digits-{name}-logits.npy"), run.logits)
        np.save(os.path.join(directory, f"digits-{name}-features.npy"), run.features)
        np.save(os.path.join(directory, f"digits-{name}-weights.npy"), run.weights)


def evaluate(url, out, name, run, labels):
    """One model's column of the table (a dict keyed as ROWS), its SVGs written to `out` (None: no SVGs)."""
    calibration_request = {"logits": run.logits.tolist(), "labels": labels.tolist(), "bins": BINS}
    calibration = post_json(url, "/v1/calibration", {
        **calibration_request,
        "label_smoothing": EPSILON,
        "metrics": ["accuracy", "mean_confidence", "ece", "nll", "logit_gap", "selective"],
    })
    representation_request = {
        "features": run.features.tolist(),
        "labels": labels.tolist(),
        "num_classes": NUM_CLASSES,
        "weights": run.weights.tolist(),
        "projection_classes": PROJECTION_CLASSES,
    }
    representation = post_json(url, "/v1/representation", representation_request)
    diagrams = [] if out is None else [("/v1/reliability-diagram", calibration_request, "reliability"),
                                       ("/v1/projection-diagram", representation_request, "projection")]
    for path, body, suffix in diagrams:
        content_type, svg = post(url, path, body)
        if not content_type.startswith("image/svg+xml"):
            raise ServerError(f"{path}: expected image/svg+xml, got {content_type!r}")
        with open(os.path.join(out, f"digits-{name}-{suffix}.svg"), "wb") as file:
            file.write(svg)
    gap = calibration["logit_gap"]
    return {
        "accuracy": calibration["accuracy"],
        "mean_confidence": calibration["mean_confidence"],
        "ece": calibration["ece"],
        "nll": calibration["nll"],
        "logit_gap_mean": gap["mean"],
        "logit_gap_optimal": gap["optimal"],
        "beyond_optimal": gap["beyond_optimal"],
        "class_separation_r2": representation["class_separation_r2"],
        "feature_norm_mean": representation["feature_norm"]["mean"],
        "aurc": calibration["selective"]["aurc"],
    }


def format_table(columns, train_accuracy):
    """The printed table: one row per entry of ROWS, columns one-hot and smoothed."""
    lines = [f"{'':26}{'one-hot':>12}{'smoothed':>12}",
             f"{'train accuracy':26}{train_accuracy['onehot']:>12.4f}{train_accuracy['smoothed']:>12.4f}"]
    for key, label, fmt in ROWS:
        cells = []
        for name in ("onehot", "smoothed"):
            value = columns[name][key]
            cells.append(f"{'-' if value is None else fmt.format(value):>12}")
        lines.append(f"{label:26}{''.join(cells)}")
    return "\n".join(lines)


def format_sweep(per_seed):
    """The --seeds table: min .. max over the seeds of each row, and in how many seeds smoothing
    gave the larger value."""
    lines = [f"{'':26}{'one-hot (min .. max)':>24}{'smoothed (min .. max)':>24}{'smoothed larger':>17}"]
    for key, label, fmt in ROWS:
        cells, larger = [], 0
        for name in ("onehot", "smoothed"):
            values = [columns[name][key] for columns in per_seed]
            cells.append(f"{fmt.format(min(values))} .. {fmt.format(max(values))}")
        larger = sum(columns["smoothed"][key] > columns["onehot"][key] for columns in per_seed)
        lines.append(f"{label:26}{cells[0]:>24}{cells[1]:>24}{f'{larger} of {len(per_seed)}':>17}")
    return "\n".join(lines)


def sweep(url, seeds):
    """Trains both models for init seeds 0..seeds-1 (minibatch order seed + 1) and prints the spread;
    writes nothing. The split stays fixed: this measures the spread from training alone."""
    per_seed = []
    for seed in range(seeds):
        runs, labels = train_both(init_seed=seed, order_seed=seed + 1)
        per_seed.append({name: evaluate(url, None, name, run, labels) for name, run in runs.items()})
        print(f"seed {seed}: accuracy {per_seed[-1]['onehot']['accuracy']:.4f} one-hot, "
              f"{per_seed[-1]['smoothed']['accuracy']:.4f} smoothed", flush=True)
    print(format_sweep(per_seed))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("SOFTLABEL_URL", "http://127.0.0.1:8080"),
                        help="softlabel's base URL (default $SOFTLABEL_URL or http://127.0.0.1:8080)")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "out"), help="directory for the SVGs and digits-table.json")
    parser.add_argument("--data", default=os.path.join(here, "data"), help="directory for the .npy model outputs")
    parser.add_argument("--seeds", type=int, default=0,
                        help="instead: train with N initial seeds and print each row's spread (no files written)")
    args = parser.parse_args()

    if args.seeds > 0:
        try:
            sweep(args.url, args.seeds)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            print(f"cannot reach softlabel at {args.url}: {error}", file=sys.stderr)
            return 2
        except ServerError as error:
            print(f"softlabel refused a request: {error}", file=sys.stderr)
            return 1
        return 0
    runs, labels = train_both()
    write_data(args.data, runs, labels)
    os.makedirs(args.out, exist_ok=True)
    try:
        columns = {name: evaluate(args.url, args.out, name, run, labels) for name, run in runs.items()}
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        print(f"cannot reach softlabel at {args.url}: {error}", file=sys.stderr)
        return 2
    except ServerError as error:
        print(f"softlabel refused a request: {error}", file=sys.stderr)
        return 1
    train_accuracy = {name: run.train_accuracy for name, run in runs.items()}
    with open(os.path.join(args.out, "digits-table.json"), "w") as file:
        json.dump({"columns": columns, "train_accuracy": train_accuracy, "held_out": int(len(labels)),
                   "projection_classes": PROJECTION_CLASSES, "label_smoothing": EPSILON}, file, indent=2)
        file.write("\n")
    print(f"digits: {len(labels)} held-out images, eps = {EPSILON}, optimal gap ln(1 + K(1-eps)/eps) = "
          f"{math.log(1 + NUM_CLASSES * (1 - EPSILON) / EPSILON):.3f}")
    print(format_table(columns, train_accuracy))
    return 0


if __name__ == "__main__":
    sys.exit(main())

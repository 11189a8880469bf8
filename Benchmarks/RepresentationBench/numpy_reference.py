"""The /v1/representation closed-form sums in numpy, timed like RepresentationBench.

usage: python3 numpy_reference.py <dir> <rows> <dimension> <classes> <repeats> [swift.jsonl]

Reads <dir>/features.f32 and labels.i64 (written by RepresentationBench) and times, best of
`repeats` on one thread, the same per-class sums the kernel makes (counts, Σx, Σx/‖x‖, Σ‖x‖,
Σ‖x‖²), three ways a numpy user would write them:
- onehot_matmul_f64: float64 rows, class sums as a one-hot (K×B) @ (B×D) product (BLAS dgemm);
- sorted_reduceat_f64: float64 rows sorted by label, np.add.reduceat over the class runs;
- per_class_loop_f64: float64 rows and unit rows, a boolean mask and a column sum per class;
- onehot_matmul_f32: the same product in float32 (sgemm; less accurate, shown for reference).
Each includes its metrics from the sums (K×D work). With swift.jsonl it compares the metric
values with the Swift kernel's (relative 1e-9) and prints the fastest numpy time.
"""
import json
import sys
import time

import numpy as np


def metrics(counts, s, u, norm_sum, sq_sum):
    present = counts > 0
    n_k = counts[present].astype(np.float64)
    s, u = s[present], u[present]
    kp = n_k.size
    within = np.mean(1 - np.einsum("kd,kd->k", u, u) / n_k**2)
    total = 1 - np.sum((u / n_k[:, None]).mean(axis=0) ** 2)
    n = n_k.sum()
    mu = s.sum(axis=0) / n
    within_var = (sq_sum[present].sum() - np.sum(np.einsum("kd,kd->k", s, s) / n_k)) / n
    between_var = np.sum(n_k * np.sum((s / n_k[:, None] - mu) ** 2, axis=1)) / n
    return {"class_separation_r2": 1 - within / total, "within_distance": within, "total_distance": total,
            "feature_norm_mean": norm_sum.sum() / n, "within_class_variance": within_var,
            "between_class_variance": between_var, "classes_present": kp}


def onehot_matmul(x, y, k, dtype):
    xd = x.astype(dtype)
    sq = np.einsum("ij,ij->i", xd, xd)
    norm = np.sqrt(sq)
    onehot = np.zeros((k, x.shape[0]), dtype=dtype)
    onehot[y, np.arange(x.shape[0])] = 1
    s = onehot @ xd
    u = onehot @ (xd / norm[:, None])
    counts = np.bincount(y, minlength=k)
    return metrics(counts, s.astype(np.float64), u.astype(np.float64),
                   np.bincount(y, weights=norm, minlength=k), np.bincount(y, weights=sq, minlength=k))


def sorted_reduceat(x, y, k):
    order = np.argsort(y, kind="stable")
    xd = x[order].astype(np.float64)
    ys = y[order]
    sq = np.einsum("ij,ij->i", xd, xd)
    norm = np.sqrt(sq)
    counts = np.bincount(ys, minlength=k)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[counts > 0]
    s = np.zeros((k, x.shape[1]))
    u = np.zeros((k, x.shape[1]))
    s[counts > 0] = np.add.reduceat(xd, starts, axis=0)
    u[counts > 0] = np.add.reduceat(xd / norm[:, None], starts, axis=0)
    return metrics(counts, s, u, np.bincount(ys, weights=norm, minlength=k), np.bincount(ys, weights=sq, minlength=k))


def per_class_loop(x, y, k):
    xd = x.astype(np.float64)
    sq = np.einsum("ij,ij->i", xd, xd)
    norm = np.sqrt(sq)
    unit = xd / norm[:, None]
    counts = np.bincount(y, minlength=k)
    s = np.zeros((k, x.shape[1]))
    u = np.zeros((k, x.shape[1]))
    for c in np.flatnonzero(counts):
        rows = y == c
        s[c] = xd[rows].sum(axis=0)
        u[c] = unit[rows].sum(axis=0)
    return metrics(counts, s, u, np.bincount(y, weights=norm, minlength=k), np.bincount(y, weights=sq, minlength=k))


def main():
    directory, rows, dimension, classes, repeats = sys.argv[1], *map(int, sys.argv[2:6])
    x = np.fromfile(f"{directory}/features.f32", dtype=np.float32).reshape(rows, dimension)
    y = np.fromfile(f"{directory}/labels.i64", dtype=np.int64)
    variants = {
        "onehot_matmul_f64": lambda: onehot_matmul(x, y, classes, np.float64),
        "sorted_reduceat_f64": lambda: sorted_reduceat(x, y, classes),
        "per_class_loop_f64": lambda: per_class_loop(x, y, classes),
        "onehot_matmul_f32": lambda: onehot_matmul(x, y, classes, np.float32),
    }
    results = {}
    for name, run in variants.items():
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            values = run()
            best = min(best, time.perf_counter() - start)
        results[name] = (best, values)
        print(json.dumps({"impl": "numpy", "measure": name, "rows": rows, "dimension": dimension, "classes": classes,
                          "seconds": best, "numpy": np.__version__}))
    if len(sys.argv) > 6:
        swift = {}
        for line in open(sys.argv[6]):
            record = json.loads(line)
            if record.get("impl") == "swift":
                if "values" in record:
                    swift["values"] = record["values"]
                elif "seconds" in record:
                    swift[record["measure"]] = record["seconds"]
        reference = results["onehot_matmul_f64"][1]
        for key, value in swift["values"].items():
            rel = abs(value - reference[key]) / max(abs(reference[key]), 1e-300)
            status = "ok" if rel <= 1e-9 else "MISMATCH"
            print(f"value {key}: swift {value!r} numpy {reference[key]!r} rel {rel:.1e} {status}")
        fastest = min(("onehot_matmul_f64", "sorted_reduceat_f64", "per_class_loop_f64"), key=lambda n: results[n][0])
        t = results[fastest][0]
        print(f"fastest float64 numpy: {fastest} {t * 1e3:.2f} ms")
        for measure in ("kernel", "kernel_and_metrics", "request_binary", "request_json"):
            print(f"swift {measure}: {swift[measure] * 1e3:.2f} ms = {swift[measure] / t:.2f} x numpy")


if __name__ == "__main__":
    main()

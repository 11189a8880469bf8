"""The calibration metrics of softlabel's one pass, in vectorised numpy, timed on the same data.

usage: numpy_reference.py <dir with logits.f32, labels.i64, swift.jsonl> rows classes repeats

Elementwise work over the B x K logits runs in float32 (as a numpy user with float32 logits
would), reductions over rows in float64 (np.bincount / float64 sums). Computes every metric
that the Swift "all_but_smooth_and_bootstrap" measurement computes: accuracy, top-1/top-5,
mean confidence, ECE/MCE/RMS/overconfidence/debiased RMS on 15 equal-width bins, adaptive ECE,
classwise ECE, Brier, NLL (log-softmax), mean entropy. Prints JSON lines like the Swift
harness, then a comparison of the values.
"""
import json
import sys
import time

import numpy as np


def metrics(x, y, bins=15, topk=(1, 5)):
    n, k = x.shape
    rows = np.arange(n)
    m = x.max(axis=1, keepdims=True)
    z = x - m                                   # float32, <= 0
    e = np.exp(z)
    s = e.sum(axis=1, dtype=np.float64)
    p = e / s[:, None].astype(np.float32)
    pred = x.argmax(axis=1)
    correct = pred == y
    conf = p[rows, pred].astype(np.float64)
    log_s = np.log(s)
    zy = z[rows, y].astype(np.float64)
    nll = np.mean(log_s - zy)
    entropy = np.mean(log_s - (e * z).sum(axis=1, dtype=np.float64) / s)
    py = p[rows, y].astype(np.float64)
    brier = np.mean((p * p).sum(axis=1, dtype=np.float64) - 2 * py + 1)
    xy = x[rows, y]
    rank = (x > xy[:, None]).sum(axis=1)        # ties broken towards the label (differs only on exact ties)
    top = {kk: float(np.mean(rank < kk)) for kk in topk if kk <= k}

    b = np.minimum((conf * bins).astype(np.int64), bins - 1)
    cnt = np.bincount(b, minlength=bins).astype(np.float64)
    csum = np.bincount(b, weights=conf, minlength=bins)
    hits = np.bincount(b, weights=correct.astype(np.float64), minlength=bins)
    nz = cnt > 0
    acc_b = hits[nz] / cnt[nz]
    conf_b = csum[nz] / cnt[nz]
    w = cnt[nz] / n
    gap = acc_b - conf_b
    ece = np.sum(w * np.abs(gap))
    mce = np.max(np.abs(gap))
    rms = np.sqrt(np.sum(w * gap * gap))
    over = np.sum(w * np.maximum(-gap, 0))
    big = cnt[nz] >= 2
    deb = np.sum((w * (gap * gap - acc_b * (1 - acc_b) / np.maximum(cnt[nz] - 1, 1)))[big])
    debiased = np.sqrt(max(deb, 0.0))

    order = np.argsort(conf, kind="stable")
    adaptive = 0.0
    for g in np.array_split(order, bins):
        if len(g):
            adaptive += len(g) / n * abs(correct[g].mean() - conf[g].mean())

    bk = np.minimum((p * bins).astype(np.int64), bins - 1)
    cells = (np.arange(k, dtype=np.int64) * bins)[None, :] + bk
    psum = np.bincount(cells.ravel(), weights=p.ravel().astype(np.float64), minlength=k * bins)
    pos = np.bincount(y * bins + bk[rows, y], minlength=k * bins).astype(np.float64)
    classwise = np.abs(pos - psum).sum() / (n * k)

    out = {"accuracy": float(correct.mean()), "mean_confidence": float(conf.mean()), "ece": ece, "mce": mce,
           "rms_ce": rms, "overconfidence": over, "debiased_rms_ce": debiased, "adaptive_ece": adaptive,
           "classwise_ece": classwise, "brier": brier, "nll": nll, "mean_entropy": entropy}
    out.update({f"top{kk}": v for kk, v in top.items()})
    return {kk: float(v) for kk, v in out.items()}


def main():
    directory, rows, classes, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x = np.fromfile(f"{directory}/logits.f32", dtype=np.float32).reshape(rows, classes)
    y = np.fromfile(f"{directory}/labels.i64", dtype=np.int64)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        values = metrics(x, y)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"impl": "numpy", "measure": "all_but_smooth_and_bootstrap", "rows": rows, "classes": classes,
                      "seconds": best, "rows_per_second": rows / best, "numpy": np.__version__}))
    swift = [json.loads(line) for line in open(f"{directory}/swift.jsonl") if line.startswith("{")]
    swift_values = next(s["values"] for s in swift if "values" in s)
    swift_time = {s["measure"]: s["seconds"] for s in swift if "measure" in s}
    worst = max(abs(swift_values[k] - v) for k, v in values.items())
    print(json.dumps({"impl": "numpy", "values": values}))
    print()
    print(f"calibration of {rows:,} x {classes} logits, all metrics but bootstrap and smooth ECE (best of {repeats}):")
    print(f"  swift one pass (mergeable state)   {swift_time['state_one_pass'] * 1e3:8.1f} ms  {rows / swift_time['state_one_pass']:>12,.0f} rows/s")
    print(f"  swift + adaptive ECE (full)        {swift_time['all_but_smooth_and_bootstrap'] * 1e3:8.1f} ms  {rows / swift_time['all_but_smooth_and_bootstrap']:>12,.0f} rows/s")
    print(f"  numpy {np.__version__:<10} (same metrics)   {best * 1e3:8.1f} ms  {rows / best:>12,.0f} rows/s")
    print(f"  speed-up swift/numpy               {best / swift_time['all_but_smooth_and_bootstrap']:8.1f}x")
    print(f"  smooth ECE on the same {rows:,} rows  {swift_time['smooth_ece_only'] * 1e3:8.1f} ms  (sigma {swift_values['smooth_ece_sigma']})")
    calibrated = next(s for s in swift if "smooth_ece_calibrated" in s)
    print(f"  smooth ECE, nearly calibrated rows  {swift_time['smooth_ece_calibrated'] * 1e3:8.1f} ms  (sigma {calibrated['sigma']}, smECE {calibrated['smooth_ece_calibrated']:.4f})")
    fit = next(s for s in swift if "iterations" in s)
    print(f"  temperature fit (exact, Newton)     {swift_time['temperature_fit'] * 1e3:8.1f} ms  (T = {fit['temperature']:.6f}, {fit['iterations']} passes; NLL {fit['nll_before']:.4f} -> {fit['nll_after']:.4f})")
    print(f"  with 1000 bootstrap resamples       {swift_time['bootstrap_1000_resamples'] * 1e3:8.1f} ms")
    print(f"  largest |swift - numpy| over the {len(values)} metrics: {worst:.2e}")


if __name__ == "__main__":
    main()

"""numpy baselines for the kernel benchmarks, measured in the same run as softlabel's.

    python3 scripts/bench_numpy.py

Fused smoothed CE forward on 256x1000 float32 (the peer's vectorised formula:
log-softmax, NLL gather, mean of log-probabilities), reported as logits/s, median of 7 timings.
"""
import os
import time

import numpy as np


def smoothed_ce(z, y, eps):
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    nll = -logp[np.arange(len(y)), y]
    return float(((1 - eps) * nll - eps * logp.mean(axis=1)).mean())


def median_rate(fn, elements, repeat=7, min_time=0.3):
    rates = []
    for _ in range(repeat):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < min_time:
            fn()
            n += 1
        rates.append(n * elements / (time.perf_counter() - t0))
    return sorted(rates)[len(rates) // 2]


rng = np.random.default_rng(0)
z = (rng.standard_normal((256, 1000)) * 3).astype(np.float32)
y = rng.integers(0, 1000, 256)
rate = median_rate(lambda: smoothed_ce(z, y, 0.1), z.size)
threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
print(f"numpy {np.__version__} smoothed CE forward 256x1000: {rate / 1e9:.3f} G logits/s")

"""Re-solves ScalingBench's problems with scipy L-BFGS-B and compares the objectives.

usage: python3 scipy_reference.py <dir with logits.f32, labels.i64, swift.jsonl> <rows> <classes>

For each JSON line of swift.jsonl (vector; matrix; matrix with odir), minimises the same
objective (mean NLL of softmax(a*z + b) or softmax(z W^T + b), plus the ODIR terms) in float64
from the identity with analytic gradients, gtol 1e-10, and prints the two objectives, their
relative difference and scipy's time. Ends with 'N passed, M failed' (relative difference <= 1e-4).
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
z = np.fromfile(f"{d}/logits.f32", dtype=np.float32).reshape(n, k).astype(np.float64)
y = np.fromfile(f"{d}/labels.i64", dtype=np.int64)
onehot = np.zeros((n, k))
onehot[np.arange(n), y] = 1


def objective(theta, method, lam, mu):
    if method == "vector":
        a, b = theta[:k], theta[k:]
        s = z * a + b
    else:
        w, b = theta[: k * k].reshape(k, k), theta[k * k:]
        s = z @ w.T + b
    nll = np.mean(logsumexp(s, axis=1) - s[np.arange(n), y])
    dm = (softmax(s, axis=1) - onehot) / n
    if method == "vector":
        grad = np.concatenate([(dm * z).sum(0), dm.sum(0)])
        return nll, grad
    gw = dm.T @ z
    off = w - np.diag(np.diag(w))
    c = lam / (k * (k - 1))
    value = nll + c * np.sum(off ** 2) + mu / k * np.sum(b ** 2)
    gw += 2 * c * off
    gb = dm.sum(0) + 2 * mu / k * b
    return value, np.concatenate([gw.ravel(), gb])


passed = failed = 0
for line in open(f"{d}/swift.jsonl"):
    r = json.loads(line)
    method, odir = r["method"], r["odir"] or {"lambda": 0.0, "mu": 0.0}
    start = np.concatenate([np.ones(k) if method == "vector" else np.eye(k).ravel(), np.zeros(k)])
    t = time.perf_counter()
    res = minimize(objective, start, args=(method, odir["lambda"], odir["mu"]), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 20000, "maxfun": 40000})
    elapsed = time.perf_counter() - t
    rel = abs(r["objective"] - res.fun) / abs(res.fun)
    ok = rel <= 1e-4
    passed, failed = passed + ok, failed + (not ok)
    print(json.dumps({"method": method, "odir": r["odir"], "softlabel": r["objective"], "scipy": res.fun,
                      "relative_difference": rel, "scipy_iterations": res.nit, "scipy_s": round(elapsed, 2)}))
print(f"{passed} passed, {failed} failed")

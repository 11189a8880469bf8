#!/usr/bin/env python3
"""Calibration metrics of a large data set, evaluated in shards on a Dask cluster, merged by softlabel.

    python3 examples/dask_calibration.py --url http://127.0.0.1:8080 [--rows 1000000] [--classes 10]
                                         [--shards 16] [--workers 2] [--seed 0]

Needs `numpy`, `requests` and `dask[distributed]` (PyPI) and a running `softlabel serve`.

The pattern (docs/scale-out.md): shard -> state -> merge.
  1. A Dask `LocalCluster` gets the shards (contiguous row ranges) of a synthetic data set. Each
     task sends its shard to `POST /v2/models/calibration/infer` as binary Open Inference tensors
     (`logits` FP32 [B, K], `labels` INT64 [B], little-endian, after the JSON header whose length is
     in `Inference-Header-Content-Length`) and asks only for the `state` output: one BYTES element
     holding the mergeable state as JSON text. A state's size depends on K and the bins, not on B.
  2. The driver merges the states with `POST /v1/calibration/merge {"states": [...]}`.
  3. To check, the driver sends all rows in one request (binary tensors again, every output
     returned in binary so FP64 values arrive bit for bit) and compares every metric that both
     answers give. Metrics the merge cannot give (it lists them in `omitted`: adaptive ECE on
     equal-mass bins and smooth ECE need the rows) are skipped and said so.

Agreement: for each value, |merged - single| <= ATOL + RTOL * |single| with ATOL = RTOL = 1e-9
(numpy.isclose's rule); NaN (an empty reliability bin's accuracy and confidence) must be NaN on
both sides, and integers (count, bin counts, top_k) must be equal. Exits 1 on any mismatch, 2 when
the data set cannot be sent in one request or the server cannot be reached.

One request over all rows must fit the server's limits (`GET /v2` reports them; defaults: 16,777,216
elements per matrix and a 64 MiB body). With the default K = 10 a row costs 10 elements and
48 bytes (40 of FP32 logits + 8 of the INT64 label), so a million rows are 10,000,000 elements and
48,000,000 bytes: both fit. The element limit caps K = 10 at 1,677,721 rows, the body at 1,398,101.
The sharded path itself has no such ceiling; only the check needs the single request.

Data (fixed seed): labels uniform over K classes; logits = SCALE * (z + SIGNAL * onehot(label)),
z ~ N(0, 1) per entry, with SIGNAL drawn per row from U(0, 3): a model whose confidence runs ahead
of its accuracy (accuracy about 0.50, mean confidence 0.63, ECE 0.13), so no metric is trivial.
"""
import argparse
import json
import math
import struct
import sys
import time

import numpy as np
import requests

MODEL_PATH = "/v2/models/calibration/infer"
MERGE_PATH = "/v1/calibration/merge"
RTOL = 1e-9
ATOL = 1e-9
SCALE = 2.0
TIMEOUT = 300  # seconds per HTTP request


def synthetic_data(rows, classes, seed):
    """The data set: float32 logits [rows, classes] and int64 labels [rows] of a miscalibrated model."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=rows, dtype=np.int64)
    z = rng.standard_normal((rows, classes), dtype=np.float32)
    signal = rng.uniform(0.0, 3.0, size=rows).astype(np.float32)
    z[np.arange(rows), labels] += signal
    return (SCALE * z).astype(np.float32), labels


def binary_infer_body(logits, labels, outputs=None):
    """(body, JSON header length) of a binary Open Inference request over these tensors.

    The JSON header names each input with `parameters.binary_data_size`; the raw bytes
    (little-endian, row-major) follow it in input order. `outputs` None asks for the model's
    default outputs; every output is returned in binary (`binary_data_output`).
    """
    logits = np.ascontiguousarray(logits, dtype="<f4")
    labels = np.ascontiguousarray(labels, dtype="<i8")
    header = {
        "inputs": [
            {"name": "logits", "datatype": "FP32", "shape": list(logits.shape),
             "parameters": {"binary_data_size": logits.nbytes}},
            {"name": "labels", "datatype": "INT64", "shape": list(labels.shape),
             "parameters": {"binary_data_size": labels.nbytes}},
        ],
        "parameters": {"binary_data_output": True},
    }
    if outputs is not None:
        header["outputs"] = [{"name": name} for name in outputs]
    head = json.dumps(header, separators=(",", ":")).encode()
    return b"".join((head, logits.tobytes(), labels.tobytes())), len(head)


def infer(url, logits, labels, outputs=None, session=None):
    """Runs the calibration model; returns {output name: numpy array, or list of bytes for BYTES}."""
    body, header_length = binary_infer_body(logits, labels, outputs)
    post = (session or requests).post
    response = post(url + MODEL_PATH, data=body, timeout=TIMEOUT, headers={
        "Content-Type": "application/octet-stream",
        "Inference-Header-Content-Length": str(header_length),
    })
    if response.status_code != 200:
        raise RuntimeError(f"{MODEL_PATH}: HTTP {response.status_code}: {response.text[:500]}")
    return parse_infer_response(response)


DTYPES = {"FP32": "<f4", "FP64": "<f8", "INT64": "<i8", "INT32": "<i4", "BOOL": "|b1"}


def parse_infer_response(response):
    """Outputs of an Open Inference response, binary (`Inference-Header-Content-Length`) or JSON."""
    content = response.content
    header_length = response.headers.get("Inference-Header-Content-Length")
    if header_length is None:
        header, rest = json.loads(content), b""
    else:
        header_length = int(header_length)
        header, rest = json.loads(content[:header_length]), memoryview(content)[header_length:]
    result, offset = {}, 0
    for output in header["outputs"]:
        name, datatype, shape = output["name"], output["datatype"], output["shape"]
        size = output.get("parameters", {}).get("binary_data_size")
        if size is None:  # JSON data (null is NaN)
            data = output["data"]
            if datatype == "BYTES":
                result[name] = [x.encode() for x in data]
            else:
                result[name] = np.array([math.nan if x is None else x for x in data], dtype=DTYPES[datatype]).reshape(shape)
            continue
        raw = rest[offset:offset + size]
        if len(raw) != size:
            raise RuntimeError(f"output {name}: {len(raw)} of {size} binary bytes")
        offset += size
        if datatype == "BYTES":  # each element: 4-byte little-endian length, then its bytes
            elements, at = [], 0
            while at < size:
                (n,) = struct.unpack_from("<I", raw, at)
                elements.append(bytes(raw[at + 4:at + 4 + n]))
                at += 4 + n
            result[name] = elements
        else:
            result[name] = np.frombuffer(raw, dtype=DTYPES[datatype]).reshape(shape)
    return result


def shard_state(url, logits, labels):
    """The Dask task: the mergeable calibration state of one shard (a dict, the state JSON)."""
    outputs = infer(url, logits, labels, outputs=["state"])
    (text,) = outputs["state"]
    state = json.loads(text)
    if state["count"] != len(labels):
        raise RuntimeError(f"state counts {state['count']} rows, the shard has {len(labels)}")
    return state


def flatten_merged(merged):
    """The merge's JSON answer as {metric: array}, in the names of the model's outputs."""
    flat = {}
    for key, value in merged.items():
        if key in ("state", "omitted"):
            continue
        if key == "top_k_accuracy":
            ks = sorted(value, key=int)
            flat["top_k"] = np.array([int(k) for k in ks], dtype=np.int64)
            flat["top_k_accuracy"] = np.array([value[k] for k in ks], dtype=np.float64)
        elif key == "reliability":
            for field, dtype in (("lower", np.float64), ("upper", np.float64), ("count", np.int64),
                                 ("confidence", np.float64), ("accuracy", np.float64)):
                source = "mean_confidence" if field == "confidence" else field
                flat["reliability_" + field] = np.array(
                    [math.nan if b[source] is None else b[source] for b in value], dtype=dtype)
        else:
            flat[key] = np.array([math.nan if value is None else value],
                                 dtype=np.int64 if isinstance(value, int) else np.float64)
    return flat


def covered_by_omitted(name, omitted):
    """True when the merge leaves this output out on purpose (e.g. smooth_ece_bandwidth with smooth_ece)."""
    return any(name == metric or name.startswith(metric + "_") for metric in omitted)


def compare(single, merged, omitted):
    """Rows (name, status, max |diff|, max rel diff) and whether everything agreed."""
    rows, ok = [], True
    for name in single:
        if name == "state":
            continue
        if name not in merged:
            if covered_by_omitted(name, omitted):
                rows.append((name, "skipped (omitted by merge)", None, None))
            else:
                rows.append((name, "MISSING from merge", None, None))
                ok = False
            continue
        a = np.asarray(merged[name])
        b = np.asarray(single[name])
        if a.shape != b.shape:
            rows.append((name, f"SHAPE {a.shape} vs {b.shape}", None, None))
            ok = False
            continue
        if b.dtype.kind in "iub":
            equal = bool(np.array_equal(a, b))
            max_diff = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if b.size else 0.0
            rows.append((name, "equal" if equal else "DIFFERS", max_diff, None))
            ok &= equal
            continue
        a, b = a.astype(np.float64), b.astype(np.float64)
        nan_same = np.array_equal(np.isnan(a), np.isnan(b))
        finite = ~np.isnan(b)
        diff = np.abs(a[finite] - b[finite])
        rel = diff / np.maximum(np.abs(b[finite]), np.finfo(np.float64).tiny)
        max_diff = float(diff.max()) if diff.size else 0.0
        max_rel = float(rel.max()) if rel.size else 0.0
        agree = nan_same and bool(np.all(diff <= ATOL + RTOL * np.abs(b[finite])))
        rows.append((name, "ok" if agree else ("NaN MISMATCH" if not nan_same else "DIFFERS"), max_diff, max_rel))
        ok &= agree
    return rows, ok


def preview(name, values):
    values = np.asarray(values).ravel()
    if values.size == 1:
        return f"{values[0]:.12g}" if values.dtype.kind == "f" else str(values[0])
    shown = ", ".join(f"{v:.4g}" if values.dtype.kind == "f" else str(v) for v in values[:4])
    return f"[{shown}{', ...' if values.size > 4 else ''}] ({values.size})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="softlabel's base URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the data set (default 1,000,000)")
    parser.add_argument("--classes", type=int, default=10, help="K (default 10: a million rows fit one request)")
    parser.add_argument("--shards", type=int, default=16, help="Dask tasks, one per contiguous row range (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default 0)")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    if "://" not in url:
        url = "http://" + url
    if args.rows < 1 or args.classes < 2 or not 1 <= args.shards <= args.rows or args.workers < 1:
        parser.error("need rows >= 1, classes >= 2, 1 <= shards <= rows, workers >= 1")

    try:
        limits = requests.get(url + "/v2", timeout=10).json()["limits"]
    except (requests.RequestException, ValueError, KeyError) as error:
        print(f"cannot read the server's limits from {url}/v2: {error}", file=sys.stderr)
        return 2
    elements = args.rows * args.classes
    body_bytes = args.rows * (4 * args.classes + 8) + 1024  # tensors + a generous JSON header
    if elements > limits["max_elements"] or body_bytes > limits["max_body_bytes"]:
        print(f"the check's single request over all rows would not fit: {elements:,} elements "
              f"(limit {limits['max_elements']:,}), about {body_bytes:,} bytes (limit {limits['max_body_bytes']:,}); "
              f"use fewer rows or classes, or raise --max-elements/--max-body-bytes", file=sys.stderr)
        return 2

    from dask.distributed import Client, LocalCluster

    started = time.perf_counter()
    logits, labels = synthetic_data(args.rows, args.classes, args.seed)
    generated = time.perf_counter()
    bounds = np.linspace(0, args.rows, args.shards + 1).astype(np.int64)
    print(f"data: {args.rows:,} rows x {args.classes} classes (seed {args.seed}), {args.shards} shards "
          f"on {args.workers} Dask workers, server {url}")

    # Everything on loopback with free ports: the scheduler's HTTP endpoint (health, metrics) would
    # take 8787 on its own; no dashboard (it needs bokeh).
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}) as cluster, \
            Client(cluster) as client:
        # In a real job each task would read its own partition; here the driver made the data and
        # hands each worker its shards.
        logit_shards = client.scatter([logits[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        label_shards = client.scatter([labels[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
        scattered = time.perf_counter()
        futures = client.map(shard_state, [url] * args.shards, logit_shards, label_shards, pure=False)
        states = client.gather(futures)
    sharded = time.perf_counter()

    response = requests.post(url + MERGE_PATH, json={"states": states}, timeout=TIMEOUT)
    if response.status_code != 200:
        print(f"{MERGE_PATH}: HTTP {response.status_code}: {response.text[:500]}", file=sys.stderr)
        return 1
    merged_json = response.json()
    merged_at = time.perf_counter()
    omitted = merged_json.get("omitted", [])

    single = infer(url, logits, labels)
    single_at = time.perf_counter()

    merged = flatten_merged(merged_json)
    rows, ok = compare(single, merged, omitted)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric':<{width}}  {'merged':<40} {'max |diff|':>10} {'max rel':>10}  status")
    worst = 0.0
    for name, status, max_diff, max_rel in rows:
        value = preview(name, merged[name]) if name in merged else "-"
        d = "-" if max_diff is None else f"{max_diff:.2e}"
        r = "-" if max_rel is None else f"{max_rel:.2e}"
        if max_diff is not None:
            worst = max(worst, max_diff)
        print(f"{name:<{width}}  {value:<40} {d:>10} {r:>10}  {status}")
    print(f"\nagreement rule: |merged - single| <= {ATOL:g} + {RTOL:g} * |single| (NaN = NaN, integers equal)")
    print(f"max |difference| over all compared values: {worst:.3e}")
    print(f"time: data {generated - started:.2f} s, cluster + scatter {scattered - generated:.2f} s, "
          f"{args.shards} shard states {sharded - scattered:.2f} s, merge {merged_at - sharded:.3f} s, "
          f"single request {single_at - merged_at:.2f} s; total {single_at - started:.2f} s")
    if not ok:
        print("MISMATCH: the merged metrics differ from one request over all rows", file=sys.stderr)
        return 1
    print(f"ok: the merge of {args.shards} shard states agrees with one request over {args.rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

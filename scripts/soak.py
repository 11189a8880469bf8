"""Soak test of the real softlabel binary (issue 11, item 5); scripts/soak builds and calls it:

    python3 scripts/soak.py BINARY [MINUTES]

Starts `BINARY serve --host 127.0.0.1 --port 0` (RLIMIT_NOFILE raised to the hard limit for it and
for this script), reads the port from its `listening` log line, sends every request kind once
(preflight), then for MINUTES runs, all on 127.0.0.1:

- steady mixed traffic: 4 keep-alive clients picking at random among valid and invalid small
  bodies on every route (v1 JSON; /v2 metadata; /v2 infer with JSON tensors and with binary
  tensors; GET /healthz /readyz /metrics /openapi.yaml; a chunked upload; bad JSON, wrong types,
  out-of-range labels, unknown fields, bad framing, chunked garbage, a Content-Length of 10^12),
  1 client sending the large-but-legal bodies one after another in a fixed cycle (256x1000 logits
  as JSON and binary on loss/calibration/temperature/smooth/diagram, 2048x100 with bootstrap), and
  1 client sending one row of 8,000 logits with "bins": 2000 to /v1/calibration (an answer of
  128 MB at main, RSS ~510 MB meanwhile) in the warm-up and, in runs of 3 minutes or more, every
  minute between the reference window and the last one (not inside a compared window, where its
  transient would decide both peaks and hide slower growth);
- abuse: slowloris clients trickling a request head at one byte per second; clients that declare
  a 50 MB Content-Length and never send it; clients that reset (SO_LINGER 0) mid-request (in the
  head, in a 5 MB body), after the request and mid-response;
- phases of 1,000 more concurrent connections (mostly idle keep-alive, 50 active): one in the
  warm-up, so the allocator's high-water mark for them is set before the reference window, and in
  runs of 3 minutes or more one between the reference window and the last window, so that memory
  they leave behind shows;
- a prober process with its own keep-alive connection doing GET /healthz every 50-100 ms;
- a sampler of the server's /proc/<pid>/status VmRSS, CPU time and open descriptors every second.

Asserts: no 5xx other than 503 (counted by route and status); the server never dies; every valid
request gets 200 (or 503) and every invalid one its 4xx, and none goes unanswered; RSS flat after
warm-up: the last minute's peak within 10 % of the second minute's (runs under 3 minutes compare
the last window of w = min(30 s, run/4) with the window [w, 2w), and say so); /healthz p99 under
50 ms in every window and overall, with no failed probe. Prints a summary and a last line
`soak: 1 passed, 0 failed` or `soak: 0 passed, 1 failed` with the reasons; exits 0 or 1.
The known crash inputs of issue 11 (calibration temperature 1e-45, merge states with bin_count
2^53-1) are not in the mix.
"""
import array
import asyncio
import json
import math
import multiprocessing as mp
import os
import random
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

HOST = "127.0.0.1"
HEALTHZ_P99_LIMIT = 0.050
RSS_TOLERANCE = 0.10
PHASE_CONNECTIONS = 1000
PHASE_ACTIVE = 50
SMALL_CLIENTS = 4
SLOWLORIS_CLIENTS = 8
STALL_CLIENTS = 4
VALID, INVALID, LARGE = "valid", "invalid", "large"
OK = frozenset({200})


# ----------------------------------------------------------------------------------------------
# Request bodies


class Req:
    """One request of the mix: its bytes on the wire and the statuses it may get (503 always may)."""

    def __init__(self, category, name, method, path, body=b"", ctype="application/json", expect=OK,
                 headers=None, raw=None, route=None):
        self.category, self.name, self.expect = category, name, frozenset(expect) | {503}
        self.route = route or f"{method} {path}"
        if raw is not None:
            self.raw = raw
            return
        lines = [f"{method} {path} HTTP/1.1", "Host: soak"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        if method != "GET" or body:
            lines.append(f"Content-Length: {len(body)}")
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        self.raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def js(value):
    return json.dumps(value, separators=(",", ":")).encode()


class Data:
    """Seeded random logits, labels and probabilities, as JSON values and as raw little-endian bytes."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def logits(self, rows, cols, scale=3.0):
        return [[round(self.rng.gauss(0, scale), 4) for _ in range(cols)] for _ in range(rows)]

    def labels(self, rows, cols):
        return [self.rng.randrange(cols) for _ in range(rows)]

    @staticmethod
    def softmax(rows):
        out = []
        for row in rows:
            top = max(row)
            e = [math.exp(x - top) for x in row]
            total = sum(e)
            out.append([x / total for x in e])
        return out

    @staticmethod
    def fp32(matrix):
        return array.array("f", [x for row in matrix for x in row]).tobytes()

    @staticmethod
    def int64(values):
        return array.array("q", values).tobytes()


def v2_json(inputs, parameters=None, outputs=None):
    """An Open Inference request with JSON tensors: inputs is [(name, datatype, shape, flat data)]."""
    body = {"inputs": [{"name": n, "datatype": d, "shape": s, "data": v} for n, d, s, v in inputs]}
    if parameters:
        body["parameters"] = parameters
    if outputs:
        body["outputs"] = [{"name": o} for o in outputs]
    return js(body)


def v2_binary(inputs, parameters=None, outputs=None, binary_outputs=False):
    """The same with binary tensors: the JSON header, then each input's bytes, in order."""
    header = {"inputs": [{"name": n, "datatype": d, "shape": s, "parameters": {"binary_data_size": len(b)}}
                         for n, d, s, b in inputs]}
    if parameters:
        header["parameters"] = parameters
    if outputs:
        header["outputs"] = [{"name": o, "parameters": {"binary_data": binary_outputs}} for o in outputs]
    head = js(header)
    return head, head + b"".join(b for _, _, _, b in inputs)


def binary_req(category, name, model, inputs, parameters=None, outputs=None, binary_outputs=False, expect=OK):
    head, body = v2_binary(inputs, parameters, outputs, binary_outputs)
    return Req(category, name, "POST", f"/v2/models/{model}/infer", body, "application/octet-stream", expect,
               {"Inference-Header-Content-Length": len(head)}, route=f"POST /v2/models/{model}/infer (binary)")


def build_catalog(port, seed):
    """Every request kind of the mix; /v1/calibration/merge gets states the server itself made."""
    d = Data(seed)
    small, large = [], []

    def v(name, method, path, body=b"", **kw):
        small.append(Req(VALID, name, method, path, body, **kw))

    def bad(name, method, path, body, expect, **kw):
        small.append(Req(INVALID, name, method, path, body, expect=expect, **kw))

    for path in ["/healthz", "/readyz", "/metrics", "/openapi.yaml", "/v2", "/v2/health/live", "/v2/health/ready"]:
        v(f"GET {path}", "GET", path, ctype=None)
    for model in ["smooth", "loss", "calibration", "temperature"]:
        v(f"GET /v2/models/{model}", "GET", f"/v2/models/{model}", ctype=None)
        v(f"GET /v2/models/{model}/ready", "GET", f"/v2/models/{model}/ready", ctype=None)
    v("GET /v2/models/loss/versions/1", "GET", "/v2/models/loss/versions/1", ctype=None)

    for variant, (b, k) in enumerate([(8, 5), (32, 10), (64, 20)]):
        z, y = d.logits(b, k), d.labels(b, k)
        p = d.softmax(z)
        tag = f"{b}x{k}"
        v(f"smooth labels {tag}", "POST", "/v1/smooth", js({"labels": y, "num_classes": k, "label_smoothing": 0.1}))
        v(f"smooth targets off_target {tag}", "POST", "/v1/smooth",
          js({"targets": p, "label_smoothing": 0.2, "smoothing": "off_target"}))
        v(f"smooth prior {tag}", "POST", "/v1/smooth",
          js({"labels": y, "num_classes": k, "label_smoothing": 0.1, "smoothing": "prior", "prior": [1 / k] * k}))
        v(f"loss cross_entropy {tag}", "POST", "/v1/loss",
          js({"logits": z, "labels": y, "label_smoothing": 0.1, "return": ["per_sample", "gradient"]}))
        v(f"loss focal {tag}", "POST", "/v1/loss", js({"logits": z, "labels": y, "loss": "focal", "gamma": 2.0}))
        v(f"loss distillation {tag}", "POST", "/v1/loss",
          js({"logits": z, "labels": y, "loss": "distillation", "teacher_logits": d.logits(b, k), "temperature": 2.0,
              "alpha": 0.5, "label_smoothing": 0.1}))
        v(f"loss binary_cross_entropy {tag}", "POST", "/v1/loss",
          js({"logits": z, "targets": [[d.rng.random() for _ in range(k)] for _ in range(b)],
              "loss": "binary_cross_entropy", "label_smoothing": 0.1}))
        v(f"loss weighted ignore sum {tag}", "POST", "/v1/loss",
          js({"logits": z, "labels": [-100 if i % 4 == 0 else l for i, l in enumerate(y)], "weight": [1.0 + i / k for i in range(k)],
              "reduction": "sum", "confidence_penalty": 0.1}))
        v(f"calibration {tag}", "POST", "/v1/calibration", js({"logits": z, "labels": y}))
        v(f"calibration bootstrap {tag}", "POST", "/v1/calibration",
          js({"logits": z, "labels": y, "bins": 10, "bootstrap": 20, "seed": variant}))
        v(f"calibration probabilities equal_mass {tag}", "POST", "/v1/calibration",
          js({"probabilities": p, "labels": y, "binning": "equal_mass", "bins": 10, "top_k": [1, 3]}))
        v(f"calibration preset torchmetrics {tag}", "POST", "/v1/calibration",
          js({"logits": z, "labels": y, "preset": "torchmetrics", "temperature": 1.5}))
        v(f"temperature {tag}", "POST", "/v1/temperature", js({"logits": z, "labels": y}))
        v(f"reliability-diagram {tag}", "POST", "/v1/reliability-diagram", js({"logits": z, "labels": y, "bins": 10}))
        flat = [x for row in z for x in row]
        v(f"v2 smooth json {tag}", "POST", "/v2/models/smooth/infer",
          v2_json([("labels", "INT64", [b], y)], {"label_smoothing": 0.1, "num_classes": k}))
        v(f"v2 loss json {tag}", "POST", "/v2/models/loss/infer",
          v2_json([("logits", "FP32", [b, k], flat), ("labels", "INT64", [b], y)], {"label_smoothing": 0.1},
                  ["loss", "gradient"]))
        v(f"v2 calibration json {tag}", "POST", "/v2/models/calibration/infer",
          v2_json([("logits", "FP32", [b, k], flat), ("labels", "INT64", [b], y)], {"bins": 10}))
        v(f"v2 temperature json {tag}", "POST", "/v2/models/temperature/infer",
          v2_json([("logits", "FP32", [b, k], flat), ("labels", "INT32", [b], y)]))
        zb, yb = d.fp32(z), d.int64(y)
        small.append(binary_req(VALID, f"v2 smooth binary {tag}", "smooth", [("labels", "INT64", [b], yb)],
                                {"label_smoothing": 0.1, "num_classes": k}, ["targets"], binary_outputs=True))
        small.append(binary_req(VALID, f"v2 loss binary {tag}", "loss", [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)],
                                {"label_smoothing": 0.1}, ["loss", "per_sample", "gradient"], binary_outputs=variant % 2 == 0))
        small.append(binary_req(VALID, f"v2 calibration binary {tag}", "calibration",
                                [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)], {"bins": 15}))
        small.append(binary_req(VALID, f"v2 temperature binary {tag}", "temperature",
                                [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)]))

    # A chunked upload of a valid body.
    body = js({"logits": d.logits(4, 3), "labels": [0, 1, 2, 0]})
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 17]), body[i:i + 17]) for i in range(0, len(body), 17))
    small.append(Req(VALID, "loss chunked upload", "POST", "/v1/loss", raw=(
        b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks + b"0\r\n\r\n")))

    # Merge: states the server computed for three shards of one data set.
    states = []
    for _ in range(3):
        z, y = d.logits(40, 10), d.labels(40, 10)
        status, _, text = request_once(port, Req(VALID, "", "POST", "/v1/calibration", js({"logits": z, "labels": y, "bins": 12})).raw)
        if status != 200:
            raise SystemExit(f"soak: setup: /v1/calibration answered {status}: {text[:300]!r}")
        states.append(json.loads(text)["state"])
    v("calibration/merge 3 states", "POST", "/v1/calibration/merge", js({"states": states}))
    v("calibration/merge 1 state", "POST", "/v1/calibration/merge", js({"states": states[:1]}))

    # Invalid bodies and framing.
    z3 = [[1.0, 2.0, 3.0], [0.5, 0.1, -1.0]]
    bad("bad json truncated", "POST", "/v1/loss", b'{"logits": [[1, 2, 3]], "labels": [0]', {400})
    bad("bad json double comma", "POST", "/v1/loss", b'{"logits": [[1, 2,, 3]], "labels": [0]}', {400})
    bad("bad json trailing garbage", "POST", "/v1/smooth", b'{"labels": [0], "num_classes": 2, "label_smoothing": 0.1} x', {400})
    bad("bad json not utf8", "POST", "/v1/calibration", b'{"logits": [[1, 2]], "labels": [0], "\xff\xfe": 1}', {400})
    bad("empty body", "POST", "/v1/loss", b"", {400, 422})
    bad("wrong type logits string", "POST", "/v1/loss", js({"logits": "abc", "labels": [0]}), {422})
    bad("wrong type label float", "POST", "/v1/smooth", js({"labels": [0.5], "num_classes": 3, "label_smoothing": 0.1}), {422})
    bad("wrong type epsilon string", "POST", "/v1/loss", js({"logits": z3, "labels": [0, 1], "label_smoothing": "0.1"}), {422})
    bad("wrong type top-level array", "POST", "/v1/calibration", js([1, 2, 3]), {422})
    bad("label out of range", "POST", "/v1/loss", js({"logits": z3, "labels": [0, 7]}), {422})
    bad("label negative", "POST", "/v1/calibration", js({"logits": z3, "labels": [-5, 0]}), {422})
    bad("label >= num_classes", "POST", "/v1/smooth", js({"labels": [3], "num_classes": 3, "label_smoothing": 0.1}), {422})
    bad("temperature label out of range", "POST", "/v1/temperature", js({"logits": z3, "labels": [0, 3]}), {422})
    bad("unknown field", "POST", "/v1/loss", js({"logits": z3, "labels": [0, 1], "lable_smoothing": 0.1}), {422})
    bad("unknown field calibration", "POST", "/v1/calibration", js({"logits": z3, "labels": [0, 1], "binz": 10}), {422})
    bad("ragged rows", "POST", "/v1/loss", js({"logits": [[1, 2, 3], [1, 2]], "labels": [0, 1]}), {422})
    bad("labels count mismatch", "POST", "/v1/loss", js({"logits": z3, "labels": [0]}), {422})
    bad("logit overflows float32", "POST", "/v1/loss", b'{"logits": [[1e39, 2, 3]], "labels": [0]}', {422})
    bad("epsilon out of range", "POST", "/v1/smooth", js({"labels": [0], "num_classes": 3, "label_smoothing": 1.5}), {422})
    bad("bins zero", "POST", "/v1/calibration", js({"logits": z3, "labels": [0, 1], "bins": 0}), {422})
    bad("unknown smoothing", "POST", "/v1/smooth", js({"labels": [0], "num_classes": 3, "label_smoothing": 0.1, "smoothing": "gaussian"}), {422})
    bad("unknown preset", "POST", "/v1/calibration", js({"logits": z3, "labels": [0, 1], "preset": "sklearn"}), {422})
    bad("merge no states", "POST", "/v1/calibration/merge", js({"states": []}), {422})
    bad("merge state not an object", "POST", "/v1/calibration/merge", js({"states": [1]}), {422})
    bad("merge state missing fields", "POST", "/v1/calibration/merge", js({"states": [{"version": 1, "bins": 12}]}), {422})
    mismatched = dict(states[0], bins=states[0]["bins"] + 1)
    bad("merge states of different bins", "POST", "/v1/calibration/merge", js({"states": [states[1], mismatched]}), {422})
    bad("content-type text/plain", "POST", "/v1/loss", b"{}", {415}, ctype="text/plain")
    bad("unknown route", "POST", "/v1/nope", b"{}", {404})
    bad("wrong method", "GET", "/v1/loss", b"", {405}, ctype=None)
    bad("v2 unknown model", "POST", "/v2/models/nope/infer", v2_json([("labels", "INT64", [1], [0])]), {404})
    bad("v2 wrong datatype", "POST", "/v2/models/loss/infer",
        v2_json([("logits", "FP16", [1, 3], [1, 2, 3]), ("labels", "INT64", [1], [0])]), {400, 422})
    bad("v2 shape mismatch", "POST", "/v2/models/loss/infer",
        v2_json([("logits", "FP32", [2, 3], [1, 2, 3]), ("labels", "INT64", [2], [0, 1])]), {400, 422})
    bad("v2 missing input", "POST", "/v2/models/calibration/infer", v2_json([("labels", "INT64", [1], [0])]), {400, 422})
    head, body = v2_binary([("logits", "FP32", [2, 3], d.fp32(z3)), ("labels", "INT64", [2], d.int64([0, 1]))])
    small.append(Req(INVALID, "v2 binary header length past body", "POST", "/v2/models/loss/infer", body,
                     "application/octet-stream", {400, 422}, {"Inference-Header-Content-Length": len(body) + 10},
                     route="POST /v2/models/loss/infer (binary)"))
    small.append(Req(INVALID, "v2 binary sizes disagree", "POST", "/v2/models/loss/infer", body[:-8],
                     "application/octet-stream", {400, 422}, {"Inference-Header-Content-Length": len(head)},
                     route="POST /v2/models/loss/infer (binary)"))
    small.append(Req(INVALID, "v2 binary label out of range", "POST", "/v2/models/loss/infer",
                     v2_binary([("logits", "FP32", [2, 3], d.fp32(z3)), ("labels", "INT64", [2], d.int64([0, 9]))])[1],
                     "application/octet-stream", {422},
                     {"Inference-Header-Content-Length": len(v2_binary([("logits", "FP32", [2, 3], d.fp32(z3)), ("labels", "INT64", [2], d.int64([0, 9]))])[0])},
                     route="POST /v2/models/loss/infer (binary)"))
    framing = {
        "chunked garbage": (b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", {400}),
        "chunk size overflow": (b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffff\r\nab\r\n", {400, 413}),
        "content-length and chunked": (b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400}),
        "content-length negative": (b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Length: -1\r\n\r\n", {400}),
        "content-length 10^12 never sent": (b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n", {413}),
        "request line too long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: soak\r\n\r\n", {414}),
        "header section too large": (b"GET /healthz HTTP/1.1\r\nHost: soak\r\nX-Pad: " + b"a" * 70000 + b"\r\n\r\n", {431}),
        "not http": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(50) + b"\r\n\r\n", {400}),
    }
    for name, (raw, expect) in framing.items():
        small.append(Req(INVALID, name, None, None, expect=expect, raw=raw, route="(framing)"))

    # Large but legal bodies, sent one after another by one client.
    b, k = 256, 1000
    z, y = d.logits(b, k), d.labels(b, k)
    zb, yb = d.fp32(z), d.int64(y)
    big = js({"logits": z, "labels": y, "label_smoothing": 0.1, "return": ["gradient"]})

    def l(name, method, path, body, **kw):
        large.append(Req(LARGE, name, method, path, body, **kw))

    l("loss 256x1000 json +gradient", "POST", "/v1/loss", big)
    large.append(binary_req(LARGE, "v2 loss 256x1000 binary +gradient", "loss", [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)],
                            {"label_smoothing": 0.1}, ["loss", "gradient"], binary_outputs=True))
    l("calibration 256x1000 json", "POST", "/v1/calibration", js({"logits": z, "labels": y}))
    large.append(binary_req(LARGE, "v2 calibration 256x1000 binary", "calibration",
                            [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)], {"bins": 15}))
    large.append(binary_req(LARGE, "v2 temperature 256x1000 binary", "temperature",
                            [("logits", "FP32", [b, k], zb), ("labels", "INT64", [b], yb)]))
    l("temperature 256x1000 json", "POST", "/v1/temperature", js({"logits": z, "labels": y}))
    l("smooth 256 labels x 1000 classes", "POST", "/v1/smooth", js({"labels": y, "num_classes": k, "label_smoothing": 0.1}))
    large.append(binary_req(LARGE, "v2 smooth 256x1000 targets binary", "smooth",
                            [("targets", "FP32", [b, k], d.fp32(d.softmax(z[:b])))], {"label_smoothing": 0.1}, ["targets"],
                            binary_outputs=True))
    l("reliability-diagram 256x1000", "POST", "/v1/reliability-diagram", js({"logits": z, "labels": y}))
    l("calibration 2048x100 json +bootstrap", "POST", "/v1/calibration",
      js({"logits": d.logits(2048, 100), "labels": d.labels(2048, 100), "bootstrap": 50}))
    # The largest answer of the mix: 8,000 classes x 100 bins of class-wise cells, just inside
    # --max-response-bytes (64 MiB estimated); its own client sends it at set times (see huge_times
    # in main). The same body with 2,000 bins (128 MB before the limit existed) is now refused
    # with 422 too_large before any work, and is in the invalid mix.
    huge = Req(LARGE, "calibration 1x8000 bins 100", "POST", "/v1/calibration",
               js({"logits": d.logits(1, 8000), "labels": [7], "bins": 100}))
    small.append(Req(INVALID, "calibration 1x8000 bins 2000 (amplification)", "POST", "/v1/calibration",
                     js({"logits": d.logits(1, 8000), "labels": [7], "bins": 2000}), expect={422}))
    return small, large, huge, big


def request_once(port, raw, timeout=120):
    """Blocking: one request on a fresh connection; (status, headers, body)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(raw)
        return read_blocking(s)


def read_blocking(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    body = bytearray(rest)
    while len(body) < length:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk
    return int(lines[0].split()[1]), headers, bytes(body)


# ----------------------------------------------------------------------------------------------
# Async client


class Closed(Exception):
    pass


async def read_response(reader, keep=4096):
    """Reads one response; returns (status, headers, first `keep` body bytes, body length)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        raise Closed("closed with %d bytes of a response head" % len(e.partial)) from None
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    kept, total = bytearray(), 0

    async def take(n):
        nonlocal total
        while n:
            chunk = await reader.read(min(n, 1 << 20))
            if not chunk:
                raise Closed("closed mid-body")
            n -= len(chunk)
            total += len(chunk)
            if len(kept) < keep:
                kept.extend(chunk[:keep - len(kept)])

    if "content-length" in headers:
        await take(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailer fields
                    pass
                break
            await take(size)
            await reader.readexactly(2)
    return status, headers, bytes(kept), total


class Client:
    """One keep-alive connection that reopens itself when the server closes it."""

    def __init__(self, port, stats):
        self.port, self.stats, self.reader, self.writer, self.used = port, stats, None, None, False

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 16)
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.used = False

    def close(self):
        if self.writer:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, req, timeout=60):
        """Sends req and records its answer; one retry when a reused connection was closed under it."""
        for attempt in (0, 1):
            if self.writer is None:
                try:
                    await self.open()
                except OSError as e:
                    self.stats.error(req, f"connect: {type(e).__name__}")
                    return None
            reused = self.used
            try:
                self.writer.write(req.raw)
                status, headers, body, _ = await asyncio.wait_for(read_response(self.reader), timeout)
            except (Closed, ConnectionError) as e:
                self.close()
                if reused and attempt == 0:
                    self.stats.count["keep-alive retries"] += 1
                    continue
                self.stats.error(req, f"{type(e).__name__}: {e}")
                return None
            except asyncio.TimeoutError:
                self.close()
                self.stats.error(req, f"no response in {timeout} s")
                return None
            self.used = True
            if headers.get("connection", "").lower() == "close":
                self.close()
            self.stats.record(req, status, body)
            return status
        return None


class Stats:
    def __init__(self):
        self.by = Counter()           # (category, name, route, status)
        self.errors = Counter()       # (category, name, error)
        self.unexpected = {}          # (category, name, status) -> body excerpt
        self.count = Counter()        # abuse and phase counters
        self.times = defaultdict(list)  # (client kind, outcome) -> seconds each took
        self.events = []              # (seconds since the start, what): phases and the huge request

    def outcome(self, kind, what, seconds):
        self.times[(kind, what)].append(seconds)

    def record(self, req, status, body):
        self.by[(req.category, req.name, req.route, status)] += 1
        if status not in req.expect:
            self.unexpected.setdefault((req.category, req.name, status), body[:300].decode("utf-8", "replace"))

    def error(self, req, what):
        self.errors[(req.category, req.name, what)] += 1


def rst(writer):
    """Closes with SO_LINGER 0: the kernel sends RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


# ----------------------------------------------------------------------------------------------
# Traffic process


async def traffic(port, t0, duration, huge_times, phases, small, large, huge, big, seed, stats, stop):
    rng = random.Random(seed)
    end = t0 + duration
    valid = [r for r in small if r.category == VALID]
    invalid = [r for r in small if r.category == INVALID]
    now = time.monotonic

    async def sleep_until(t):
        """False when the run ends first (its end moves up when the server dies)."""
        while now() < t:
            if now() >= end:
                return False
            await asyncio.sleep(min(0.5, t - now()))
        return now() < end

    async def small_client(i):
        client = Client(port, stats)
        while now() < end:
            req = rng.choice(valid if rng.random() < 0.75 else invalid)
            await client.send(req)
            await asyncio.sleep(rng.uniform(0, 0.01))
        client.close()

    async def large_client():
        client = Client(port, stats)
        i = 0
        while now() < end:
            await client.send(large[i % len(large)], timeout=180)
            i += 1
            await asyncio.sleep(0.2)
        client.close()

    async def huge_client():
        client = Client(port, stats)
        for at in huge_times:
            if now() > t0 + at + 5:
                stats.count[f"huge: the one due at {at:.0f} s skipped (the previous one was still running)"] += 1
                continue
            if not await sleep_until(t0 + at):
                break
            started = now() - t0
            stats.events.append((started, "calibration 1x8000 bins 100 sent"))
            status = await client.send(huge, timeout=600)
            stats.events.append((now() - t0, f"calibration 1x8000 bins 100 answered {status}"))
            stats.count[f"huge: sent at {started:.0f} s, answered after {now() - t0 - started:.1f} s"] += 1
        client.close()

    # Slowloris: the head trickled one byte per second. The 20-byte HTTP/1.0 head is complete
    # inside the 30 s header timeout (200); the 92-byte one is not (408, or the server closes).
    async def slowloris(i):
        heads = [b"GET /v2 HTTP/1.0\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\nHost: soak\r\nUser-Agent: slowloris-" + b"%02d" % i + b"\r\nX-Slow: " + b"s" * 20 + b"\r\n\r\n"]
        await asyncio.sleep(i * 0.7)
        n = 0
        while now() < end - 5:
            head = heads[n % 2]
            n += 1
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError as e:
                stats.outcome("slowloris", f"connect error {type(e).__name__}", 0)
                await asyncio.sleep(1)
                continue
            kind = f"{len(head)}-byte head"
            response = asyncio.ensure_future(read_response(reader))
            started, sent = now(), 0
            for byte in head:
                if response.done() or now() >= end:
                    break
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except OSError:
                    break
                sent += 1
                await asyncio.wait([response], timeout=1.0)
            if sent < len(head) and not response.done() and now() >= end:
                kind += " (cut by the end of the run)"
            try:
                status = (await asyncio.wait_for(response, max(1.0, end + 40 - now())))[0]
                stats.outcome(f"slowloris {kind}", f"answered {status}", now() - started)
                if status >= 500 and status != 503:
                    stats.unexpected.setdefault(("slowloris", kind, status), "")
            except (Closed, ConnectionError):
                stats.outcome(f"slowloris {kind}", "closed without an answer", now() - started)
            except asyncio.TimeoutError:
                stats.outcome(f"slowloris {kind}", "unanswered 40 s after the end", now() - started)
                response.cancel()
            writer.close()

    # A 50 MB Content-Length declared and never sent: the body timeout must answer 408.
    async def stall(i):
        await asyncio.sleep(i * 2.0)
        while now() < end - 5:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError as e:
                stats.outcome("stall", f"connect error {type(e).__name__}", 0)
                await asyncio.sleep(1)
                continue
            started = now()
            writer.write(b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 50000000\r\n\r\n{\"logits\":")
            label = "stall (Content-Length 50,000,000, 10 bytes sent)"
            try:
                status = (await asyncio.wait_for(read_response(reader), max(1.0, end + 40 - now())))[0]
                stats.outcome(label, f"answered {status}", now() - started)
                if status >= 500 and status != 503:
                    stats.unexpected.setdefault(("stall", "Content-Length never sent", status), "")
            except (Closed, ConnectionError):
                stats.outcome(label, "closed without an answer", now() - started)
            except asyncio.TimeoutError:
                stats.outcome(label, "unanswered 40 s after the end", now() - started)
            writer.close()

    # Resets (SO_LINGER 0) mid-request (in the head; in a 5 MB body), after the whole request of a
    # slow computation, and mid-response.
    half_big = big[:len(big) // 2]
    slow_compute = next(r for r in large if r.name.startswith("calibration 256x1000"))
    large_response = next(r for r in large if r.name.startswith("loss 256x1000 json"))

    async def resetter():
        kinds = ["in head", "in body", "after request", "mid-response"]
        n = 0
        while now() < end - 1:
            kind = kinds[n % len(kinds)]
            n += 1
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError as e:
                stats.count[f"reset connect error {type(e).__name__}"] += 1
                await asyncio.sleep(0.5)
                continue
            try:
                if kind == "in head":
                    writer.write(b"POST /v1/loss HTTP/1.1\r\nHost: soak\r\nContent-Le")
                    await writer.drain()
                elif kind == "in body":
                    writer.write(half_big)
                    await writer.drain()
                elif kind == "after request":
                    writer.write(slow_compute.raw)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                else:
                    writer.write(large_response.raw)
                    await writer.drain()
                    got = 0
                    while got < 64 * 1024:
                        chunk = await asyncio.wait_for(reader.read(16384), 60)
                        if not chunk:
                            break
                        got += len(chunk)
                    stats.count["reset mid-response: bytes read before the reset (sum)"] += got
                rst(writer)
                stats.count[f"reset {kind}"] += 1
            except (OSError, asyncio.TimeoutError) as e:
                stats.count[f"reset {kind} failed: {type(e).__name__}"] += 1
                writer.transport.abort()
            await asyncio.sleep(rng.uniform(0.2, 0.6))

    # A phase of PHASE_CONNECTIONS more connections: each asks GET /healthz when it opens; most
    # then idle (a request every 15-40 s keeps them inside the idle timeout), PHASE_ACTIVE loop
    # small valid requests.
    async def phase(label, start, until):
        if not await sleep_until(start):
            return
        stats.events.append((now() - t0, f"{label}: opening {PHASE_CONNECTIONS} connections"))
        clients = [Client(port, stats) for _ in range(PHASE_CONNECTIONS)]
        opening = Req("phase", "open + GET /healthz", "GET", "/healthz", ctype=None)
        idle_req = Req("phase", "idle keep-alive GET /v2/health/ready", "GET", "/v2/health/ready", ctype=None)
        statuses = Counter()

        async def first(c):
            statuses[await c.send(opening, timeout=30)] += 1

        for i in range(0, PHASE_CONNECTIONS, 100):
            await asyncio.gather(*(first(c) for c in clients[i:i + 100]))
        stats.count[f"{label}: connections opened in {now() - start:.1f} s"] += 1
        stats.events.append((now() - t0, f"{label}: {PHASE_CONNECTIONS} connections open"))
        for status, n in statuses.items():
            stats.count[f"{label}: first request answered {status}"] += n
        live = [c for c in clients if c.writer is not None]
        stats.count[f"{label}: connections open after the first request"] += len(live)

        async def idle(c):
            while True:
                wait = rng.uniform(15, 40)
                if now() + wait >= min(until, end):
                    break
                await asyncio.sleep(wait)
                if c.writer is None:
                    break
                await c.send(idle_req, timeout=30)

        async def active(c):
            while now() < min(until, end):
                await c.send(rng.choice(valid), timeout=60)
                await asyncio.sleep(rng.uniform(0, 0.05))

        await asyncio.gather(*(active(c) if i < PHASE_ACTIVE else idle(c) for i, c in enumerate(live)))
        await asyncio.sleep(max(0.0, min(until, end) - now()))
        stats.count[f"{label}: connections still open at the end"] += sum(c.writer is not None for c in live)
        stats.events.append((now() - t0, f"{label}: closing them"))
        for c in clients:
            c.close()

    async def watch_stop():  # the server died: every client ends its loop now
        nonlocal end
        while now() < end:
            if stop.is_set():
                end = now()
                stats.events.append((end - t0, "stopped early: the server died"))
            await asyncio.sleep(0.2)

    tasks = [watch_stop()] + [small_client(i) for i in range(SMALL_CLIENTS)] + [large_client(), huge_client(), resetter()]
    tasks += [slowloris(i) for i in range(SLOWLORIS_CLIENTS)] + [stall(i) for i in range(STALL_CLIENTS)]
    tasks += [phase(label, t0 + a, t0 + b) for label, a, b in phases]
    await asyncio.gather(*tasks)


def traffic_main(conn, port, t0, duration, huge_times, phases, small, large, huge, big, seed, stop):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    stats = Stats()
    try:
        asyncio.run(traffic(port, t0, duration, huge_times, phases, small, large, huge, big, seed, stats, stop))
        conn.send((stats.by, stats.errors, stats.unexpected, stats.count, stats.times, stats.events, None))
    except BaseException as e:  # report it rather than lose the counts
        import traceback
        conn.send((stats.by, stats.errors, stats.unexpected, stats.count, stats.times, stats.events, traceback.format_exc()))
        raise SystemExit(1) from e


# ----------------------------------------------------------------------------------------------
# Prober process


def prober_main(conn, port, t0, duration, seed, server_pid, stop):
    """GET /healthz every 50-100 ms on one keep-alive connection. Per probe: (t, seconds, status,
    seconds the prober itself waited for a CPU meanwhile, seconds the server's threads together
    waited for a CPU around it), so that a slow probe on a busy machine can be told apart from a
    slow server. The assertion is on the plain latency."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    rng = random.Random(seed)
    probes, errors = [], []
    me = os.getpid()
    raw = b"GET /healthz HTTP/1.1\r\nHost: soak-prober\r\n\r\n"
    s = None
    while time.monotonic() < t0:
        time.sleep(0.01)
    while (t := time.monotonic()) < t0 + duration and not stop.is_set():
        try:
            if s is None:
                s = socket.create_connection((HOST, port), timeout=2)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            waited, server_waited = run_delay(me, me), run_delay(server_pid)
            start = time.perf_counter()
            s.sendall(raw)
            status, _, _ = read_blocking(s)
            took = time.perf_counter() - start
            probes.append((t - t0, took, status, run_delay(me, me) - waited, run_delay(server_pid) - server_waited))
        except (OSError, ConnectionError, ValueError) as e:
            errors.append((round(t - t0, 3), f"{type(e).__name__}: {e}"))
            if s:
                s.close()
            s = None
        time.sleep(rng.uniform(0.05, 0.1))
    if s:
        s.close()
    conn.send((probes, errors))


# ----------------------------------------------------------------------------------------------
# Server, sampling, summary


def start_server(binary, log_path):
    log = open(log_path, "wb")
    server = subprocess.Popen([binary, "serve", "--host", HOST, "--port", "0"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path, "rb") as f:
            for line in f:
                if b"listening" in line and b"port=" in line:
                    port = int(line.split(b"port=")[1].split()[0])
                    return server, port
        if server.poll() is not None:
            raise SystemExit(f"soak: the server exited with {server.returncode} before listening; see {log_path}")
        time.sleep(0.05)
    server.kill()
    raise SystemExit("soak: the server did not say it was listening within 30 s")


def sample(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                fields[key] = int(value.split()[0])
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read().rsplit(")", 1)[1].split()
    ticks = int(stat[11]) + int(stat[12])  # utime + stime
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return fields["VmRSS"], fields["VmHWM"], fields["Threads"], ticks, fds, run_delay(pid), os.getloadavg()[0]


def run_delay(pid, task=None):
    """Seconds the process's threads (or one task) have spent runnable but waiting for a CPU."""
    total = 0
    tasks = [task] if task else os.listdir(f"/proc/{pid}/task")
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / 1e9


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1)]


def ms(x):
    return f"{x * 1e3:.1f}"


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    duration = minutes * 60.0
    if duration < 40:
        raise SystemExit("soak: run at least 40 s (the slowloris and stall clients need the 30 s timeouts to elapse)")
    seed = int(os.environ.get("SOAK_SEED", "11"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server and the clients too
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
        except (ValueError, OSError):
            pass
    else:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    # Windows: warm-up, a reference window, the last window (issue 11: the second and the last minute).
    if duration >= 180:
        window = 60.0
        rule = "RSS rule: the last minute's peak vs the second minute's peak (within 10 %)"
    else:
        window = min(30.0, duration / 4)
        rule = (f"RSS rule (run under 3 minutes): the last {window:.0f} s window's peak vs the peak of the "
                f"window [{window:.0f} s, {2 * window:.0f} s) after {window:.0f} s of warm-up (within 10 %)")
    reference = (window, 2 * window)
    last = (duration - window, duration)
    # Runs under 3 minutes have no room for a second phase that would not bias a compared window.
    phases = [("phase 1 (warm-up)", 1.0, max(3.0, window - 3))]
    if duration >= 180:
        phases.append(("phase 2 (between the windows)", 2 * window, min(2 * window + 0.2 * duration, last[0] - 3)))

    # The 128 MB answer swells RSS to ~510 MB while it is made (issue 11): in a compared window it
    # would decide both peaks and hide any slower growth. So it comes in the warm-up, and in long
    # runs every minute between the reference window and the last one, where memory it leaves
    # behind shows in the last window.
    huge_times = [1.0] + [float(t) for t in range(int(reference[1]) + 10, int(last[0]) - 60, 60)]
    workdir = tempfile.mkdtemp(prefix="soak-")
    log_path = os.path.join(workdir, "server.log")
    server, port = start_server(binary, log_path)
    failures = []
    print(f"soak: {binary} pid {server.pid} on {HOST}:{port}, {duration:.0f} s, seed {seed}, RLIMIT_NOFILE {nofile}, "
          f"log {log_path}", flush=True)
    ctx = mp.get_context("fork")
    children = []
    try:
        t_setup = time.monotonic()
        small, large, huge, big = build_catalog(port, seed)
        print(f"mix: {sum(r.category == VALID for r in small)} valid and {sum(r.category == INVALID for r in small)} "
              f"invalid small kinds, {len(large) + 1} large kinds (built in {time.monotonic() - t_setup:.1f} s)", flush=True)

        # Preflight: every kind once, so that a wrong expectation shows before the clock starts.
        print("preflight (each kind once):", flush=True)
        for req in small + large + [huge]:
            start = time.perf_counter()
            try:
                status, _, body = request_once(port, req.raw, 600 if req.category == LARGE else 60)
            except (OSError, ConnectionError) as e:
                failures.append(f"preflight {req.name}: {type(e).__name__}: {e}")
                print(f"  {req.category:8} {req.name:48} ERROR {e}", flush=True)
                if server.poll() is not None:
                    raise
                continue
            took = time.perf_counter() - start
            if req.category == LARGE:
                print(f"  {req.category:8} {req.name:48} {status} {len(body) / 1e6:8.2f} MB out  {took * 1e3:8.1f} ms", flush=True)
            if status not in req.expect:
                failures.append(f"preflight {req.name}: {status} (expected {sorted(req.expect - {503})}): {body[:200]!r}")
                print(f"  {req.category:8} {req.name:48} UNEXPECTED {status}: {body[:200]!r}", flush=True)
        if server.poll() is not None:
            failures.append(f"the server died in the preflight (exit {server.returncode})")
            raise RuntimeError("server died")

        t0 = time.monotonic() + 1.0
        stop = ctx.Event()
        prober_rx, prober_tx = ctx.Pipe(False)
        traffic_rx, traffic_tx = ctx.Pipe(False)
        prober = ctx.Process(target=prober_main, args=(prober_tx, port, t0, duration, seed + 1, server.pid, stop))
        load = ctx.Process(target=traffic_main,
                           args=(traffic_tx, port, t0, duration, huge_times, phases, small, large, huge, big, seed + 2, stop))
        children = [prober, load]
        for child in children:
            child.start()
        prober_tx.close()  # the children hold the write ends: a child that dies reads as EOF here
        traffic_tx.close()
        print(f"running {duration:.0f} s; {rule}; connection phases: "
              + ", ".join(f"{label} {a:.0f}-{b:.0f} s" for label, a, b in phases)
              + f"; the 1x8000 bins-100 calibration at " + ", ".join(f"{t:.0f}" for t in huge_times) + " s", flush=True)

        samples = []  # (t, RSS kB, VmHWM kB, threads, CPU ticks, open fds, CPU wait s, load average)
        died = None
        next_tick = t0
        while True:
            t = time.monotonic()
            if t >= t0 + duration:
                break
            if server.poll() is not None:
                died = (t - t0, server.returncode)
                break
            if t >= next_tick:
                try:
                    samples.append((t - t0, *sample(server.pid)))
                except (FileNotFoundError, ProcessLookupError):
                    pass
                next_tick += 1.0
                if int(t - t0) % 60 == 0 and t - t0 >= 59:
                    print(f"  {t - t0:5.0f} s  RSS {samples[-1][1] / 1024:.0f} MB  fds {samples[-1][5]}", flush=True)
            time.sleep(0.05)
        if died:
            failures.append(f"the server died at {died[0]:.1f} s with exit status {died[1]}"
                            + (f" (signal {-died[1]})" if died[1] < 0 else ""))
            stop.set()

        def receive(rx, seconds, empty):
            try:
                return rx.recv() if rx.poll(seconds) else empty
            except EOFError:
                return empty

        probes, probe_errors = receive(prober_rx, 60, ([], [(0, "the prober sent nothing")]))
        # The last large or huge answer may still be on its way after the clock stops.
        by, errors, unexpected, count, times, events, crash = receive(
            traffic_rx, 700, (Counter(), Counter(), {}, Counter(), {}, [], "the traffic process sent nothing"))
        for child in children:
            child.join(10)
            if child.is_alive():
                child.terminate()
        if crash:
            failures.append(f"the traffic process failed: {crash.strip().splitlines()[-1]}")
            print(crash, flush=True)
        if server.poll() is not None and not died:
            failures.append(f"the server died after the run with exit status {server.returncode}")

        report(by, errors, unexpected, count, times, events, probes, probe_errors, samples, duration, window, reference, last, rule,
               failures, server, log_path)
    except BaseException:
        for child in children:
            if child.is_alive():
                child.terminate()
        if server.poll() is None:
            server.kill()
        raise
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    if failures:
        print("soak: 0 passed, 1 failed")
        for reason in failures[:20]:
            print(f"  - {reason}")
        if len(failures) > 20:
            print(f"  - ... and {len(failures) - 20} more (see the summary above)")
        print(f"  (server log kept in {log_path})")
        sys.exit(1)
    os.remove(log_path)
    os.rmdir(workdir)
    print("soak: 1 passed, 0 failed")


def report(by, errors, unexpected, count, times, events, probes, probe_errors, samples, duration, window, reference, last, rule,
           failures, server, log_path):
    print("\n== requests by kind (category, name: status x count; small kinds over their 3 sizes)")
    per_kind = defaultdict(Counter)
    for (category, name, route, status), n in by.items():
        if category in (VALID, INVALID):
            name = re.sub(r" \d+x\d+$", "", name)  # the 8x5, 32x10 and 64x20 variants together
        per_kind[(category, name)][status] += n
    totals = Counter()
    for (category, name), statuses in sorted(per_kind.items()):
        totals[category] += sum(statuses.values())
        print(f"  {category:8} {name:52} " + " ".join(f"{s}x{n}" for s, n in sorted(statuses.items())))
    print("  totals: " + ", ".join(f"{c} {n}" for c, n in sorted(totals.items())) + f", all {sum(totals.values())}")

    print("\n== by route and status")
    per_route = defaultdict(Counter)
    for (category, name, route, status), n in by.items():
        per_route[route][status] += n
    for route, statuses in sorted(per_route.items()):
        print(f"  {route:48} " + " ".join(f"{s}x{n}" for s, n in sorted(statuses.items())))
    fivexx = {k: n for k, n in by.items() if k[3] >= 500 and k[3] != 503}
    for (category, name, route, status), n in sorted(fivexx.items()):
        failures.append(f"{n} x {status} on {route} ({category} '{name}')")
    for (category, name, status), excerpt in sorted(unexpected.items(), key=str):
        if status >= 500 and status != 503 and category in ("slowloris", "stall"):
            failures.append(f"{status} from a {category} client ({name})")
        elif category not in ("slowloris", "stall"):
            failures.append(f"unexpected {status} for {category} '{name}': {excerpt[:160]!r}")

    print("\n== timeline")
    for t, what in sorted(events):
        print(f"  {t:6.1f} s  {what}")
    print("\n== abuse and connection phases")
    for (kind, what), seconds in sorted(times.items()):
        print(f"  {kind}: {what} x{len(seconds)}" + (f", after {min(seconds):.1f}-{max(seconds):.1f} s" if max(seconds) > 0 else ""))
    for key, n in sorted(count.items()):
        print(f"  {key}: {n}")
    if errors:
        print("\n== requests without an answer (category, name, error: count)")
        grouped = defaultdict(lambda: [0, set()])
        for (category, name, what), n in sorted(errors.items()):
            print(f"  {category:8} {name:48} {what}: {n}")
            grouped[(category, what)][0] += n
            grouped[(category, what)][1].add(name)
        for (category, what), (n, names) in sorted(grouped.items()):
            failures.append(f"{n} {category} requests without an answer: {what} "
                            + (f"('{next(iter(names))}')" if len(names) == 1 else f"({len(names)} kinds)"))

    print("\n== server RSS (MB) and CPU per minute")
    hz = os.sysconf("SC_CLK_TCK")
    if samples:
        minutes = defaultdict(list)
        for s in samples:
            minutes[int(s[0] // 60)].append(s)
        for m, ss in sorted(minutes.items()):
            rss = [s[1] / 1024 for s in ss]
            cpu = (ss[-1][4] - ss[0][4]) / hz
            span = max(1.0, ss[-1][0] - ss[0][0])
            print(f"  minute {m + 1:3}: RSS min {min(rss):7.1f} max {max(rss):7.1f}   CPU {cpu:6.1f} s ({100 * cpu / span:5.1f} % of a core)"
                  f"   waited for a CPU {ss[-1][6] - ss[0][6]:5.1f} s   load {max(s[7] for s in ss):5.1f}"
                  f"   threads max {max(s[3] for s in ss)}   fds max {max(s[5] for s in ss)}")
        if window != 60:
            print(f"  per {window:.0f} s window:")
            w = 0
            while w * window < duration:
                ss = [s for s in samples if w * window <= s[0] < (w + 1) * window]
                if ss:
                    print(f"    [{w * window:4.0f}, {(w + 1) * window:4.0f}) s: RSS min {min(s[1] for s in ss) / 1024:7.1f} "
                          f"max {max(s[1] for s in ss) / 1024:7.1f}   fds max {max(s[5] for s in ss)}")
                w += 1
        steps, high = [], next((s[1] for s in samples if s[0] >= reference[0]), 0)
        for s in samples:
            if s[0] >= reference[0] and s[1] > high + 1024:
                before = [e for e in events if e[0] <= s[0]]
                steps.append(f"{s[0]:.0f} s: {high / 1024:.1f} -> {s[1] / 1024:.1f} MB"
                             + (f" ({before[-1][1]} at {before[-1][0]:.1f} s)" if before else ""))
            if s[0] >= reference[0]:
                high = max(high, s[1])
        if steps:
            print(f"  RSS rises of more than 1 MB over its running peak since the reference window began: " + "; ".join(steps[:12])
                  + (f"; ... {len(steps)} in all" if len(steps) > 12 else ""))
        total_cpu = (samples[-1][4] - samples[0][4]) / hz
        print(f"  total: server CPU {total_cpu:.1f} s over {samples[-1][0] - samples[0][0]:.0f} s "
              f"({100 * total_cpu / max(1.0, samples[-1][0] - samples[0][0]):.0f} % of one core); peak RSS (VmHWM) {samples[-1][2] / 1024:.0f} MB")
        own = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"  soak client processes: CPU {own.ru_utime + own.ru_stime:.1f} s")
        ref = [s[1] for s in samples if reference[0] <= s[0] < reference[1]]
        end = [s[1] for s in samples if last[0] <= s[0] < last[1]]
        print(f"  {rule}")
        if ref and end:
            ratio = max(end) / max(ref)
            print(f"  reference window [{reference[0]:.0f}, {reference[1]:.0f}) s peak {max(ref) / 1024:.1f} MB, last window "
                  f"[{last[0]:.0f}, {last[1]:.0f}) s peak {max(end) / 1024:.1f} MB: {100 * (ratio - 1):+.1f} %")
            if ratio > 1 + RSS_TOLERANCE:
                failures.append(f"RSS grew: last window peak {max(end) / 1024:.1f} MB vs reference window peak "
                                f"{max(ref) / 1024:.1f} MB ({100 * (ratio - 1):+.1f} %, limit +{100 * RSS_TOLERANCE:.0f} %)")
        else:
            failures.append("RSS: no samples in the reference or the last window")
    else:
        failures.append("no RSS samples")

    print("\n== /healthz prober (one keep-alive connection, every 50-100 ms)")
    lat = sorted(p[1] for p in probes)
    if lat:
        print(f"  {len(lat)} probes: p50 {ms(percentile(lat, 0.5))} ms, p99 {ms(percentile(lat, 0.99))} ms, max {ms(lat[-1])} ms")
        if percentile(lat, 0.99) >= HEALTHZ_P99_LIMIT:
            failures.append(f"/healthz p99 {ms(percentile(lat, 0.99))} ms over the whole run (limit {ms(HEALTHZ_P99_LIMIT)} ms)")
        w = 0
        while w * window < duration:
            ws = sorted(p[1] for p in probes if w * window <= p[0] < (w + 1) * window)
            if ws:
                slow = [p for p in probes if w * window <= p[0] < (w + 1) * window and p[1] >= HEALTHZ_P99_LIMIT]
                print(f"    [{w * window:4.0f}, {(w + 1) * window:4.0f}) s: {len(ws):5} probes, p50 {ms(percentile(ws, 0.5)):>6} "
                      f"p99 {ms(percentile(ws, 0.99)):>7} max {ms(ws[-1]):>7} ms, {len(slow)} at or over {ms(HEALTHZ_P99_LIMIT)} ms"
                      + (f" (worst at {max(slow, key=lambda p: p[1])[0]:.1f} s)" if slow else ""))
                if percentile(ws, 0.99) >= HEALTHZ_P99_LIMIT:
                    failures.append(f"/healthz p99 {ms(percentile(ws, 0.99))} ms in [{w * window:.0f}, {(w + 1) * window:.0f}) s "
                                    f"(limit {ms(HEALTHZ_P99_LIMIT)} ms)")
            w += 1
        slow = [p for p in probes if p[1] >= HEALTHZ_P99_LIMIT]
        if slow:
            starved = sum(p[3] >= p[1] / 2 for p in slow)
            waits = sorted(p[4] for p in slow)
            print(f"  {len(slow)} probes at or over {ms(HEALTHZ_P99_LIMIT)} ms; in {starved} of them the prober itself waited "
                  f"for a CPU at least half the time; the server's threads together waited for a CPU a median "
                  f"{ms(percentile(waits, 0.5))} ms around them (machine contention rather than the server)")
        print("  slowest probes (at s: latency, prober's own CPU wait, server threads' CPU wait; nearest event before):")
        for p in sorted(probes, key=lambda p: -p[1])[:5]:
            before = [e for e in events if e[0] <= p[0]]
            near = f"{before[-1][1]} at {before[-1][0]:.1f} s" if before else "-"
            print(f"    {p[0]:6.1f} s: {ms(p[1]):>6} ms, {ms(p[3]):>6} ms, {ms(p[4]):>6} ms; {near}")
        bad_status = Counter(p[2] for p in probes if p[2] != 200)
        if bad_status:
            failures.append(f"/healthz answered {dict(bad_status)}")
    else:
        failures.append("the prober recorded no probe")
    if probe_errors:
        print(f"  {len(probe_errors)} failed probes, first: {probe_errors[:3]}")
        failures.append(f"{len(probe_errors)} /healthz probes failed (first at {probe_errors[0]})")

    levels = Counter()
    with open(log_path, "rb") as f:
        for line in f:
            parts = line.split(b" ", 2)
            if len(parts) > 1:
                levels[parts[1].decode("latin-1")] += 1
    print(f"\n== server log: {os.path.getsize(log_path) / 1e6:.1f} MB, lines by level {dict(levels)}")
    if server.poll() is None:
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(40)
            print(f"  SIGTERM: exited {code} after {time.monotonic() - started:.2f} s")
            if code != 0:
                failures.append(f"the server exited {code} after SIGTERM (expected 0)")
        except subprocess.TimeoutExpired:
            failures.append("the server did not exit within 40 s of SIGTERM")
    print()


if __name__ == "__main__":
    main()

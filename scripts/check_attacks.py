#!/usr/bin/env python3
"""Hostile requests and settings against the real binary (issue 11's classes of defect).

    python3 scripts/check_attacks.py path/to/softlabel

Starts `softlabel serve` with default settings on a free loopback port and sends, one class at a
time: overflowing numbers (counts of 2^53 - 1, temperatures of 1e-45 and 3e38, 2^63 integers),
lying sizes and shapes (binary_data_size, Content-Length, shapes whose product overflows),
amplification (a small body asking for a huge response or working memory), and, concurrently,
the largest bodies the limits allow. After each it checks that the server still answers
/healthz, that no response was a 5xx other than 503, and it samples the server's peak RSS
(VmHWM), which must stay under 1 GiB. Then bad settings: each must exit 64 with one line that
names the setting. Prints one line per case and `attacks: N passed, M failed`; exit 1 on any
failure. Only 127.0.0.1 is contacted; every loop is bounded.
"""
import http.client, json, os, socket, struct, subprocess, sys, threading, time

BINARY = sys.argv[1]
RSS_LIMIT = 1 << 30
passed, failed = 0, 0


def result(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def post(port, path, body, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def alive(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def v2_binary(inputs, outputs=None, parameters=None):
    """A binary Open Inference body: [(name, datatype, shape, raw bytes, declared size or None)]."""
    header = {"inputs": [], "parameters": parameters or {}}
    raw = b""
    for name, datatype, shape, data, declared in inputs:
        size = len(data) if declared is None else declared
        header["inputs"].append({"name": name, "datatype": datatype, "shape": shape,
                                 "parameters": {"binary_data_size": size}})
        raw += data
    if outputs:
        header["outputs"] = [{"name": o} for o in outputs]
    text = json.dumps(header).encode()
    return text + raw, {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(text))}


def state_with(count, bins=1100, k=2):
    """A calibration state (as /v1/calibration returns it) with every bin holding `count` rows."""
    return {"version": 1, "num_classes": k, "bins": bins, "edge_rule": "lower_closed", "binning": "equal_width",
            "temperature": 1.0, "top_k": [1], "count": count * bins, "correct": 0, "top_k_correct": [0],
            "confidence_sum": 0.0, "nll_sum": 0.0, "nll_infinite_count": 0, "brier_sum": 0.0, "entropy_sum": 0.0,
            "bin_count": [count] * bins, "bin_correct": [0] * bins, "bin_confidence_sum": [0.0] * bins,
            "class_bin_count": [count] * (k * bins), "class_bin_positives": [0] * (k * bins),
            "class_bin_probability_sum": [0.0] * (k * bins)}


def cases():
    logits = [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]
    big_int = 2 ** 63
    yield "merge: 1,100 bins of 2^53-1 rows", "/v1/calibration/merge", json.dumps({"states": [state_with(2 ** 53 - 1)]}), {}
    yield "merge: negative and float counts", "/v1/calibration/merge", json.dumps({"states": [state_with(-1), state_with(1.5)]}), {}
    for t in [1e-45, 1.4e-45, 1e-38, 3.4e38, 1e39, 0, -1]:
        yield f"calibration temperature {t}", "/v1/calibration", json.dumps({"logits": logits, "labels": [0, 2], "temperature": t}), {}
    for v in [3.4e38, -3.4e38, 1e30]:
        yield f"calibration logits {v}, temperature 7", "/v1/calibration", json.dumps({"logits": [[v, 0.0, -v]], "labels": [0], "temperature": 7}), {}
        yield f"temperature fit on logits {v}", "/v1/temperature", json.dumps({"logits": [[v, 0.0], [0.0, v]], "labels": [0, 1]}), {}
        yield f"distillation logits {v}", "/v1/loss", json.dumps({"logits": [[v, 0.0]], "teacher_logits": [[0.0, v]], "labels": [0], "loss": "distillation", "temperature": 3e38}), {}
    for field, value in [("bins", big_int), ("bins", 10 ** 9), ("top_k", [big_int]), ("bootstrap", 10 ** 12), ("seed", big_int), ("bins", -1)]:
        yield f"calibration {field}={value}", "/v1/calibration", json.dumps({"logits": logits, "labels": [0, 2], field: value}), {}
    for n in [big_int, 2 ** 62, 2 ** 31, 10 ** 9, 0]:
        yield f"smooth num_classes={n}", "/v1/smooth", json.dumps({"labels": [0, 1], "num_classes": n, "label_smoothing": 0.1}), {}
    yield "loss weights 1e-45 and 3e38", "/v1/loss", json.dumps({"logits": logits, "labels": [0, 2], "weight": [1e-45, 3e38, 1.0]}), {}
    yield "loss ignore_index 2^63", "/v1/loss", json.dumps({"logits": logits, "labels": [0, 2], "ignore_index": big_int}), {}
    # Amplification: a small body asking for a huge response or working memory.
    yield "calibration 8,000 classes x 2,000 bins", "/v1/calibration", json.dumps({"logits": [[0.5] * 8000], "labels": [0], "bins": 2000}), {}
    yield "calibration 1,677 classes x 10,000 bins", "/v1/calibration", json.dumps({"logits": [[0.5] * 1677], "labels": [0], "bins": 10000}), {}
    yield "smooth 2,000 labels x 1,000,000 classes", "/v1/smooth", json.dumps({"labels": [0] * 2000, "num_classes": 1000000, "label_smoothing": 0.1}), {}
    yield "bootstrap 10,000 over 10,000 bins", "/v1/calibration", json.dumps({"logits": logits, "labels": [0, 2], "bins": 10000, "bootstrap": 10000}), {}
    # Lying sizes and shapes.
    f32 = struct.pack("<6f", *[1, 2, 3, 4, 5, 6])
    labels64 = struct.pack("<2q", 0, 1)
    for shape, declared in [([2, 3], 2 ** 62), ([2, 3], -1), ([2 ** 40, 2 ** 40], None), ([-2, -3], None), ([2 ** 62, 2], None), ([0, 3], None)]:
        body, headers = v2_binary([("logits", "FP32", shape, f32, declared), ("labels", "INT64", [2], labels64, None)], outputs=["loss"])
        yield f"v2 loss shape {shape} binary_data_size {declared}", "/v2/models/loss/infer", body, headers
    body, headers = v2_binary([("logits", "FP32", [2, 3], f32, None), ("labels", "INT64", [2], labels64, None)])
    headers = dict(headers, **{"Inference-Header-Content-Length": str(2 ** 62)})
    yield "v2 Inference-Header-Content-Length 2^62", "/v2/models/loss/infer", body, headers
    for shape in [[2 ** 31, 2 ** 31], [1, 2 ** 40]]:
        text = json.dumps({"inputs": [{"name": "logits", "shape": shape, "datatype": "FP32", "data": [1, 2]},
                                      {"name": "labels", "shape": [1], "datatype": "INT64", "data": [0]}]})
        yield f"v2 JSON shape {shape}", "/v2/models/calibration/infer", text, {}


def heavy_parallel(port):
    """The largest legal JSON bodies at once: 12 connections of ~48 MB each (4M logits)."""
    row = ",".join(["0.12345"] * 1000)
    body = ('{"logits": [' + ",".join(["[" + row + "]"] * 4000) + '], "labels": [' + ",".join(["3"] * 4000) + "]}").encode()
    statuses = []

    def one():
        try:
            statuses.append(post(port, "/v1/loss", body, timeout=300)[0])
        except OSError as e:
            statuses.append(str(e))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return statuses, len(body)


def main():
    port = free_port()
    log = open(os.devnull, "w")
    server = subprocess.Popen([BINARY, "serve", "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log)
    try:
        for _ in range(300):
            if alive(port):
                break
            time.sleep(0.1)
        else:
            result("server starts", False)
            return
        for name, path, body, headers in cases():
            try:
                status, data = post(port, path, body.encode() if isinstance(body, str) else body, headers)
            except OSError as e:
                status, data = None, str(e).encode()
            ok = status is not None and (status < 500 or status == 503) and alive(port)
            if ok and 400 <= status < 500:
                try:
                    ok = "error" in json.loads(data)
                except ValueError:
                    ok = False
            rss = peak_rss(server.pid)
            result(name, ok and rss < RSS_LIMIT and server.poll() is None,
                   f"{status} {data[:120].decode(errors='replace')} (peak RSS {rss >> 20} MiB)")
        statuses, size = heavy_parallel(port)
        rss = peak_rss(server.pid)
        bad = [s for s in statuses if not (s == 200 or s == 503)]
        result(f"12 concurrent {size >> 20} MiB loss bodies", not bad and alive(port) and rss < RSS_LIMIT,
               f"statuses {sorted(map(str, statuses))}, peak RSS {rss >> 20} MiB (limit {RSS_LIMIT >> 20})")
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            code = None
        result("drains and exits 0 after the attacks", code == 0, f"exit {code}")
    for args, env, needle in [
        (["--header-timeout", "inf"], {}, "--header-timeout"),
        (["--idle-timeout", "1e300"], {}, "--idle-timeout"),
        ([], {"SOFTLABEL_HEADER_TIMEOUT": "inf"}, "SOFTLABEL_HEADER_TIMEOUT"),
        ([], {"SOFTLABEL_PORT": "80a"}, "SOFTLABEL_PORT"),
        ([], {"SOFTLABEL_MAX_BODY_BYTES": "lots"}, "SOFTLABEL_MAX_BODY_BYTES"),
        (["--port", "70000"], {}, "--port"),
        (["--max-connections", "0"], {}, "--max-connections"),
        (["--max-body-bytes", "-5"], {}, "--max-body-bytes"),
        (["--compute-concurrency", "99999999999999999999"], {}, "--compute-concurrency"),
        (["--drain-timeout", "nan"], {}, "--drain-timeout"),
        (["--max-inflight-bytes", "2000000", "--max-body-bytes", "67108864"], {}, "--max-inflight-bytes"),
    ]:
        command = [BINARY, "serve", "--host", "127.0.0.1"] + args + ([] if "--port" in args or env else ["--port", "0"])
        try:
            p = subprocess.run(command, env=dict(os.environ, **env), capture_output=True, text=True, timeout=20)
            code, lines = p.returncode, [l for l in p.stderr.splitlines() if l.strip()]
        except subprocess.TimeoutExpired:
            code, lines = None, ["it started and served instead of refusing the setting"]
        result(f"setting {' '.join(args) or env}", code == 64 and len(lines) == 1 and needle in lines[0],
               f"exit {code}: {lines[:2]}")
    print(f"attacks: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

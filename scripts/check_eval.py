"""`softlabel eval` against `softlabel call`, with files NumPy itself writes (issue 12 item 5):

    python scripts/check_eval.py path/to/softlabel WORKDIR

1. random logits as float16/float32/float64, C and Fortran order, little- and big-endian, .npy
   format versions 1.0/2.0/3.0, with int8..int64/uint8 labels and assorted options: the output
   of `softlabel eval` must be byte for byte what `softlabel call /v1/calibration` prints for the
   JSON body holding the same float32 values (arr.astype(np.float32)) and options;
2. .npz archives (np.savez: stored, np.savez_compressed: deflated; logits or probabilities),
   probabilities with --probabilities, a JSON request file, and --loss (compared with
   {"calibration": <call /v1/calibration>, "loss": <call /v1/loss>});
3. hostile files (huge declared shapes, overflowing shapes, truncated data, bad headers,
   object/complex arrays, mismatched labels, a zip bomb's claim): exit 1, nothing on stdout,
   exactly one stderr line naming the file, and a peak RSS no more than 32 MB above a small
   run's (nothing is allocated from a declared size).
Prints one line per case and 'eval: N passed, M failed'; exits 1 on any failure.
"""
import json, os, struct, sys, zipfile

import numpy as np

binary, work = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n     " + detail), flush=True)
    passed, failed = passed + ok, failed + (not ok)


def run(args, stdin=b""):
    """Runs softlabel; returns (status, stdout, stderr, peak RSS in KiB) via wait4's rusage."""
    paths = [os.path.join(work, n) for n in ("stdin", "stdout", "stderr")]
    with open(paths[0], "wb") as f:
        f.write(stdin)
    pid = os.fork()
    if pid == 0:
        try:
            for fd, (path, mode) in enumerate(zip(paths, (os.O_RDONLY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, os.O_WRONLY | os.O_CREAT | os.O_TRUNC))):
                os.dup2(os.open(path, mode, 0o644), fd)
            os.execv(binary, [binary] + args)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    out, err = (open(p, "rb").read() for p in paths[1:])
    return os.waitstatus_to_exitcode(status), out, err, usage.ru_maxrss


def path(name):
    return os.path.join(work, name)


def json_body(field, matrix, labels, options):
    body = {field: [[float(v) for v in row] for row in matrix.astype(np.float32)], "labels": [int(v) for v in labels]}
    body.update(options)
    return json.dumps(body).encode()


def call(endpoint, body):
    status, out, err, _ = run(["call", endpoint], body)
    return status, out


def flags(options):
    args = []
    for key, value in options.items():
        args += ["--" + key.replace("_", "-"), ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    return args


rng = np.random.default_rng(int(os.environ.get("SOFTLABEL_TEST_SEED", "2024")))
option_sets = [{}, {"bins": 10}, {"bins": 7, "binning": "equal_mass", "top_k": [1, 3]}, {"preset": "netcal"},
               {"temperature": 1.5, "bootstrap": 25, "seed": 4}, {"top_k": [2]}]
label_types = ["<i8", "<i4", ">i2", "|i1", "|u1", ">i8"]

# 1. Every float dtype × order × byte order × format version.
case = 0
for dtype in ["f2", "f4", "f8"]:
    for order in ["C", "F"]:
        for endian in ["<", ">"]:
            b, k = int(rng.integers(1, 400)), int(rng.integers(2, 12))
            logits = (rng.standard_normal((b, k)) * 3).astype(endian + dtype)
            logits = np.asfortranarray(logits) if order == "F" else np.ascontiguousarray(logits)
            labels = rng.integers(0, k, size=b).astype(label_types[case % len(label_types)])
            version = [(1, 0), (2, 0), (3, 0)][case % 3]
            options = option_sets[case % len(option_sets)]
            with open(path("logits.npy"), "wb") as f:
                np.lib.format.write_array(f, logits, version=version)
            np.save(path("labels.npy"), labels)
            status, out, err, _ = run(["eval", path("logits.npy"), path("labels.npy")] + flags(options))
            expected_status, expected = call("/v1/calibration", json_body("logits", logits, labels, options))
            what = f"{endian}{dtype} {order}-order v{version[0]}.0, {b}x{k}, labels {labels.dtype.str}, options {options}"
            check(status == 0 and expected_status == 0 and out == expected, what, err.decode()[:300] or out[:200].decode())
            case += 1

# A larger one: several conversion blocks, mapped from disk.
b, k = 200_000, 10
logits = rng.standard_normal((b, k)).astype(np.float64)
labels = rng.integers(0, k, size=b)
np.save(path("big.npy"), logits)
np.save(path("labels.npy"), labels)
status, out, err, _ = run(["eval", path("big.npy"), path("labels.npy"), "--bins", "20"])
expected_status, expected = call("/v1/calibration", json_body("logits", logits, labels, {"bins": 20}))
check(status == 0 and out == expected, f"float64 {b}x{k} (several blocks)", err.decode()[:300])

# 2. Archives, probabilities, JSON requests and --loss.
b, k = 300, 6
logits = rng.standard_normal((b, k)).astype(np.float32) * 2
labels = rng.integers(0, k, size=b)
probabilities = np.exp(logits.astype(np.float64))
probabilities /= probabilities.sum(axis=1, keepdims=True)
np.savez(path("stored.npz"), logits=logits, labels=labels)
np.savez_compressed(path("deflated.npz"), logits=logits.astype(np.float64), labels=labels.astype(np.int32))
np.savez(path("probabilities.npz"), probabilities=probabilities, labels=labels)
_, expected_logits = call("/v1/calibration", json_body("logits", logits, labels, {}))
_, expected_probabilities = call("/v1/calibration", json_body("probabilities", probabilities, labels, {}))
for name, expected in [("stored.npz", expected_logits), ("deflated.npz", expected_logits), ("probabilities.npz", expected_probabilities)]:
    status, out, err, _ = run(["eval", path(name)])
    check(status == 0 and out == expected, f".npz {name}", err.decode()[:300])
np.save(path("p.npy"), probabilities.astype(">f8"))
np.save(path("labels.npy"), labels)
status, out, err, _ = run(["eval", path("p.npy"), path("labels.npy"), "--probabilities"])
check(status == 0 and out == expected_probabilities, "probabilities .npy with --probabilities", err.decode()[:300])
with open(path("request.json"), "wb") as f:
    f.write(json_body("logits", logits, labels, {"bins": 9}))
status, out, err, _ = run(["eval", path("request.json")])
_, expected = call("/v1/calibration", json_body("logits", logits, labels, {"bins": 9}))
check(status == 0 and out == expected, "JSON request file", err.decode()[:300])

for loss_options in [{}, {"label_smoothing": 0.1}, {"label_smoothing": 0.2, "smoothing": "off_target"}]:
    for source in ["stored.npz", "request.json"]:
        status, out, err, _ = run(["eval", path(source), "--loss"] + flags(loss_options))
        calibration_options = {"bins": 9} if source == "request.json" else {}
        _, c = call("/v1/calibration", json_body("logits", logits, labels, calibration_options))
        _, l = call("/v1/loss", json_body("logits", logits, labels, loss_options))
        expected = b'{"calibration":' + c.rstrip(b"\n") + b',"loss":' + l.rstrip(b"\n") + b"}\n"
        check(status == 0 and out == expected, f"--loss {loss_options} on {source}", err.decode()[:300] or out[:200].decode())


# 3. Hostile files.
def npy_bytes(header, data=b"", version=1):
    text = header.encode()
    length = 2 if version == 1 else 4
    pad = (64 - (8 + length + len(text) + 1) % 64) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + len(text).to_bytes(length, "little") + text + data


small = np.zeros((3, 2), dtype=np.float32)
np.save(path("y3.npy"), np.array([0, 1, 0]))
np.save(path("small.npy"), small)
_, _, _, baseline = run(["eval", path("small.npy"), path("y3.npy")])
full = open(path("small.npy"), "rb").read()
hostile = {
    "huge-shape.npy": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000), }", b"\0" * 64),
    "huge-within-file.npy": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }") + b"",
    "overflow.npy": npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }"),
    "truncated.npy": full[:-5],
    "bad-magic.npy": b"\x93NUMPX" + full[6:],
    "bad-version.npy": full[:6] + b"\x05\x00" + full[8:],
    "header-length.npy": full[:8] + b"\xff\xff" + full[10:],
    "bad-header.npy": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", b"\0" * 24),
    "unknown-key.npy": npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'x': 1}", b"\0" * 24),
    "complex.npy": None,
    "object.npy": None,
    "structured.npy": None,
    "vector.npy": None,
    "mismatch.npy": None,
}
np.save(path("complex.npy"), np.zeros((3, 2), dtype=np.complex64))
np.save(path("object.npy"), np.array([[1, "a"], [2, "b"], [3, "c"]], dtype=object), allow_pickle=True)
np.save(path("structured.npy"), np.zeros(3, dtype=[("a", "<f4"), ("b", "<i8")]))
np.save(path("vector.npy"), np.zeros(3, dtype=np.float32))
np.save(path("mismatch.npy"), np.zeros((4, 2), dtype=np.float32))
# The element limit on a complete file: 3×2 with --max-elements 5.
hostile["huge-within-file.npy"] = full
for name, data in hostile.items():
    if data is not None:
        with open(path(name), "wb") as f:
            f.write(data)
# A deflated member whose .npy header claims 8 GB, within the (raised) limits, in 100 kB of data.
with zipfile.ZipFile(path("bomb.npz"), "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("logits.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000), }", b"\0" * 100_000))
    z.writestr("labels.npy", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1000000,), }", b"\0" * 1_000_000))
hostile["bomb.npz"] = b""
expected_messages = {
    "huge-shape.npy": "truncated data: expected 4000000000000000 bytes",
    "huge-within-file.npy": "has 6 elements; the limit is 5 per matrix",
    "overflow.npy": "more elements than can be counted",
    "truncated.npy": "truncated data: expected 24 bytes",
    "bad-magic.npy": "not a .npy, .npz or JSON file",
    "bad-version.npy": "unsupported .npy format version 5.0",
    "header-length.npy": "truncated header",
    "bad-header.npy": "'(3)' is an int, not a tuple",
    "unknown-key.npy": "malformed header",
    "complex.npy": "unsupported dtype '<c8'",
    "object.npy": "object arrays are not supported",
    "structured.npy": "structured dtypes are not supported",
    "vector.npy": "shape (3,) is not [B, K]",
    "mismatch.npy": "labels have 3 rows but",
    "bomb.npz": "member logits.npy: its .npy header declares 8000000128 bytes, the archive 100128",
}
for name in hostile:
    extra = {"huge-within-file.npy": ["--max-elements", "5"], "bomb.npz": ["--max-elements", "4294967296"]}.get(name, [])
    args = ["eval", path(name)] + ([] if name.endswith(".npz") else [path("y3.npy")]) + extra
    status, out, err, rss = run(args)
    text = err.decode(errors="replace")
    culprit = path("y3.npy") if name == "mismatch.npy" else path(name)
    ok = (status == 1 and out == b"" and text.count("\n") == 1 and text.startswith(f"softlabel eval: {culprit}: ")
          and expected_messages[name] in text and rss <= baseline + 32 * 1024)
    check(ok, f"hostile {name}: exit {status}, peak RSS {rss // 1024} MB (small run {baseline // 1024} MB)", text.strip())

print(f"eval: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

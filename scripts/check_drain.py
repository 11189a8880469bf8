"""Graceful drain of the real binary, as an operator sees it (issue 4's acceptance):

    python3 scripts/check_drain.py path/to/softlabel

1. start `softlabel serve` on a free port, wait for /healthz;
2. open a request to /v1/loss and send half of its body (in flight), and open a second
   connection holding the first bytes of `GET /readyz`;
3. SIGTERM the process;
4. finish the /readyz request: it must answer 503 (draining) with Retry-After;
5. finish the slow request: it must answer 200 with the right loss;
6. the process must exit 0 within the drain timeout;
7. its stderr (--log-format json) must hold an access-log line for each of the drained requests
   (the last lines must not be lost on a graceful stop) and end with the "stopped" line.
Prints one line per step and 'N passed, N failed' at the end; exits 1 on any failure.
"""
import json, math, signal, socket, subprocess, sys, tempfile, time

binary = sys.argv[1]
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    passed, failed = passed + ok, failed + (not ok)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


port = free_port()
log = tempfile.TemporaryFile()
server = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--drain-timeout", "10",
                           "--log-level", "info", "--log-format", "json"], stderr=log)
try:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if read_response(s)[0] == 200:
                    break
        except OSError:
            time.sleep(0.1)
    body = json.dumps({"logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], "labels": [0, 2], "label_smoothing": 0.1}).encode()
    slow = socket.create_connection(("127.0.0.1", port), timeout=15)
    slow.sendall(b"POST /v1/loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                 + body[: len(body) // 2])
    probe = socket.create_connection(("127.0.0.1", port), timeout=15)
    probe.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.3)
    started = time.time()
    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    probe.sendall(b"Connection: close\r\n\r\n")
    status, headers, _ = read_response(probe)
    check(status == 503 and "retry-after" in headers, f"/readyz during the drain answers {status} (want 503 with Retry-After)")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        check(False, "new connections are refused during the drain")
    except OSError:
        check(True, "new connections are refused during the drain")
    slow.sendall(body[len(body) // 2:])
    status, _, answer = read_response(slow)
    loss = json.loads(answer).get("loss") if status == 200 else None
    # The same smoothed CE by hand: mean over rows of −Σ_k q_k log p_k, q = 0.9·onehot + 0.1/3.
    expected = 0.0
    for logits, label in [([2.0, 0.5, -1.0], 0), ([0.1, 0.2, 3.0], 2)]:
        m = max(logits)
        lse = m + math.log(sum(math.exp(x - m) for x in logits))
        expected += -sum((0.9 * (k == label) + 0.1 / 3) * (x - lse) for k, x in enumerate(logits)) / 2
    check(status == 200 and loss is not None and abs(loss - expected) < 1e-5, f"the in-flight request completes: {status} loss={loss} (want {expected:.7f})")
    code = server.wait(timeout=15)
    check(code == 0, f"the process exits {code} (want 0) after {time.time() - started:.2f} s (drain timeout 10 s)")
    log.seek(0)
    lines = log.read().decode(errors="replace").splitlines()
    records = []
    for line in lines[1:]:  # the first is the plain start-up line
        try:
            records.append(json.loads(line))
        except ValueError:
            check(False, f"a log line that is not JSON: {line!r}")
    requests = {(r.get("method"), r.get("path"), r.get("status")) for r in records if r.get("message") == "request"}
    check(("POST", "/v1/loss", 200) in requests and ("GET", "/readyz", 503) in requests,
          f"the access log holds the drained requests' lines (POST /v1/loss 200, GET /readyz 503): {sorted(map(str, requests))}")
    check(bool(records) and records[-1].get("message") == "stopped", f"the log ends with 'stopped': {lines[-1:]}")
finally:
    if server.poll() is None:
        server.kill()
print(f"drain: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

"""The page at GET / in a real browser (issue 16), driven by Selenium in headless Chromium against a
running server. Called by scripts/check-page, which installs Chromium, chromedriver and the Python
packages and starts the server:

    python scripts/check_page.py --port PORT --work DIR --screenshots DIR \
        [--chromium /usr/bin/chromium] [--chromedriver /usr/bin/chromedriver]

What it checks, in one browser session (the viewport is a 1366x768 laptop screen):
1. `/` loads: the hooks are there, every control has a label (keyboard-usable), nothing is
   logged to the console.
2. "Try an example" (data-testid load-example): the metrics table and the diagrams appear (the
   projection too when the server has the representation model; otherwise the page says so in
   place), the figures do not move when the results arrive (space is reserved), the settings are
   in the URL, and the example's ECE and accuracy equal the API's for the same files.
3. A .npy pair (float64 logits, converted to float32 by the page, and int64 labels; then float32
   .npy v2 logits with int32 labels in run B, and a JSON request file) uploaded through the file
   input (data-testid file-input): the displayed ECE and accuracy, to all digits and as printed,
   equal the API's answer for the same float32 arrays, asked directly (POST /v1/calibration).
   With logit_gap on the server, its numbers are in the table and the optimal gap marked is the
   API's; without, the table says so in place.
4. Errors: labels out of range are refused by the API and the page shows the API's message next
   to the labels file (data-testid error); a Fortran-order file is refused by the page itself.
5. A 52 MB .npy upload with the upload throttled: the progress bar is seen moving, and the
   accuracy then equals the API's.
6. A changed setting is written to the URL and read back after a reload.
Throughout: any console error fails (Chromium's network entry for the 422 of step 4 is the one
expected), and
so does any request to another origin (Chromium's performance log: Network.requestWillBeSent).
Screenshots go to --screenshots. Prints one line per check, then 'page: N passed, M failed'.
"""
import argparse, json, math, os, sys, time, urllib.parse

import numpy as np
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--screenshots", required=True)
ap.add_argument("--chromium", default="/usr/bin/chromium")
ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
args = ap.parse_args()
base = f"http://127.0.0.1:{args.port}"
os.makedirs(args.screenshots, exist_ok=True)
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n     " + str(detail)[:2000]), flush=True)
    passed, failed = passed + bool(ok), failed + (not ok)
    return ok


def js_fmt(v):
    """The page's fmt(): what a metrics cell shows for the number v."""
    if v is None:
        return "null"
    if float(v).is_integer() and abs(v) >= 1000:
        return f"{int(v):,}"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a < 1e-3:
        mantissa, exponent = f"{v:.3e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    return f"{v:#.4g}"


def api_calibration(logits, labels, **options):
    """The API's answer for these arrays (float32 values, sent as the doubles they are)."""
    body = {"logits": logits.astype(np.float32).astype(np.float64).tolist(), "labels": [int(v) for v in labels], **options}
    r = requests.post(base + "/v1/calibration", json=body, timeout=300)
    return r.status_code, r.json()


options = webdriver.ChromeOptions()
options.binary_location = args.chromium
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
             "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
             "--hide-scrollbars", "--force-device-scale-factor=1"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
driver.set_window_size(1366, 768)
other_origin = []
console_errors = []


step = "loading /"
expected_422 = 0  # Chromium's network entries for the refusals a step provokes on purpose


def drain_logs():
    """Reads the browser and performance logs so far: console errors and other-origin requests."""
    global expected_422
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if expected_422 and entry.get("source") == "network" and "status of 422" in entry["message"]:
            expected_422 -= 1
            continue
        console_errors.append(f"[during: {step}] {entry['message']}")
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme in ("data", "blob"):
            continue
        if not url.startswith(base + "/"):
            other_origin.append(url)


def wait(condition, timeout=60, what="condition"):
    try:
        # The page redraws parts as results arrive: an element read while it is replaced is retried.
        return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition())
    except TimeoutException:
        return None


def by_testid(name):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def cell(metric, run):
    """A metrics cell read in one step (the table is redrawn as results arrive): text, data-value, class."""
    return driver.execute_script(
        "const c = document.querySelector(`td[data-metric='${arguments[0]}'][data-run='${arguments[1]}']`);"
        " return c ? {text: c.childNodes[0] ? c.childNodes[0].textContent : '', value: c.dataset.value || null, cls: c.className} : null;",
        metric, run)


def cell_value(metric, run):
    c = cell(metric, run)
    return None if c is None else c["value"]


def compare_cells(run, answer, what):
    for metric in ("ece", "accuracy"):
        c = cell(metric, run)
        shown = c["text"] if c is not None else None
        value = c["value"] if c is not None else None
        ok = value is not None and float(value) == answer[metric] and shown == js_fmt(answer[metric])
        check(ok, f"{what}: {metric} shown {shown!r} ({value}) = the API's {answer[metric]!r}",
              f"page {shown!r} / {value!r}, API {answer[metric]!r} -> {js_fmt(answer[metric])!r}")


def save(name):
    path = os.path.join(args.screenshots, name)
    driver.save_screenshot(path)
    return path


def upload(paths, testid="file-input"):
    element = by_testid(testid)[0]
    element.send_keys("\n".join(paths))


def figure_rects():
    return driver.execute_script(
        "return ['metrics','reliability-diagram','gap-histogram','risk-coverage','projection'].map(t => {"
        " const r = document.querySelector(`[data-testid=${t}]`).getBoundingClientRect();"
        " return [t, Math.round(r.top), Math.round(r.left), Math.round(r.width), Math.round(r.height)]; })")


has_representation = "representation" in requests.get(base + "/v2", timeout=30).json().get("models", [])
spec = requests.get(base + "/openapi.yaml", timeout=30).text
has_wave2 = "logit_gap" in spec and "selective" in spec
try:
    # 1. The page loads; every control is labelled.
    response = requests.get(base + "/", timeout=30)
    check(response.status_code == 200 and response.headers.get("content-type", "").startswith("text/html"), "GET / answers text/html")
    check("connect-src 'self'" in response.headers.get("content-security-policy", ""), "GET / sends a Content-Security-Policy that keeps requests on this server")
    driver.get(base + "/")
    check(driver.title.startswith("softlabel"), f"the page loads (title {driver.title!r})")
    hooks = ["load-example", "file-input", "metrics", "reliability-diagram", "gap-histogram", "risk-coverage", "projection"]
    missing = [t for t in hooks if not by_testid(t)]
    check(not missing, "every data-testid hook is on the page", f"missing: {missing}")
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input, select, button')].filter(e => {"
        " if (e.type === 'file') return !(e.labels && e.labels.length);"
        " return !((e.labels && e.labels.length) || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim())); })"
        ".map(e => e.outerHTML.slice(0, 80))")
    check(not unlabelled, "every control has a label", unlabelled)
    # Keyboard: the example button and the file input (visually hidden behind its drop zone) are in the tab order.
    focusable = driver.execute_script(
        "return [...document.querySelectorAll('button, input, select')].filter(e => e.tabIndex >= 0 && !e.disabled).map(e => e.dataset.testid || e.id)")
    check("load-example" in focusable and "file-input" in focusable, "the example button and the file input are keyboard-focusable", focusable)
    before = figure_rects()
    save("page-empty.png")
    drain_logs()

    step = "the example"
    # 2. The example.
    by_testid("load-example")[0].click()
    ready = wait(lambda: cell_value("ece", "A") and cell_value("ece", "B") and all(
        by_testid(t)[0].get_attribute("data-ready") == "true" for t in ("metrics", "reliability-diagram", "gap-histogram", "risk-coverage")), 120)
    check(bool(ready), "the example's metrics, reliability diagrams, gap histogram and risk-coverage curve appear")
    if has_representation:
        shown = wait(lambda: by_testid("projection")[0].get_attribute("data-ready") == "true", 60)
        check(bool(shown) and len(by_testid("projection")[0].find_elements(By.CSS_SELECTOR, "svg circle")) > 100,
              "the example's template-plane projections are drawn")
    else:
        text = by_testid("projection")[0].text
        check("no representation model" in text, "without the representation model the projection says so in place", text)
    svgs = {t: len(by_testid(t)[0].find_elements(By.TAG_NAME, "svg")) for t in ("reliability-diagram", "gap-histogram", "risk-coverage")}
    check(svgs == {"reliability-diagram": 2, "gap-histogram": 1, "risk-coverage": 1}, f"the diagrams are SVG: {svgs}")
    check(by_testid("gap-histogram")[0].text.count("optimal gap for ε = 0.1") == 1, "the gap histogram marks the optimal gap of ε = 0.1")
    if has_wave2:
        gap = cell_value("gap_mean", "A")
        check(gap is not None and "(formula)" not in by_testid("gap-histogram")[0].text,
              f"with logit_gap on the server the table shows its mean gap ({gap}) and the marker is the API's optimal gap")
    else:
        check("no logit_gap" in by_testid("metrics")[0].text, "without logit_gap on the server the table says so in place")
    after = figure_rects()
    check(before == after, "nothing moves when the results arrive (the space is reserved)", f"before {before}\n     after  {after}")
    check("example=1" in driver.current_url and "eps=0.1" in driver.current_url, f"the settings are in the URL ({urllib.parse.urlsplit(driver.current_url).fragment})")
    example_dir = os.path.join(args.work, "example")
    os.makedirs(example_dir, exist_ok=True)
    files = {}
    for name in ("digits-labels.npy", "digits-onehot-logits.npy", "digits-smoothed-logits.npy"):
        r = requests.get(f"{base}/examples/{name}", timeout=30)
        path = os.path.join(example_dir, name)
        with open(path, "wb") as f:
            f.write(r.content)
        files[name] = np.load(path)
    for run, logits in (("A", "digits-onehot-logits.npy"), ("B", "digits-smoothed-logits.npy")):
        status, answer = api_calibration(files[logits], files["digits-labels.npy"], bins=15)
        compare_cells(run, answer, f"example run {run}")
    drain_logs()
    save("page-example.png")
    driver.set_window_size(1366, driver.execute_script("return document.documentElement.scrollHeight") + 20)
    save("page-example-full.png")
    driver.set_window_size(1366, 768)

    step = "uploads"
    # 3. A .npy pair through the file input (float64 logits converted to float32 by the page).
    rng = np.random.default_rng(7)
    B, K = 2000, 12
    labels = rng.integers(0, K, B).astype(np.int64)
    logits = rng.normal(0, 1.5, (B, K))
    logits[np.arange(B), labels] += rng.normal(1.6, 1.2, B)
    pair = [os.path.join(args.work, "upload-logits.npy"), os.path.join(args.work, "upload-labels.npy")]
    np.save(pair[0], logits.astype("<f8"))
    np.save(pair[1], labels)
    upload(pair)
    got = wait(lambda: cell_value("count", "A") == str(B), 60)
    check(bool(got), "an uploaded .npy pair (float64 logits, int64 labels) is computed")
    status, answer = api_calibration(logits, labels, bins=15)
    compare_cells("A", answer, "uploaded pair")
    # Run B: float32 logits in .npy format 2.0, int32 labels.
    logits_b = (logits * 0.6).astype("<f4")
    pair_b = [os.path.join(args.work, "b-logits.npy"), os.path.join(args.work, "b-labels.npy")]
    with open(pair_b[0], "wb") as f:
        np.lib.format.write_array(f, logits_b, version=(2, 0))
    np.save(pair_b[1], labels.astype("<i4"))
    upload(pair_b, "file-input-b")
    got = wait(lambda: cell_value("count", "B") == str(B) and cell_value("ece", "B") != cell_value("ece", "A"), 60)
    check(bool(got), "run B (float32 .npy v2, int32 labels) is computed")
    status, answer_b = api_calibration(logits_b, labels, bins=15)
    compare_cells("B", answer_b, "uploaded pair in run B")
    # A JSON request (a /v1/calibration body) is read too.
    request_path = os.path.join(args.work, "request.json")
    small = logits[:300].astype(np.float32)
    with open(request_path, "w") as f:
        json.dump({"logits": small.astype(np.float64).tolist(), "labels": labels[:300].tolist(), "bins": 15}, f)
    upload([request_path], "file-input-b")
    got = wait(lambda: cell_value("count", "B") == "300", 60)
    status, answer_json = api_calibration(small, labels[:300], bins=15)
    check(bool(got), "a JSON request file is read and computed")
    compare_cells("B", answer_json, "JSON request in run B")
    upload(pair_b, "file-input-b")
    wait(lambda: cell_value("count", "B") == str(B), 60)
    delta = cell("ece", "delta")
    check(delta is not None and ("better" in delta["cls"] or "worse" in delta["cls"]),
          "the A/B difference of ECE is highlighted")
    drain_logs()
    save("page-upload.png")

    step = "errors"
    # 4. Errors: labels out of range (the API's 422, shown next to the labels file).
    bad = labels.copy()
    bad[17] = K + 3
    bad_paths = [os.path.join(args.work, "bad-logits.npy"), os.path.join(args.work, "bad-labels.npy")]
    np.save(bad_paths[0], logits.astype("<f4"))
    np.save(bad_paths[1], bad)
    status, refusal = api_calibration(logits, bad, bins=15)
    expected_422 += 1
    upload(bad_paths)
    shown = wait(lambda: [e for e in by_testid("error") if e.is_displayed()], 60)
    texts = [e.text for e in shown or []]
    check(status == 422 and any(refusal["error"] in t for t in texts),
          f"labels out of range: the API's 422 ({refusal.get('code')} at {refusal.get('path')}) is shown", f"API {refusal}; page {texts}")
    near_labels = driver.find_elements(By.CSS_SELECTOR, '#run-A li[data-role="labels"] [data-testid="error"]')
    check(bool(near_labels), "the error is shown next to the labels file (the API's path)", texts)
    drain_logs()
    save("page-error.png")
    fortran = os.path.join(args.work, "fortran-logits.npy")
    np.save(fortran, np.asfortranarray(logits.astype(np.float32)))
    upload([fortran], "file-input-b")
    shown = wait(lambda: [e for e in by_testid("error") if "Fortran" in e.text], 30)
    check(bool(shown), "a Fortran-order .npy is refused by the page with a clear message", [e.text for e in by_testid("error")])
    drain_logs()

    step = "the large upload"
    # 5. A 52 MB upload, throttled so that the progress can be seen.
    B2, K2 = 131072, 100
    big_labels = rng.integers(0, K2, B2).astype(np.int64)
    big = rng.normal(0, 1, (B2, K2)).astype(np.float32)
    big[np.arange(B2), big_labels] += 2.5
    big_paths = [os.path.join(args.work, "big-logits.npy"), os.path.join(args.work, "big-labels.npy")]
    np.save(big_paths[0], big)
    np.save(big_paths[1], big_labels)
    size = os.path.getsize(big_paths[0])
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 16 * 1024 * 1024})
    upload(big_paths)
    seen = set()
    deadline = time.time() + 60
    shot = False
    while time.time() < deadline:
        value = driver.execute_script("const p = document.querySelector('#status-A progress'); return p ? (p.hasAttribute('value') ? p.value : -1) : null;")
        if value is not None:
            seen.add(round(value, 2))
            if not shot and 0.2 < value < 0.8:
                save("page-upload-progress.png")
                shot = True
        if cell_value("count", "A") == str(B2):
            break
        time.sleep(0.05)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    moving = sorted(v for v in seen if 0 < v < 1)
    check(len(moving) >= 3, f"a {size / 1e6:.1f} MB .npy upload shows its progress ({len(moving)} distinct values between 0 and 1)", sorted(seen))
    got = wait(lambda: cell_value("count", "A") == str(B2), 300)
    check(bool(got), f"the {size / 1e6:.1f} MB upload is computed")
    if got:
        body_header = json.dumps({"inputs": [
            {"name": "logits", "datatype": "FP32", "shape": [B2, K2], "parameters": {"binary_data_size": big.nbytes}},
            {"name": "labels", "datatype": "INT64", "shape": [B2], "parameters": {"binary_data_size": big_labels.nbytes}}],
            "parameters": {"bins": 15}}).encode()
        r = requests.post(base + "/v2/models/calibration/infer", data=body_header + big.tobytes() + big_labels.tobytes(), timeout=300,
                          headers={"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(body_header))})
        outputs = {o["name"]: o.get("data") for o in r.json()["outputs"]}
        check(float(cell_value("accuracy", "A")) == outputs["accuracy"][0], f"the large upload's accuracy equals the API's ({outputs['accuracy'][0]})")
    drain_logs()

    step = "settings in the URL"
    # 6. A setting goes into the URL and comes back after a reload.
    bins = driver.find_element(By.ID, "bins")
    bins.send_keys(Keys.CONTROL, "a")  # select and type over it, as a person does (an emptied field keeps its value)
    bins.send_keys("20", Keys.TAB)
    wait(lambda: "bins=20" in driver.current_url, 10)
    url = driver.current_url
    check("bins=20" in url, "a changed setting is written to the URL")
    driver.get(base + "/")
    driver.get(url)
    driver.refresh()
    check(driver.find_element(By.ID, "bins").get_attribute("value") == "20", "the setting is read back from the URL")
    wait(lambda: cell_value("ece", "B"), 60)
    drain_logs()
finally:
    try:
        drain_logs()
    except Exception as e:  # the browser may be gone
        print(f"could not read the browser's logs: {e}")
    check(not console_errors, "no console errors", "\n     ".join(console_errors))
    check(not other_origin, "no request to another origin", "\n     ".join(other_origin))
    driver.quit()
print(f"screenshots: {args.screenshots}")
print(f"page: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

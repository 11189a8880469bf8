#!/usr/bin/env python3
"""The stock Triton HTTP client (PyPI `tritonclient[http]`) against a running softlabel.

    python3 scripts/tritonclient_check.py --url 127.0.0.1:8080

Runs the `loss` and `calibration` models (and `smooth`, `temperature`) with binary_data=True and
False on the inputs, with and without requested outputs (binary and JSON), and checks every
result against the v1 JSON endpoint for the same request and against numpy. Also: health,
metadata, an `id` round trip, and errors (NaN logits in binary, unknown model). Exits 1 on the
first mismatch, printing what differed; prints one line per check.
"""
import argparse
import importlib.metadata
import json
import sys
import urllib.request

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

CHECKS = 0


def ok(message):
    global CHECKS
    CHECKS += 1
    print(f"ok   {message}")


def fail(message):
    print(f"FAIL {message}", file=sys.stderr)
    sys.exit(1)


def v1(url, path, body):
    request = urllib.request.Request(f"http://{url}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def close(name, actual, expected, rtol=1e-6, atol=1e-7):
    actual = np.asarray(actual)
    if actual.dtype == np.float32:
        # The v1 JSON prints the shortest text of a float32: read it back as float32 too.
        expected = np.asarray(np.asarray(expected, dtype=np.float64), dtype=np.float32)
    actual = actual.astype(np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        fail(f"{name}: shape {actual.shape}, expected {expected.shape}")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        worst = np.nanmax(np.abs(actual - expected))
        fail(f"{name}: max |difference| {worst:g} (rtol {rtol}, atol {atol})\n  got      {actual.ravel()[:8]}\n  expected {expected.ravel()[:8]}")


def inputs(tensors, binary):
    """InferInput objects for (name, array) pairs, binary or JSON."""
    result = []
    for name, array in tensors:
        datatype = {np.dtype(np.float32): "FP32", np.dtype(np.int64): "INT64", np.dtype(np.int32): "INT32"}[array.dtype]
        tensor = httpclient.InferInput(name, list(array.shape), datatype)
        tensor.set_data_from_numpy(array, binary_data=binary)
        result.append(tensor)
    return result


def numpy_cross_entropy(logits, labels, epsilon):
    """Mean label-smoothed cross-entropy and its gradient (PyTorch semantics), in float64."""
    x = logits.astype(np.float64)
    b, k = x.shape
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    q = np.full((b, k), epsilon / k)
    q[np.arange(b), labels] += 1 - epsilon
    per_sample = -(q * log_p).sum(axis=1)
    gradient = (np.exp(log_p) - q) / b
    return per_sample.mean(), per_sample, gradient


def check_loss(client, url, rng):
    b, k, epsilon = 64, 10, 0.1
    logits = rng.normal(0, 3, size=(b, k)).astype(np.float32)
    labels = rng.integers(0, k, size=b).astype(np.int64)
    reference = v1(url, "/v1/loss", {"logits": logits.tolist(), "labels": labels.tolist(), "label_smoothing": epsilon,
                                     "return": ["per_sample", "gradient"]})
    np_loss, np_per_sample, np_gradient = numpy_cross_entropy(logits, labels, epsilon)
    close("v1 loss vs numpy", reference["loss"], np_loss, rtol=1e-5)
    for binary_in in (True, False):
        for label_dtype in (np.int64, np.int32):
            tensors = inputs([("logits", logits), ("labels", labels.astype(label_dtype))], binary_in)
            for mode in ("default", "binary", "json"):
                what = f"loss binary_data={binary_in} labels={np.dtype(label_dtype).name} outputs={mode}"
                if mode == "default":
                    result = client.infer("loss", tensors, parameters={"label_smoothing": epsilon}, request_id=what)
                    names = [o["name"] for o in result.get_response()["outputs"]]
                    if names != ["loss", "count"]:
                        fail(f"{what}: default outputs {names}")
                    if result.get_response().get("id") != what:
                        fail(f"{what}: id not echoed")
                else:
                    outputs = [httpclient.InferRequestedOutput(n, binary_data=(mode == "binary"))
                               for n in ("loss", "per_sample", "gradient", "count")]
                    result = client.infer("loss", tensors, outputs=outputs, parameters={"label_smoothing": epsilon})
                    close(f"{what}: per_sample", result.as_numpy("per_sample"), reference["per_sample"])
                    close(f"{what}: gradient", result.as_numpy("gradient"), reference["gradient"])
                    close(f"{what}: gradient vs numpy", result.as_numpy("gradient"), np_gradient, rtol=1e-4, atol=1e-6)
                    if result.as_numpy("gradient").shape != (b, k) or result.as_numpy("gradient").dtype != np.float32:
                        fail(f"{what}: gradient is {result.as_numpy('gradient').dtype} {result.as_numpy('gradient').shape}")
                loss = result.as_numpy("loss")
                if loss.dtype != np.float32 or loss.shape != (1,):
                    fail(f"{what}: loss is {loss.dtype} {loss.shape}")
                close(f"{what}: loss", loss, [reference["loss"]])
                close(f"{what}: loss vs numpy", loss, [np_loss], rtol=1e-5)
                if int(result.as_numpy("count")[0]) != reference["count"]:
                    fail(f"{what}: count")
                ok(what)

    # Options as parameters: focal loss, sum reduction, ignored rows.
    labels_ignored = labels.copy()
    labels_ignored[:5] = -100
    reference = v1(url, "/v1/loss", {"logits": logits.tolist(), "labels": labels_ignored.tolist(), "loss": "focal", "gamma": 1.5,
                                     "reduction": "sum", "label_smoothing": 0.05, "return": ["per_sample"]})
    result = client.infer("loss", inputs([("logits", logits), ("labels", labels_ignored)], True),
                          outputs=[httpclient.InferRequestedOutput("loss"), httpclient.InferRequestedOutput("per_sample", binary_data=False)],
                          parameters={"loss": "focal", "gamma": 1.5, "reduction": "sum", "label_smoothing": 0.05})
    close("focal loss", result.as_numpy("loss"), [reference["loss"]])
    close("focal per_sample", result.as_numpy("per_sample"), reference["per_sample"])
    ok("loss parameters: focal, gamma, sum, ignore_index rows")


CALIBRATION_SCALARS = ["accuracy", "mean_confidence", "ece", "mce", "rms_ce", "adaptive_ece", "classwise_ece",
                       "debiased_rms_ce", "smooth_ece", "brier", "nll", "mean_entropy", "overconfidence"]


def check_calibration(client, url, rng):
    b, k, bins = 300, 10, 10
    logits = (rng.normal(0, 2, size=(b, k)) + 3 * np.eye(k)[rng.integers(0, k, size=b)]).astype(np.float32)
    labels = rng.integers(0, k, size=b).astype(np.int64)
    reference = v1(url, "/v1/calibration", {"logits": logits.tolist(), "labels": labels.tolist(), "bins": bins})
    # numpy: accuracy, NLL and equal-width ECE with [lo, hi) bins, the last closed.
    x = logits.astype(np.float64)
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    confidence, predicted = p.max(axis=1), p.argmax(axis=1)
    correct = (predicted == labels).astype(np.float64)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    np_ece = sum(abs(correct[which == i].mean() - confidence[which == i].mean()) * (which == i).mean()
                 for i in range(bins) if (which == i).any())
    close("v1 calibration ece vs numpy", reference["ece"], np_ece, rtol=1e-5)
    close("v1 calibration nll vs numpy", reference["nll"], -np.log(p[np.arange(b), labels]).mean(), rtol=1e-5)
    close("v1 calibration accuracy vs numpy", reference["accuracy"], correct.mean())
    reliability = reference["reliability"]
    for binary_in in (True, False):
        tensors = inputs([("logits", logits), ("labels", labels)], binary_in)
        for mode in ("default", "binary", "json"):
            what = f"calibration binary_data={binary_in} outputs={mode}"
            if mode == "default":
                result = client.infer("calibration", tensors, parameters={"bins": bins})
                names = {o["name"] for o in result.get_response()["outputs"]}
                if not set(CALIBRATION_SCALARS) <= names or "state" in names:
                    fail(f"{what}: default outputs {sorted(names)}")
                wanted = CALIBRATION_SCALARS + ["reliability_count", "reliability_confidence", "reliability_accuracy", "top_k", "top_k_accuracy"]
            else:
                wanted = ["ece", "mce", "accuracy", "nll", "brier", "reliability_count", "reliability_accuracy", "top_k_accuracy"]
                outputs = [httpclient.InferRequestedOutput(n, binary_data=(mode == "binary")) for n in wanted]
                result = client.infer("calibration", tensors, outputs=outputs, parameters={"bins": bins})
                names = [o["name"] for o in result.get_response()["outputs"]]
                if names != wanted:
                    fail(f"{what}: outputs {names}, requested {wanted}")
            for name in wanted:
                value = result.as_numpy(name)
                if name in CALIBRATION_SCALARS:
                    if value.dtype != np.float64 or value.shape != (1,):
                        fail(f"{what}: {name} is {value.dtype} {value.shape}")
                    close(f"{what}: {name}", value, [np.nan if reference[name] is None else reference[name]], rtol=1e-12, atol=0)
                elif name == "reliability_count":
                    if value.dtype != np.int64 or list(value) != [r["count"] for r in reliability]:
                        fail(f"{what}: reliability_count {value}")
                elif name in ("reliability_confidence", "reliability_accuracy"):
                    key = "mean_confidence" if name.endswith("confidence") else "accuracy"
                    close(f"{what}: {name}", value, [np.nan if r[key] is None else r[key] for r in reliability], rtol=1e-12, atol=0)
                elif name == "top_k":
                    if list(value) != sorted(int(t) for t in reference["top_k_accuracy"]):
                        fail(f"{what}: top_k {value}")
                elif name == "top_k_accuracy":
                    ks = sorted(reference["top_k_accuracy"], key=int)
                    close(f"{what}: top_k_accuracy", value, [reference["top_k_accuracy"][t] for t in ks], rtol=1e-12, atol=0)
            close(f"{what}: ece vs numpy", result.as_numpy("ece"), [np_ece], rtol=1e-5)
            ok(what)

    # The mergeable state as a BYTES output, merged by /v1/calibration/merge.
    halves = [(logits[:150], labels[:150]), (logits[150:], labels[150:])]
    states = []
    for part_logits, part_labels in halves:
        result = client.infer("calibration", inputs([("logits", part_logits), ("labels", part_labels)], True),
                              outputs=[httpclient.InferRequestedOutput("state")], parameters={"bins": bins})
        states.append(json.loads(result.as_numpy("state")[0]))
    merged = v1(url, "/v1/calibration/merge", {"states": states})
    close("merged state ece", merged["ece"], reference["ece"], rtol=1e-9)
    ok("calibration state (BYTES) from two shards merges to the whole")

    # logit_gap_* and selective_* outputs (on request only), in binary, against /v1/calibration's
    # logit_gap and selective objects; label_smoothing and coverages (as "0.5,0.9") as parameters.
    reference = v1(url, "/v1/calibration", {"logits": logits.tolist(), "labels": labels.tolist(), "metrics": ["logit_gap", "selective"],
                                            "label_smoothing": 0.1, "coverages": [0.5, 0.9]})
    gap, selective = reference["logit_gap"], reference["selective"]
    gap_fields = ["mean", "std", "min", "max", "top2_mean", "norm_mean", "optimal", "beyond_optimal"]
    wanted = [f"logit_gap_{f}" for f in gap_fields] + ["logit_gap_quantiles", "logit_gap_infinite", "selective_aurc", "selective_augrc",
                                                      "selective_coverages", "selective_risk_at_coverage", "selective_misclassification_auroc"]
    result = client.infer("calibration", inputs([("logits", logits), ("labels", labels)], True),
                          outputs=[httpclient.InferRequestedOutput(n, binary_data=True) for n in wanted],
                          parameters={"label_smoothing": 0.1, "coverages": "0.5,0.9"})
    if [o["name"] for o in result.get_response()["outputs"]] != wanted:
        fail(f"logit_gap/selective outputs {[o['name'] for o in result.get_response()['outputs']]}")
    for f in gap_fields:
        close(f"logit_gap_{f}", result.as_numpy(f"logit_gap_{f}"), [np.nan if gap[f] is None else gap[f]], rtol=1e-12, atol=0)
    close("logit_gap_quantiles", result.as_numpy("logit_gap_quantiles"),
          [gap["quantiles"][q] for q in ("0.05", "0.25", "0.5", "0.75", "0.95")], rtol=1e-12, atol=0)
    if result.as_numpy("logit_gap_infinite").tolist() != [gap["infinite"]] or gap["optimal"] is None:
        fail(f"logit_gap_infinite {result.as_numpy('logit_gap_infinite')}, optimal {gap['optimal']}")
    for f in ("aurc", "augrc", "misclassification_auroc"):
        close(f"selective_{f}", result.as_numpy(f"selective_{f}"), [selective[f]], rtol=1e-12, atol=0)
    close("selective_coverages", result.as_numpy("selective_coverages"), [0.5, 0.9], rtol=0, atol=0)
    close("selective_risk_at_coverage", result.as_numpy("selective_risk_at_coverage"),
          [selective["risk_at_coverage"]["0.5"], selective["risk_at_coverage"]["0.9"]], rtol=1e-12, atol=0)
    default = client.infer("calibration", inputs([("logits", logits), ("labels", labels)], True), parameters={"bins": bins})
    if any(o["name"].startswith(("logit_gap_", "selective_")) for o in default.get_response()["outputs"]):
        fail("logit_gap_*/selective_* in the default outputs")
    ok("calibration logit_gap_* and selective_* (binary_data=True) equal /v1/calibration; not in the default outputs")

    # Options: preset and top_k as a comma-separated string parameter.
    reference = v1(url, "/v1/calibration", {"logits": logits.tolist(), "labels": labels.tolist(), "preset": "kumar", "top_k": [1, 3]})
    result = client.infer("calibration", inputs([("logits", logits), ("labels", labels)], True),
                          parameters={"preset": "kumar", "top_k": "1,3"})
    close("preset kumar ece", result.as_numpy("ece"), [reference["ece"]], rtol=1e-12, atol=0)
    close("top_k 1,3", result.as_numpy("top_k_accuracy"), [reference["top_k_accuracy"]["1"], reference["top_k_accuracy"]["3"]])
    ok("calibration parameters: preset, top_k")


def check_smooth_and_temperature(client, url, rng):
    labels = rng.integers(0, 7, size=12).astype(np.int64)
    for binary_in in (True, False):
        result = client.infer("smooth", inputs([("labels", labels)], binary_in),
                              parameters={"num_classes": 7, "label_smoothing": 0.2, "smoothing": "off_target"})
        reference = v1(url, "/v1/smooth", {"labels": labels.tolist(), "num_classes": 7, "label_smoothing": 0.2, "smoothing": "off_target"})
        close(f"smooth binary_data={binary_in}", result.as_numpy("targets"), reference["targets"], rtol=0, atol=0)
        ok(f"smooth binary_data={binary_in}")
    logits = (rng.normal(0, 4, size=(200, 5))).astype(np.float32)
    labels = rng.integers(0, 5, size=200).astype(np.int64)
    reference = v1(url, "/v1/temperature", {"logits": logits.tolist(), "labels": labels.tolist()})
    for binary_in in (True, False):
        result = client.infer("temperature", inputs([("logits", logits), ("labels", labels)], binary_in))
        close(f"temperature binary_data={binary_in}", result.as_numpy("temperature"), [reference["temperature"]], rtol=1e-12, atol=0)
        if bool(result.as_numpy("converged")[0]) != reference["converged"]:
            fail("temperature converged")
        ok(f"temperature binary_data={binary_in}")


def check_errors(client):
    logits = np.zeros((2, 3), dtype=np.float32)
    logits[1, 2] = np.nan
    labels = np.array([0, 1], dtype=np.int64)
    try:
        client.infer("loss", inputs([("logits", logits), ("labels", labels)], True))
        fail("NaN logits were accepted")
    except InferenceServerException as e:
        if e.status() != "422" or "logits[1][2]" not in e.message():
            fail(f"NaN logits: status {e.status()}, message {e.message()}")
    ok("NaN in binary logits: 422 naming logits[1][2]")
    try:
        client.infer("nope", inputs([("logits", logits)], True))
        fail("an unknown model answered")
    except InferenceServerException as e:
        if e.status() != "404":
            fail(f"unknown model: status {e.status()}")
    ok("unknown model: 404")
    try:
        client.infer("loss", inputs([("logits", np.zeros((2, 3), np.float32)), ("labels", labels)], False),
                      parameters={"label_smoothing": 1.5})
        fail("label_smoothing 1.5 was accepted")
    except InferenceServerException as e:
        if e.status() != "422" or "label_smoothing" not in e.message():
            fail(f"label_smoothing 1.5: {e.status()} {e.message()}")
    ok("label_smoothing out of [0, 1]: 422")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="127.0.0.1:8080", help="host:port of a running softlabel")
    args = parser.parse_args()
    client = httpclient.InferenceServerClient(url=args.url)
    if not (client.is_server_live() and client.is_server_ready()):
        fail("server not live/ready")
    metadata = client.get_server_metadata()
    if metadata["name"] != "softlabel" or "binary_tensor_data" not in metadata["extensions"]:
        fail(f"server metadata {metadata}")
    for model in ("smooth", "loss", "calibration", "temperature"):
        if not client.is_model_ready(model):
            fail(f"model {model} not ready")
        if client.get_model_metadata(model)["name"] != model:
            fail(f"model metadata of {model}")
    ok("health, server metadata (binary_tensor_data), model ready and metadata")
    rng = np.random.default_rng(20260601)
    check_loss(client, args.url, rng)
    check_calibration(client, args.url, rng)
    check_smooth_and_temperature(client, args.url, rng)
    check_errors(client)
    version = importlib.metadata.version("tritonclient")
    print(f"tritonclient check: {CHECKS} checks passed (tritonclient {version}, numpy {np.__version__})")


if __name__ == "__main__":
    main()

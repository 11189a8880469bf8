"""A small numpy MLP trained on scikit-learn's bundled digits, once with one-hot targets and once
with uniform label smoothing: the two models that examples/digits_label_smoothing.py compares.

    from digits_model import train_both
    runs, labels = train_both()  # {"onehot": Run, "smoothed": Run}, held-out labels

Data: `sklearn.datasets.load_digits` (1,797 8x8 images, 10 classes, bundled: no download), pixels
scaled to [0, 1], split 70/30 stratified with `random_state=0` (1,257 train, 540 held out).

Model: 64 -> 128 (ReLU) -> 32 (ReLU, the penultimate features x) -> 10 logits z = W x + b.
Both runs start from the same He-normal initial weights (seed 0) and see the minibatches in the same
order (seed 1); only the target differs: one-hot y, or q = (1 - eps) y + eps / K with eps = 0.1
(Szegedy et al. 2016). Loss: mean cross-entropy against the target; Adam (lr 1e-3, betas 0.9 /
0.999), batch 64, 300 epochs, no weight decay, no early stopping, so the one-hot model reaches
100 % training accuracy and keeps growing its logits: the over-confident regime that Mueller,
Kornblith & Hinton (2019) study.

Determinism: float64 arithmetic throughout with one BLAS thread (set below, before numpy is
imported), so the same numpy build on the same machine gives the same bytes on every run. The
model outputs are rounded to float32 only at the end.
"""
import os

# One BLAS thread: a multi-threaded GEMM may split sums differently from run to run.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

NUM_CLASSES = 10
HIDDEN = 128
PENULTIMATE = 32
EPOCHS = 300
BATCH = 64
LEARNING_RATE = 1e-3
EPSILON = 0.1
INIT_SEED = 0
ORDER_SEED = 1
SPLIT_SEED = 0


@dataclass
class Run:
    """One trained model's held-out outputs (float32) and its training accuracy."""
    logits: np.ndarray      # [N, K]
    features: np.ndarray    # [N, D] penultimate activations
    weights: np.ndarray     # [K, D] final layer (the class templates)
    bias: np.ndarray        # [K]
    train_accuracy: float


def load_split():
    """(x_train, y_train, x_test, y_test): digits scaled to [0, 1], 70/30 stratified, fixed seed."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.3, stratify=y, random_state=SPLIT_SEED)


def init_params(seed=INIT_SEED):
    """He-normal weights, zero biases."""
    rng = np.random.default_rng(seed)
    sizes = [(64, HIDDEN), (HIDDEN, PENULTIMATE), (PENULTIMATE, NUM_CLASSES)]
    params = []
    for fan_in, fan_out in sizes:
        params.append(rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in))
        params.append(np.zeros(fan_out))
    return params


def forward(params, x):
    """(h1, features, logits) of a batch."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1 + b1, 0.0)
    features = np.maximum(h1 @ w2 + b2, 0.0)
    return h1, features, features @ w3 + b3


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def gradients(params, x, target):
    """Gradients of the mean cross-entropy -sum_k q_k log softmax(z)_k over the batch."""
    w1, b1, w2, b2, w3, b3 = params
    h1, features, logits = forward(params, x)
    dz = (np.exp(log_softmax(logits)) - target) / len(x)
    dw3 = features.T @ dz
    dfeat = (dz @ w3.T) * (features > 0)
    dw2 = h1.T @ dfeat
    dh1 = (dfeat @ w2.T) * (h1 > 0)
    dw1 = x.T @ dh1
    return [dw1, dh1.sum(0), dw2, dfeat.sum(0), dw3, dz.sum(0)]


def train(x, y, epsilon, epochs=EPOCHS, init_seed=INIT_SEED, order_seed=ORDER_SEED):
    """Adam on the (smoothed) cross-entropy; returns the parameters."""
    params = init_params(init_seed)
    onehot = np.eye(NUM_CLASSES)[y]
    target = (1.0 - epsilon) * onehot + epsilon / NUM_CLASSES
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    beta1, beta2, tiny = 0.9, 0.999, 1e-8
    order = np.random.default_rng(order_seed)
    step = 0
    for _ in range(epochs):
        perm = order.permutation(len(x))
        for start in range(0, len(x), BATCH):
            idx = perm[start:start + BATCH]
            step += 1
            for i, g in enumerate(gradients(params, x[idx], target[idx])):
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                mhat = m[i] / (1 - beta1 ** step)
                vhat = v[i] / (1 - beta2 ** step)
                params[i] = params[i] - LEARNING_RATE * mhat / (np.sqrt(vhat) + tiny)
    return params


def train_both(epochs=EPOCHS, init_seed=INIT_SEED, order_seed=ORDER_SEED):
    """Trains the one-hot and the smoothed model; returns ({"onehot": Run, "smoothed": Run}, labels).
    Both start from init_seed's weights and see order_seed's minibatch order (the split is fixed)."""
    x_train, x_test, y_train, y_test = load_split()
    runs = {}
    for name, epsilon in (("onehot", 0.0), ("smoothed", EPSILON)):
        params = train(x_train, y_train, epsilon, epochs, init_seed, order_seed)
        _, _, train_logits = forward(params, x_train)
        _, features, logits = forward(params, x_test)
        runs[name] = Run(
            logits=logits.astype(np.float32),
            features=features.astype(np.float32),
            weights=params[4].T.astype(np.float32).copy(),
            bias=params[5].astype(np.float32),
            train_accuracy=float((train_logits.argmax(1) == y_train).mean()),
        )
    return runs, y_test.astype(np.int64)

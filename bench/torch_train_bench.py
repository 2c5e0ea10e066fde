"""PyTorch twin of `glassbox bench`: the same two models, Adam, batches of random images.

Prints `torch <model> images/s <value>` lines that bench/train_bench compares with Glassbox.
"""
import sys
import time

import torch
from torch import nn

BATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 20
BATCH_SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 100


def mlp_a():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 100), nn.ReLU(), nn.Linear(100, 10))


def cnn_max_b():
    # TF SAME 2×2/2 max pooling of 7×7 gives 4×4: ceil_mode reproduces it (padding is ignored by max).
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True),
        nn.Flatten(), nn.Linear(2048, 625), nn.ReLU(), nn.Linear(625, 10))


def bench(name, model):
    torch.manual_seed(1)
    images = torch.rand(BATCH_SIZE * 4, 1, 28, 28)
    labels = torch.arange(BATCH_SIZE * 4) % 10
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        part = i % 4
        x = images[part * BATCH_SIZE:(part + 1) * BATCH_SIZE]
        y = labels[part * BATCH_SIZE:(part + 1) * BATCH_SIZE]
        optimiser.zero_grad()
        loss_fn(model(x), y).backward()
        optimiser.step()

    for i in range(2):
        step(i)
    start = time.perf_counter()
    for i in range(BATCHES):
        step(i)
    seconds = time.perf_counter() - start
    print(f"torch {name} images/s {BATCHES * BATCH_SIZE / seconds:.1f}  (threads {torch.get_num_threads()})")


bench("mlp-a", mlp_a())
bench("cnn-max-b", cnn_max_b())

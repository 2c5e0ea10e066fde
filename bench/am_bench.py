#!/usr/bin/env python3
"""Benchmark Glassbox's input optimisations against a PyTorch loop doing the same optimisation.

Runs `glassbox bench-am`, which times
- chapter 1.1's prototype search: the bundled MLP-A, ten prototypes from zeros, Adam (TensorFlow's
  variant, learning rate 1e-3) on (1/10) Σ CE + 0.1·½ Σ ‖P_c − x̄_c‖² for 5,000 steps, and
- one channel visualisation: the bundled CNN-MAX-NB, the mean of conv2's channel 12, the image
  σ(Cᵀ(s ⊙ U)C) in a cosine basis with 1/f scaling, each step moved by a random shift, rotation and
  scaling, Adam (learning rate 0.05) for 256 steps,
and exports the weights, the class means, the starting values, every step's transformation, the
basis and the scales, and its results. Then, when torch and safetensors import, the same two
optimisations run in PyTorch on the same numbers (the transformations through `grid_sample`, the same
Adam update written out, 2 threads like Glassbox's), and the script prints the seconds on both sides,
the ratio (PyTorch time / Glassbox time: above 1 means Glassbox is faster) and how far the results
are apart. When Lucent imports, its `render_vis` is also timed on the same channel with comparable
transforms (its own random draws and parametrisation, so only the time compares).

Each round runs Glassbox, then PyTorch; the median and range of the per-round ratios are printed.
Not a test: it only reports, and says so when PyTorch is missing.

Usage: python3 bench/am_bench.py [--glassbox .build/release/glassbox] [--rounds 3] [--random-images]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT


def run_glassbox(args):
    return common.run_glassbox(args, "bench-am", ["--steps", args.steps, "--vis-steps", args.vis_steps])


class TFAdam:
    """TensorFlow 1.x's Adam (ε outside the bias correction), as Glassbox's `Adam`."""

    def __init__(self, torch, parameter, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.torch, self.p, self.lr, self.b1, self.b2, self.eps = torch, parameter, lr, beta1, beta2, eps
        self.m = torch.zeros_like(parameter)
        self.v = torch.zeros_like(parameter)
        self.t = 0

    def step(self, gradient):
        self.t += 1
        rate = self.lr * (1 - self.b2 ** self.t) ** 0.5 / (1 - self.b1 ** self.t)
        self.m.mul_(self.b1).add_(gradient, alpha=1 - self.b1)
        self.v.mul_(self.b2).addcmul_(gradient, gradient, value=1 - self.b2)
        with self.torch.no_grad():
            self.p.sub_(rate * self.m / (self.v.sqrt() + self.eps))


def torch_prototypes(torch, weights, means, steps):
    F = torch.nn.functional
    w = {k: v.float() for k, v in weights.items()}
    target = means.reshape(10, 784)
    labels = torch.arange(10)
    p = torch.zeros(10, 784, requires_grad=True)
    adam = TFAdam(torch, p, 1e-3)
    costs = []
    start = time.perf_counter()
    for step in range(steps + 1):
        h = F.relu(F.linear(p, w["fc1.weight"], w["fc1.bias"]))
        h = F.relu(F.linear(h, w["fc2.weight"], w["fc2.bias"]))
        logits = F.linear(h, w["logits.weight"], w["logits.bias"])
        cost = F.cross_entropy(logits, labels) + 0.1 * 0.5 * ((p - target) ** 2).sum()
        if step % 500 == 0 or step == steps:
            costs.append(float(cost))
        if step == steps:
            break
        (gradient,) = torch.autograd.grad(cost, p)
        adam.step(gradient)
    return p.detach().reshape(10, 1, 28, 28), costs, time.perf_counter() - start


def cnn_to_layer(torch, w, x, layer):
    """CNN-MAX-NB (no biases) up to `layer`: conv 3×3 SAME, ReLU, max-pool 2/2 SAME (TF padding)."""
    F = torch.nn.functional
    order = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3", "pool3"]
    for name in order:
        if name.startswith("conv"):
            x = F.conv2d(x, w[name + ".weight"], padding=1)
        elif name.startswith("relu"):
            x = F.relu(x)
        else:
            if x.shape[-1] % 2:  # TF SAME: the extra row/column at the bottom/right, ignored by the max
                x = F.pad(x, (0, 1, 0, 1), value=float("-inf"))
            x = F.max_pool2d(x, 2)
        if name == layer:
            return x
    raise ValueError(layer)


def torch_visualisation(torch, weights, data, summary):
    F = torch.nn.functional
    w = {k: v.float() for k, v in weights.items()}
    vis = summary["visualisation"]
    steps, layer, channel, lr = vis["steps"], vis["layer"], vis["channel"], vis["learning_rate"]
    basis, scale = data["vis_basis"], data["vis_scale"]
    transforms = data["vis_transforms"]
    u = data["vis_initial"].clone().requires_grad_(True)
    adam = TFAdam(torch, u, lr)
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")

    def image(u):
        return torch.sigmoid(basis.T @ (u[0, 0] * scale) @ basis)[None, None]

    def warp(x, t):
        a, b, c, d, e, f = [float(v) for v in t]
        gx = 2 * (a * xs + b * ys + c) / 27 - 1
        gy = 2 * (d * xs + e * ys + f) / 27 - 1
        return F.grid_sample(x, torch.stack([gx, gy], dim=-1)[None], mode="bilinear", padding_mode="zeros", align_corners=True)

    costs = []
    start = time.perf_counter()
    for step in range(steps + 1):
        x = image(u)
        activation = cnn_to_layer(torch, w, warp(x, transforms[step]), layer)[0, channel].mean()
        cost = -activation
        if step % 64 == 0 or step == steps:
            costs.append(float(cost))
        if step == steps:
            break
        (gradient,) = torch.autograd.grad(cost, u)
        adam.step(gradient)
    return image(u).detach(), costs, time.perf_counter() - start


def lucent_time(torch, weights, summary):
    """Lucent's render_vis on the same channel: its own parametrisation and random draws."""
    try:
        from lucent.optvis import objectives, param, render, transform
    except Exception as error:  # lucent imports torchvision and kornia
        return None, f"{type(error).__name__}: {error}"
    vis = summary["visualisation"]
    w = {k: v.float() for k, v in weights.items()}

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 32, 3, padding=1, bias=False)
            self.conv2 = torch.nn.Conv2d(32, 64, 3, padding=1, bias=False)
            self.conv3 = torch.nn.Conv2d(64, 128, 3, padding=1, bias=False)
            for name in ("conv1", "conv2", "conv3"):
                getattr(self, name).weight.data = w[name + ".weight"]

        def forward(self, x):
            x = x[:, :1]
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.conv3(x)

    model = Net().eval()
    transforms = [transform.jitter(vis["jitter"]), transform.random_scale([1 - vis["scale"], 1, 1 + vis["scale"]]),
                  transform.random_rotate(list(range(-int(vis["degrees"]), int(vis["degrees"]) + 1)))]
    start = time.perf_counter()
    render.render_vis(model, f"{vis['layer']}:{vis['channel']}", lambda: param.image(28, channels=3), transforms=transforms,
                      thresholds=(vis["steps"],), show_image=False, progress=False, fixed_image_size=28)
    return time.perf_counter() - start, None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="the glassbox binary (default: build the release one)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--mnist", default=os.environ.get("GLASSBOX_DATA", os.path.join(ROOT, "..", "shared", "data")) + "/mnist")
    parser.add_argument("--random-images", action="store_true")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--vis-steps", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    try:
        import torch
        from safetensors.torch import load_file
        torch.set_num_threads(2)
        missing = None
    except ImportError as error:
        torch, missing = None, f"{error}"

    ratios = {"prototypes": [], "visualisation": []}
    for round_ in range(args.rounds):
        summary = run_glassbox(args)
        proto, vis = summary["prototypes"], summary["visualisation"]
        print(f"round {round_ + 1}: Glassbox prototypes {proto['steps']} steps {proto['seconds']:.2f} s (final cost "
              f"{proto['final_cost']:.6g}); visualisation of {vis['layer']}:{vis['channel']} {vis['steps']} steps "
              f"{vis['seconds']:.2f} s  [{summary['kernels']}]")
        if torch is None:
            continue
        data = load_file(os.path.join(args.out, "am-results.safetensors"))
        mlp = load_file(os.path.join(args.out, "am-mlp-a-weights.safetensors"))
        cnn = load_file(os.path.join(args.out, "am-cnn-max-nb-weights.safetensors"))
        prototypes, costs, seconds = torch_prototypes(torch, mlp, data["means"], proto["steps"])
        difference = float((prototypes - data["prototypes"]).abs().max())
        ratios["prototypes"].append(seconds / proto["seconds"])
        print(f"  PyTorch prototypes {seconds:.2f} s, ratio {seconds / proto['seconds']:.2f}×; final cost {costs[-1]:.6g} "
              f"(Glassbox {proto['final_cost']:.6g}); largest pixel difference {difference:.2e}")
        image, vcosts, vseconds = torch_visualisation(torch, cnn, data, summary)
        vdifference = float((image - data["vis_image"]).abs().max())
        ratios["visualisation"].append(vseconds / vis["seconds"])
        print(f"  PyTorch visualisation {vseconds:.2f} s, ratio {vseconds / vis['seconds']:.2f}×; final activation "
              f"{-vcosts[-1]:.5g} (Glassbox, untransformed: {vis['activation']:.5g}); largest pixel difference {vdifference:.2e}")
        lucent, reason = lucent_time(torch, cnn, summary)
        if lucent is not None:
            print(f"  Lucent render_vis {lucent:.2f} s ({lucent / vis['seconds']:.2f}× Glassbox; its own draws and parametrisation)")
        elif round_ == 0:
            print(f"  Lucent skipped: {reason}")
    if torch is None:
        print(f"PyTorch is not importable ({missing}); only Glassbox was timed. Install torch and safetensors into the "
              "venv to compare.")
        return 0
    for key, values in ratios.items():
        if values:
            print(f"{key}: PyTorch / Glassbox median {statistics.median(values):.2f}× (range {min(values):.2f}–{max(values):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

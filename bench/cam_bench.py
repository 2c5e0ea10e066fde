#!/usr/bin/env python3
"""Benchmark Glassbox's Grad-CAM, Grad-CAM++ and Score-CAM against pytorch-grad-cam and Captum.

Runs `glassbox bench-cam` (CLUT-FC of chapters 4.2/4.3, one generated cluttered-MNIST image per
digit), which times the three methods and exports the weights (PyTorch layouts), the images and the
coarse 10×10 maps as safetensors. When the peers import, the same maps are computed on the same
weights and the script prints milliseconds per image, the speed ratio and the largest difference
of the maps:

- pytorch-grad-cam (`pip install grad-cam`): GradCAM, GradCAMPlusPlus and ScoreCAM on `relu3`,
  timed through their usual call (which also min-max normalises the maps and resizes them with
  OpenCV); their raw coarse maps (`get_cam_image`, then the ReLU they apply) are compared with ours.
  Their Grad-CAM++ has no exp(S_c) factor, so Glassbox runs with `exponential: false`.
- Captum's LayerGradCam on `relu3` (relu_attributions=True): the coarse Grad-CAM map, timed and compared.

A peer that does not import is reported as missing; this is a benchmark, never a test.

Usage: python3 bench/cam_bench.py [--glassbox .build/release/glassbox] [--rounds 3] [--random-images]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT


def run_glassbox(args):
    return common.run_glassbox(args, "bench-cam", ["--batch-size", args.batch_size, "--model", args.model])


best_time = common.best_time


def clut_fc(torch, nn, weights):
    """CLUT-FC with TF-SAME semantics (3×3 convs pad 1, 2×2/2 max-pools), no biases; relu3 is a module
    so that pytorch-grad-cam and Captum can hook it."""

    class ClutFC(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
            self.conv3 = nn.Conv2d(64, 128, 3, padding=1, bias=False)
            self.relu1, self.relu2, self.relu3, self.relu4 = nn.ReLU(), nn.ReLU(), nn.ReLU(), nn.ReLU()
            self.pool = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.fc1 = nn.Linear(12800, 625, bias=False)
            self.logits = nn.Linear(625, 10, bias=False)

        def forward(self, x):
            x = self.pool(self.relu1(self.conv1(x)))
            x = self.pool(self.relu2(self.conv2(x)))
            x = self.relu3(self.conv3(x))
            return self.logits(self.relu4(self.fc1(torch.flatten(x, 1))))

    net = ClutFC()
    state = {f"{name}.weight": weights[f"{name}.weight"] for name in ("conv1", "conv2", "conv3", "fc1", "logits")}
    net.load_state_dict(state)
    return net.eval()


def relative(a, b):
    scale = max(abs(b).max(), 1e-30)
    return abs(a - b).max() / scale


def compare(args, summary):
    try:
        import numpy as np
        import torch
        from torch import nn
        from safetensors.torch import load_file
    except ImportError as error:
        print(f"comparison skipped: {error} (install torch and safetensors)")
        return None
    out = summary["out"]
    weights = load_file(os.path.join(out, "weights.safetensors"))
    maps = load_file(os.path.join(out, "maps.safetensors"))
    net = clut_fc(torch, nn, weights)
    images, labels = maps["images"], maps["labels"].long()
    count = images.shape[0]
    logits = net(images).detach()
    gap = (logits[torch.arange(count), labels] - maps["explained_logits"]).abs().max().item()
    result = {"torch": f"torch {torch.__version__}, {torch.get_num_threads()} threads",
              "logit_check": f"max |S_c(PyTorch) − S_c(Glassbox)| = {gap:.3g}"}
    ours = {key: maps[key].numpy()[:, 0] for key in ("grad_cam", "grad_cam_plus_plus", "score_cam")}

    try:
        from pytorch_grad_cam import GradCAM, GradCAMPlusPlus, ScoreCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        targets = [ClassifierOutputTarget(int(c)) for c in labels]
        for key, kind in (("grad_cam", GradCAM), ("grad_cam_plus_plus", GradCAMPlusPlus), ("score_cam", ScoreCAM)):
            with kind(model=net, target_layers=[net.relu3]) as cam:
                if kind is ScoreCAM:
                    cam.batch_size = args.batch_size
                _, ms = best_time(lambda: cam(input_tensor=images, targets=targets), args.repeats)
                # The first forward pass is the one on the images (Score-CAM hooks its masked passes too).
                activations = cam.activations_and_grads.activations[0].numpy()
                gradients = cam.activations_and_grads.gradients[0].numpy() if cam.activations_and_grads.gradients else None
                raw = np.maximum(cam.get_cam_image(images, net.relu3, targets, activations, gradients, False), 0)
            result[f"pgc_{key}_ms"] = ms / count
            result[f"pgc_{key}_diff"] = relative(ours[key], raw)
    except ImportError as error:
        result["pgc_missing"] = f"pytorch-grad-cam not importable ({error}); pip install grad-cam"

    try:
        from captum.attr import LayerGradCam
        layer = LayerGradCam(net, net.relu3)
        captum, ms = best_time(lambda: layer.attribute(images, target=labels, relu_attributions=True).detach(), args.repeats)
        result["captum_grad_cam_ms"] = ms / count
        result["captum_grad_cam_diff"] = relative(ours["grad_cam"], captum.numpy()[:, 0])
    except ImportError as error:
        result["captum_missing"] = f"Captum not importable ({error})"
    return result


def spread(values):
    return common.spread(values, ".2f")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="path to a built glassbox binary (default: build release)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "cam"))
    parser.add_argument("--mnist", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions within a round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of Glassbox then the peers; ratios are per round")
    parser.add_argument("--model", default="clut-fc", help="zoo name with trained weights, or a model file of CLUT-FC's layout")
    parser.add_argument("--random-images", action="store_true", help="explain seeded noise instead of cluttered MNIST")
    args = parser.parse_args()

    rows = []
    for round_ in range(max(args.rounds, 1)):
        summary = run_glassbox(args)
        if round_ == 0:
            print(f"{summary['images']}; model {summary['model']}, layer {summary['layer']}, batch {summary['batch_size']}")
            print(summary["products"])
        rows.append((summary, compare(args, summary)))
    methods = (("grad_cam", "Grad-CAM"), ("grad_cam_plus_plus", "Grad-CAM++"), ("score_cam", "Score-CAM"))
    for key, title in methods:
        print(f"Glassbox {title}: {spread([s[f'{key}_ms_per_image'] for s, _ in rows])} ms/image, median (range) of {len(rows)} rounds")
    peers = [p for _, p in rows if p is not None]
    if len(peers) != len(rows):
        return
    print(peers[-1]["torch"] + "; " + peers[-1]["logit_check"])
    if "pgc_missing" in peers[-1]:
        print(peers[-1]["pgc_missing"])
    else:
        for key, title in methods:
            ratio = [p[f"pgc_{key}_ms"] / s[f"{key}_ms_per_image"] for s, p in rows]
            diff = peers[-1][f"pgc_{key}_diff"]
            print(f"pytorch-grad-cam {title}: {spread([p[f'pgc_{key}_ms'] for p in peers])} ms/image; Glassbox is "
                  f"{spread(ratio)}× as fast; coarse maps differ by {diff:.2g} of their maximum "
                  f"({'within' if diff <= 1e-4 else 'OUTSIDE'} the 1e-4 aim)")
    if "captum_missing" in peers[-1]:
        print(peers[-1]["captum_missing"])
    else:
        ratio = [p["captum_grad_cam_ms"] / s["grad_cam_ms_per_image"] for s, p in rows]
        diff = peers[-1]["captum_grad_cam_diff"]
        print(f"Captum LayerGradCam: {spread([p['captum_grad_cam_ms'] for p in peers])} ms/image; Glassbox Grad-CAM is "
              f"{spread(ratio)}× as fast; coarse maps differ by {diff:.2g} of their maximum "
              f"({'within' if diff <= 1e-4 else 'OUTSIDE'} the 1e-4 aim)")


if __name__ == "__main__":
    main()

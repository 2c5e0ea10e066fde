#!/usr/bin/env python3
"""Benchmark Glassbox's pixel flipping and max-sensitivity against Quantus and Captum, same weights.

Runs `glassbox bench-metrics` (chapter 5.2's CNN-AVG-NB-2, one MNIST image per digit), which times
region perturbation (20 recorded scores, 4×4 windows, saliency / gradient × input / integrated
gradients; once ranking the windows of the first map as Quantus does, once explaining every modified
image again as chapter 5.2 does) and max-sensitivity (saliency, 10 samples, radius 0.02), and exports
the weights (PyTorch layouts) and the images. Then, for each peer that imports:

- Quantus: `RegionPerturbation` (patch 4, 20 regions, most relevant first, black baseline) with the
  same three methods through `quantus.explain` (Captum underneath), and `MaxSensitivity` with uniform
  noise of the same radius, Frobenius norms and relative difference;
- Captum: `sensitivity_max` of `Saliency` with its defaults (10 samples, radius 0.02).

A missing peer is reported and skipped; this is a benchmark, never a test. Times are the fastest of
`--repeats` runs, in milliseconds for the 10 images; ratios are peer / Glassbox (above 1: Glassbox is
faster). The logits of the exported PyTorch model are checked against Glassbox's first.

Usage: python3 bench/metrics_bench.py [--glassbox .build/release/glassbox] [--repeats 3]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT


def run_glassbox(args):
    return common.run_glassbox(args, "bench-metrics", ["--steps", args.steps, "--patch", args.patch, "--ig-steps", args.ig_steps,
                          "--samples", args.samples, "--radius", args.radius])


best_time = common.best_time


def load_torch_model(summary):
    """CNN-AVG-NB in PyTorch with TF-SAME semantics (3×3 convs pad 1; 2×2/2 average pools with
    ceil_mode, the partial edge window averaging its real cells only), the exported weights loaded."""
    import torch
    from torch import nn
    from safetensors.torch import load_file

    class ChapterCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
            self.fc1 = nn.Linear(2048, 625)
            self.logits = nn.Linear(625, 10)
            self.pool = nn.AvgPool2d(2, 2, ceil_mode=True)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            x = self.pool(torch.relu(self.conv3(x)))
            x = torch.relu(self.fc1(torch.flatten(x, 1)))
            return self.logits(x)

    net = ChapterCNN()
    net.load_state_dict(load_file(os.path.join(summary["out"], "weights.safetensors")))
    net.eval()
    data = load_file(os.path.join(summary["out"], "images.safetensors"))
    with torch.no_grad():
        gap = (net(data["images"]) - data["logits"]).abs().max().item()
    print(f"PyTorch model check: max |logits(PyTorch) − logits(Glassbox)| = {gap:.3g}")
    return net, data["images"], data["labels"].long()


def peer_quantus(args, summary, net, images, labels):
    try:
        import numpy as np
        import quantus
    except ImportError as error:
        print(f"Quantus: not importable ({error}); skipped. `pip install quantus` into the venv to compare.")
        return {}
    x, y = images.numpy(), labels.numpy()
    methods = {"saliency": ("Saliency", {}), "gradientTimesInput": ("InputXGradient", {}),
               "integratedGradients": ("IntegratedGradients", {"n_steps": summary["ig_steps"]})}
    times = {}
    total = 0.0
    for name, (method, extra) in methods.items():
        metric = quantus.RegionPerturbation(patch_size=summary["patch"], regions_evaluation=summary["steps"], order="morf",
                                            perturb_baseline="black", normalise=False, abs=False, disable_warnings=True)
        kwargs = {"method": method, **extra}
        _, ms = best_time(lambda: metric(model=net, x_batch=x, y_batch=y, a_batch=None, explain_func=quantus.explain,
                                         explain_func_kwargs=kwargs, device="cpu"), args.repeats)
        times[name] = ms
        total += ms
    # Quantus' defaults are Yeh et al.'s: uniform noise of radius lower_bound, Frobenius norms, difference.
    sensitivity = quantus.MaxSensitivity(nr_samples=summary["samples"], lower_bound=summary["radius"], normalise=False, abs=False,
                                         disable_warnings=True)
    scores, sens_ms = best_time(lambda: sensitivity(model=net, x_batch=x, y_batch=y, a_batch=None, explain_func=quantus.explain,
                                                    explain_func_kwargs={"method": "Saliency"}, device="cpu"), args.repeats)
    return {"pixel_flipping_ms": total, "pixel_flipping_methods_ms": times, "max_sensitivity_ms": sens_ms,
            "max_sensitivity_mean": float(np.mean(scores))}


def peer_captum(args, summary, net, images, labels):
    try:
        from captum.attr import Saliency
        from captum.metrics import sensitivity_max
    except ImportError as error:
        print(f"Captum: not importable ({error}); skipped.")
        return {}
    saliency = Saliency(net)
    scores, ms = best_time(lambda: sensitivity_max(saliency.attribute, images, target=labels,
                                                   perturb_radius=summary["radius"], n_perturb_samples=summary["samples"]),
                           args.repeats)
    return {"max_sensitivity_ms": ms, "max_sensitivity_mean": float(scores.mean())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="the glassbox binary (built in release mode when omitted)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out-metrics"))
    parser.add_argument("--mnist", default=os.environ.get("GLASSBOX_DATA", os.path.join(ROOT, "..", "shared", "data")) + "/mnist")
    parser.add_argument("--random-images", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--patch", type=int, default=4)
    parser.add_argument("--ig-steps", type=int, default=32)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--radius", type=float, default=0.02)
    args = parser.parse_args()

    summary = run_glassbox(args)
    flipping = summary["pixel_flipping"]
    first, recomputed = flipping["first_map"], flipping["recomputed"]
    print(f"Glassbox, {summary['count']} images of {summary['model']}:")
    print(f"  pixel flipping, {summary['steps']} scores × 3 methods, ranking the first map: {first['ms_total']:.0f} ms")
    print(f"  pixel flipping, maps recomputed at every step (chapter 5.2):        {recomputed['ms_total']:.0f} ms")
    for name, entry in first["methods"].items():
        print(f"    {name:22s} {entry['ms']:8.1f} ms   AOPC {entry['aopc']:.4g}")
    sensitivity = summary["max_sensitivity"]
    print(f"  max-sensitivity of saliency, {summary['samples']} samples: {sensitivity['ms']:.1f} ms, mean {sensitivity['mean']:.4g}")

    try:
        net, images, labels = load_torch_model(summary)
    except ImportError as error:
        print(f"PyTorch not importable ({error}): no peer can be compared.")
        return 0
    quantus_times = peer_quantus(args, summary, net, images, labels)
    captum_times = peer_captum(args, summary, net, images, labels)
    if quantus_times:
        ratio = quantus_times["pixel_flipping_ms"] / first["ms_total"]
        print(f"Quantus RegionPerturbation (first map, same work): {quantus_times['pixel_flipping_ms']:.0f} ms → Glassbox {ratio:.1f}× faster")
        for name, ms in quantus_times["pixel_flipping_methods_ms"].items():
            print(f"    {name:22s} {ms:8.1f} ms (Glassbox {first['methods'][name]['ms']:.1f} ms)")
        ratio = quantus_times["max_sensitivity_ms"] / sensitivity["ms"]
        print(f"Quantus MaxSensitivity: {quantus_times['max_sensitivity_ms']:.1f} ms (mean {quantus_times['max_sensitivity_mean']:.4g})"
              f" → Glassbox {ratio:.1f}× faster")
    if captum_times:
        ratio = captum_times["max_sensitivity_ms"] / sensitivity["ms"]
        print(f"Captum sensitivity_max: {captum_times['max_sensitivity_ms']:.1f} ms (mean {captum_times['max_sensitivity_mean']:.4g})"
              f" → Glassbox {ratio:.1f}× faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark Glassbox's occlusion, LIME and Kernel SHAP against Captum's Occlusion, Lime and KernelShap.

Runs `glassbox bench-perturbation` (the bundled chapter CNN, CNN-MAX-B, one MNIST training image per
digit), which times the three methods and exports the weights (PyTorch names and layouts), the
images, the grid segments and the maps as safetensors. When torch, captum and safetensors import,
the same attributions are computed with Captum on the same weights, images and segments:

- Occlusion: sliding window (1, patch, patch), strides (1, stride, stride), baseline 0 — the same
  definition, so the maps are compared value by value.
- Lime: the segments as feature_mask, the same number of samples, a weighted ridge regression
  (Captum's SkLearnRidge, alpha 1) and the same kernel exp(−d²/0.25²) on the cosine distance of the
  on/off vector to all-on. The samples are random on both sides, so the maps are compared by their
  correlation, not value by value.
- KernelShap: the segments as feature_mask, the same number of samples, baseline 0. Captum gives φ_k
  on every pixel of segment k; Glassbox spreads φ_k over the segment's pixels, so Glassbox's map is
  multiplied by the segment sizes before the correlation. Captum's efficiency gap is reported too.

Every Captum call gets perturbations_per_eval = the Glassbox batch size, so both sides send
batches of the same size through the network. Times are milliseconds per image (fastest of
--repeats); ratios are Captum's time over Glassbox's (above 1: Glassbox is faster). Not a test.

Usage: python3 bench/perturbation_bench.py [--glassbox .build/release/glassbox] [--rounds 3] [--random-images]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT


def run_glassbox(args):
    return common.run_glassbox(args, "bench-perturbation", ["--batch-size", args.batch_size, "--samples", args.samples, "--segments", args.segments,
                          "--patch", args.patch, "--stride", args.stride, "--model", args.model])


best_time = common.best_time


def correlation(a, b):
    import numpy as np
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def chapter_cnn(torch, nn):
    """CNN-MAX-B with TF-SAME semantics: 3×3 convs pad 1; 2×2/2 max-pools with ceil_mode (7→4)."""

    class ChapterCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
            self.fc1 = nn.Linear(2048, 625)
            self.logits = nn.Linear(625, 10)
            self.pool = nn.MaxPool2d(2, 2, ceil_mode=True)

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            x = self.pool(torch.relu(self.conv3(x)))
            x = torch.relu(self.fc1(torch.flatten(x, 1)))
            return self.logits(x)

    return ChapterCNN()


def compare(args, summary):
    try:
        import numpy as np
        import torch
        from torch import nn
        from safetensors.torch import load_file
        from captum.attr import KernelShap, Lime, Occlusion
        from captum._utils.models.linear_model import SkLearnRidge
    except ImportError as error:
        print(f"comparison skipped: {error} (install torch, captum, scikit-learn and safetensors)")
        return None
    out = summary["out"]
    net = chapter_cnn(torch, nn)
    net.load_state_dict(load_file(os.path.join(out, "weights.safetensors")))
    net.eval()
    maps = load_file(os.path.join(out, "maps.safetensors"))
    images, labels = maps["images"], maps["labels"].long()
    segments = maps["segments"].long()
    count, per_eval = images.shape[0], summary["batch_size"]
    segment_count = int(segments.max().item()) + 1
    sizes = torch.bincount(segments.flatten(), minlength=segment_count).double()
    result = {"torch": f"torch {torch.__version__}, captum {__import__('captum').__version__}, {torch.get_num_threads()} threads"}
    with torch.no_grad():
        logits = net(images)
    result["logit_check"] = (logits[torch.arange(count), labels] - maps["explained_logits"]).abs().max().item()

    patch, stride = summary["patch"], summary["stride"]
    occlusion = Occlusion(net)
    captum_occ, ms = best_time(lambda: occlusion.attribute(
        images, sliding_window_shapes=(1, patch, patch), strides=(1, stride, stride), baselines=0, target=labels,
        perturbations_per_eval=per_eval).detach(), args.repeats)
    result["occlusion_ms"] = ms / count
    scale = max(captum_occ.abs().max().item(), 1e-30)
    result["occlusion_diff"] = (captum_occ - maps["occlusion"]).abs().max().item() / scale

    def similarity(original, perturbed, interpretable, **kwargs):
        on = interpretable.double().sum().item()
        distance = 1 - (on / interpretable.numel()) ** 0.5
        return float(np.exp(-distance * distance / 0.25 ** 2))

    lime = Lime(net, interpretable_model=SkLearnRidge(alpha=1.0), similarity_func=similarity)

    def run_lime():
        return torch.cat([lime.attribute(images[i:i + 1], target=int(labels[i]), feature_mask=segments, baselines=0,
                                         n_samples=summary["samples"], perturbations_per_eval=per_eval).detach()
                          for i in range(count)])
    captum_lime, ms = best_time(run_lime, args.repeats)
    result["lime_ms"] = ms / count
    result["lime_correlation"] = min(correlation(captum_lime[i], maps["lime"][i]) for i in range(count))

    shap = KernelShap(net)

    def run_shap():
        return torch.cat([shap.attribute(images[i:i + 1], target=int(labels[i]), feature_mask=segments, baselines=0,
                                         n_samples=summary["samples"], perturbations_per_eval=per_eval).detach()
                          for i in range(count)])
    captum_shap, ms = best_time(run_shap, args.repeats)
    result["kernel_shap_ms"] = ms / count
    ours = maps["kernel_shap"].double() * sizes[segments]  # φ_k on every pixel of segment k, as Captum
    result["kernel_shap_correlation"] = min(correlation(captum_shap[i], ours[i]) for i in range(count))
    # Captum's φ per segment (its value on the segment's pixels) summed, against f(x) − f(all off).
    phi = torch.stack([torch.stack([captum_shap[i, 0][segments[0, 0] == k][0] for k in range(segment_count)])
                       for i in range(count)]).double()
    delta = (maps["explained_logits"] - maps["all_off_logits"]).double()
    result["captum_efficiency_gap"] = ((phi.sum(1) - delta).abs().max() / delta.abs().max()).item()
    return result


def spread(values):
    return common.spread(values, ".3g")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="path to a built glassbox binary (default: build release)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "perturbation"))
    parser.add_argument("--mnist", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions within a round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of Glassbox then Captum; ratios are per round")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--segments", type=int, default=16)
    parser.add_argument("--patch", type=int, default=4)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--model", default="cnn-max-b", help="zoo name with trained weights, or a model file of CNN-MAX-B's layout")
    parser.add_argument("--random-images", action="store_true", help="explain seeded noise instead of MNIST")
    args = parser.parse_args()

    rows = []
    for round_ in range(max(args.rounds, 1)):
        summary = run_glassbox(args)
        if round_ == 0:
            print(f"{summary['images']}; model {summary['model']}, batch {summary['batch_size']}; occlusion patch "
                  f"{summary['patch']} stride {summary['stride']}; LIME and Kernel SHAP {summary['samples']} samples on "
                  f"{summary['segments']} grid segments (Kernel SHAP coalitions: {summary['shap_coalitions']})")
            print(summary["products"])
        rows.append((summary, compare(args, summary)))
    methods = (("occlusion", "Occlusion"), ("lime", "LIME"), ("kernel_shap", "Kernel SHAP"))
    for key, title in methods:
        print(f"Glassbox {title}: {spread([s[f'{key}_ms_per_image'] for s, _ in rows])} ms/image, median (range) of {len(rows)} rounds")
    print(f"Glassbox Kernel SHAP efficiency gap: {max(s['kernel_shap_receipt_error'] for s, _ in rows):.2g} of the largest |f(x) − f(x⁰)|")
    peers = [p for _, p in rows if p is not None]
    if len(peers) != len(rows):
        return
    last = peers[-1]
    print(f"{last['torch']}; max |S_c(PyTorch) − S_c(Glassbox)| = {last['logit_check']:.3g}")
    for key, title in methods:
        ratio = [p[f"{key}_ms"] / s[f"{key}_ms_per_image"] for s, p in rows]
        line = (f"Captum {title}: {spread([p[f'{key}_ms'] for p in peers])} ms/image; Glassbox is {spread(ratio)}× as fast "
                f"({'meets' if sorted(ratio)[len(ratio) // 2] >= 2 else 'BELOW'} the 2× aim)")
        if key == "occlusion":
            diff = last["occlusion_diff"]
            line += f"; maps differ by {diff:.2g} of their maximum ({'within' if diff <= 1e-4 else 'OUTSIDE'} the 1e-4 aim)"
        else:
            line += f"; lowest per-image correlation of the maps {last[f'{key}_correlation']:.3f} (random samples on both sides)"
        print(line)
    print(f"Captum KernelShap efficiency gap: {last['captum_efficiency_gap']:.2g} of the largest |f(x) − f(x⁰)| (Glassbox enforces it)")


if __name__ == "__main__":
    main()

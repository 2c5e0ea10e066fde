#!/usr/bin/env python3
"""Benchmark Glassbox's integrated gradients and SmoothGrad against Captum on the same weights.

Runs `glassbox bench-methods` (the chapter CNN, CNN-MAX-B, one MNIST image per digit), which
times both methods and exports the weights (PyTorch layouts: dense [out, in], conv
[out, in, kh, kw], NCHW flatten), the images, the maps and the exact SmoothGrad noisy inputs as
safetensors. When `torch`, `captum` and `safetensors` import, the same attributions are computed
with Captum and the script prints milliseconds per image, the speed ratio and the largest
absolute difference of the maps. SmoothGrad is compared on Glassbox's own noisy samples (Captum's
Saliency on them, averaged), so the difference measures the gradients, not the noise; Captum's
NoiseTunnel is timed separately with its own noise.

Each round runs Glassbox, then Captum, right after each other; the script prints the median and
range of the per-round speed ratios, since both sides' times vary between rounds on a shared machine.

Usage: python3 bench/methods_bench.py [--glassbox .build/release/glassbox] [--rounds 5] [--steps 50] [--samples 50]
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT


def run_glassbox(args, env=None):
    return common.run_glassbox(args, "bench-methods", ["--steps", args.steps, "--samples", args.samples, "--noise", args.noise, "--batch-size", args.batch_size,
                          "--model", args.model], env=env)


best_time = common.best_time


def read_safetensors(path):
    """A minimal float32 safetensors reader (NumPy only): name → array."""
    import numpy as np
    with open(path, "rb") as handle:
        data = handle.read()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    arrays = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: only F32 is supported here, got {entry['dtype']}")
        start, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"])
    return arrays


def check_layouts_with_numpy(summary):
    """Recomputes the explained logits S_c from the exported weights with NumPy, using PyTorch's
    layouts and TF-SAME pooling, to prove the export is what a PyTorch model would load."""
    import numpy as np
    weights = read_safetensors(os.path.join(summary["out"], "weights.safetensors"))
    maps = read_safetensors(os.path.join(summary["out"], "maps.safetensors"))

    def conv_same_3x3(x, w, b):
        n, c, h, width = x.shape
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        columns = np.stack([padded[:, :, i:i + h, j:j + width] for i in range(3) for j in range(3)], axis=2)
        # columns: [n, c, 9, h, w]; w: [out, c, 3, 3] → [out, c, 9]
        return np.einsum("nckhw,ock->nohw", columns, w.reshape(w.shape[0], c, 9)) + b[None, :, None, None]

    def max_pool_same(x):
        n, c, h, width = x.shape
        padded = np.pad(x, ((0, 0), (0, 0), (0, h % 2), (0, width % 2)), constant_values=-np.inf)
        return padded.reshape(n, c, padded.shape[2] // 2, 2, padded.shape[3] // 2, 2).max(axis=(3, 5))

    x = maps["images"].astype(np.float64)
    for layer in ("conv1", "conv2", "conv3"):
        x = max_pool_same(np.maximum(conv_same_3x3(x, weights[f"{layer}.weight"], weights[f"{layer}.bias"]), 0))
    x = np.maximum(x.reshape(x.shape[0], -1) @ weights["fc1.weight"].T + weights["fc1.bias"], 0)
    logits = x @ weights["logits.weight"].T + weights["logits.bias"]
    labels = maps["labels"].astype(int)
    explained = logits[np.arange(len(labels)), labels]
    gap = np.abs(explained - maps["explained_logits"]).max()
    print(f"NumPy check of the exported weights (PyTorch layouts): max |S_c(NumPy) − S_c(Glassbox)| = {gap:.3g} "
          f"(largest |S_c| {np.abs(explained).max():.3g})")
    return gap


def compare_with_captum(args, summary):
    try:
        import torch
        from torch import nn
        from captum.attr import IntegratedGradients, NoiseTunnel, Saliency
        from safetensors.torch import load_file
    except ImportError as error:
        if not getattr(compare_with_captum, "warned", False):
            print(f"Captum comparison skipped ({error}); install torch, captum and safetensors to run it.")
            compare_with_captum.warned = True
        return None

    class ChapterCNN(nn.Module):
        """CNN-MAX-B with TF-SAME semantics: 3×3 convs pad 1; 2×2/2 max-pools with ceil_mode (7→4)."""

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

    out = summary["out"]
    net = ChapterCNN()
    net.load_state_dict(load_file(os.path.join(out, "weights.safetensors")))
    net.eval()
    maps = load_file(os.path.join(out, "maps.safetensors"))
    images, labels = maps["images"], maps["labels"].long()
    count, steps, samples = images.shape[0], summary["steps"], summary["samples"]

    ig = IntegratedGradients(net)
    captum_ig, ig_ms = best_time(lambda: ig.attribute(
        images, baselines=torch.zeros_like(images), target=labels, n_steps=steps, method="riemann_right",
        internal_batch_size=summary["batch_size"]).detach(), args.repeats)
    ig_diff = (captum_ig - maps["integrated_gradients"]).abs().max().item()
    ig_scale = captum_ig.abs().max().item()

    saliency = Saliency(net)
    noisy = maps["smoothgrad_inputs"]
    repeated = labels.repeat_interleave(samples)
    same_noise = torch.cat([
        saliency.attribute(noisy[i:i + summary["batch_size"]], target=repeated[i:i + summary["batch_size"]], abs=False)
        for i in range(0, noisy.shape[0], summary["batch_size"])]).reshape(count, samples, *images.shape[1:]).mean(1)
    sg_diff = (same_noise - maps["smoothgrad"]).abs().max().item()
    sg_scale = same_noise.abs().max().item()
    # The same gradients in float64: where float32 implementations differ, it is a max-pool window
    # whose two largest noisy values lie within rounding of each other (a near tie), and float64
    # tells which side is right.
    exact = ChapterCNN().double()
    exact.load_state_dict({k: v.double() for k, v in load_file(os.path.join(out, "weights.safetensors")).items()})
    exact.eval()
    x64 = noisy.double().clone().requires_grad_(True)
    exact(x64).gather(1, repeated[:, None]).sum().backward()
    reference = x64.grad.reshape(count, samples, *images.shape[1:]).mean(1).float()
    sg_exact_ours = (maps["smoothgrad"] - reference).abs().max().item() / reference.abs().max().item()
    sg_exact_torch = (same_noise - reference).abs().max().item() / reference.abs().max().item()
    ranges = (images.flatten(1).max(1).values - images.flatten(1).min(1).values)
    sigma = float(summary["noise"] * ranges.mean())
    tunnel = NoiseTunnel(saliency)
    _, sg_ms = best_time(lambda: tunnel.attribute(
        images, nt_type="smoothgrad", nt_samples=samples, nt_samples_batch_size=summary["batch_size"], stdevs=sigma,
        target=labels, abs=False), args.repeats)

    return {
        "torch": f"torch {torch.__version__}, {torch.get_num_threads()} threads",
        "ig_ms": ig_ms / count, "sg_ms": sg_ms / count,
        "ig_check": f"max |Δ| = {ig_diff:.3g} (map max {ig_scale:.3g}; relative {ig_diff / ig_scale:.2g}, "
                    f"{'within' if ig_diff <= 1e-4 * ig_scale else 'OUTSIDE'} the 1e-4 aim)",
        "sg_check": f"max |Δ| on the same noise = {sg_diff:.3g} (map max {sg_scale:.3g}; relative {sg_diff / sg_scale:.2g}, "
                    f"{'within' if sg_diff <= 1e-4 * sg_scale else 'OUTSIDE'} the 1e-4 aim); against float64 "
                    f"PyTorch on the same noise, relative: Glassbox {sg_exact_ours:.2g}, PyTorch float32 {sg_exact_torch:.2g}",
    }


def spread(values):
    return common.spread(values, ".2f")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="path to a built glassbox binary (default: build release)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--mnist", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions within a round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of Glassbox then Captum, one right after the other; ratios are per round")
    parser.add_argument("--model", default="cnn-max-b",
                        help="zoo name with trained weights, or a Glassbox model file of the chapter CNN's layout")
    parser.add_argument("--random-images", action="store_true", help="explain seeded noise instead of MNIST")
    args = parser.parse_args()

    # Glassbox asks OpenBLAS for its AVX-512 kernels on AMD processors that have them, unless
    # $OPENBLAS_CORETYPE says otherwise (some machines set it globally). When it is set, the
    # benchmark runs both: as this environment configures it, and with Glassbox's own choice.
    runs = [("as configured", None)]
    if os.environ.get("OPENBLAS_CORETYPE"):
        unset = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        runs = [(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} from the environment", None),
                ("OPENBLAS_CORETYPE unset (Glassbox chooses the kernels)", unset)]
    for title, env in runs:
        print(f"== {title}")
        rows = []
        for round_ in range(max(args.rounds, 1)):
            summary = run_glassbox(args, env)
            if round_ == 0:
                print(f"{summary['blas']}")
                print(f"images: {summary['images']}; steps {summary['steps']}, samples {summary['samples']}, "
                      f"batch {summary['batch_size']}, model {summary['model']}; "
                      f"largest |Σ IG − (f(x) − f(0))| = {summary['ig_max_completeness_gap']:.3g}")
                try:
                    check_layouts_with_numpy(summary)
                except ImportError:
                    print("NumPy not available: layout check skipped")
            rows.append((summary, compare_with_captum(args, summary)))
        glassbox_ig = [s["ig_ms_per_image"] for s, _ in rows]
        glassbox_sg = [s["smoothgrad_ms_per_image"] for s, _ in rows]
        print(f"Glassbox integrated gradients: {spread(glassbox_ig)} ms/image, median (range) of {len(rows)} rounds")
        last = rows[-1][0]
        if "ig_bound_ms_per_image" in last:
            bound = last["ig_bound_ms_per_image"]
            print(f"  bound: {last['ig_flops_per_image'] / 1e9:.2f} GFLOP per image at the products' "
                  f"{last['product_gflops']:.0f} GFLOP/s (1024³, all cores) = {bound:.1f} ms/image; "
                  f"Glassbox reaches {bound / statistics.median(glassbox_ig):.0%} of it")
            print(f"  one pass of {last['batch_size']} rows, per layer (ms, forward / input gradient, GFLOP):")
            total_f = sum(l["forward_ms"] for l in last["layers"])
            total_b = sum(l["backward_ms"] for l in last["layers"])
            for l in last["layers"]:
                print(f"    {l['layer']:<10} {l['kind']:<8} {l['forward_ms']:7.2f} {l['backward_ms']:7.2f}"
                      + (f"   {l['gflop']:.2f}" if l["gflop"] else ""))
            print(f"    {'total':<19} {total_f:7.2f} {total_b:7.2f}")
        print(f"Glassbox SmoothGrad:           {spread(glassbox_sg)} ms/image")
        captum = [c for _, c in rows if c is not None]
        if len(captum) == len(rows):
            ig_ratio = [c["ig_ms"] / s["ig_ms_per_image"] for s, c in rows]
            sg_ratio = [c["sg_ms"] / s["smoothgrad_ms_per_image"] for s, c in rows]
            print(f"Captum integrated gradients:   {spread([c['ig_ms'] for c in captum])} ms/image; "
                  f"Glassbox is {spread(ig_ratio)}× as fast, round by round; {captum[-1]['ig_check']}")
            print(f"Captum SmoothGrad (NoiseTunnel): {spread([c['sg_ms'] for c in captum])} ms/image; "
                  f"Glassbox is {spread(sg_ratio)}× as fast; {captum[-1]['sg_check']}")
            print(captum[-1]["torch"])

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark Glassbox's relevance methods against Zennit and Captum on the same weights.

Runs `glassbox bench-relevance`, which times, per image, LRP-ε, LRP-α1β0, LRP-α2β1 and deep Taylor
on CNN-MAX-NB (chapter 2.4's network) and DeepLIFT (Rescale, black reference) on CNN-STRIDE
(chapter 2.5's), explaining the logit of each image's label, and exports both networks' weights
(PyTorch layouts under the Glassbox layer names), the images and the maps as safetensors.

Then, when they import, the same maps are computed with
- Zennit (LRP-ε: `Epsilon` on every conv and dense layer; αβ: `AlphaBeta`; deep Taylor: `ZPlus`,
  `ZBox(0, 1)` on the first convolution and the proportional pooling rule, written here as a Zennit
  hook since Zennit has none; stabilisers set to Glassbox's), and
- Captum's `DeepLift` (Rescale rule at every ReLU module, black baseline),
and the script prints milliseconds per image on both sides, the speed ratio (peer time / Glassbox
time: above 1 means Glassbox is faster) and the largest difference of the maps relative to the
largest |value|. A peer that does not import is named, with the reason, and skipped.

Each round runs Glassbox, then the peers; the median and range of the per-round ratios are printed.
Not a test: it only reports.

Usage: python3 bench/relevance_bench.py [--glassbox .build/release/glassbox] [--images 100] [--rounds 3]
"""
import argparse
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the glassbox runner, timing, spreads)

ROOT = common.ROOT
AIM = 1e-4  # largest map difference aimed for, relative to the map's largest |value|


def run_glassbox(args):
    return common.run_glassbox(args, "bench-relevance", ["--images", args.images, "--batch-size", args.batch_size, "--epsilon", args.epsilon])


best_time = common.best_time


def import_peers():
    """{"torch": module or reason, "zennit": …, "captum": …}: what imports, and why not."""
    peers = {}
    try:
        import torch  # noqa: F401
        from safetensors.torch import load_file  # noqa: F401
        peers["torch"] = None
    except ImportError as error:
        peers["torch"] = f"{error}"
    try:
        import zennit.core  # noqa: F401
        import zennit.composites  # noqa: F401
        import zennit.rules  # noqa: F401
        import zennit.attribution  # noqa: F401
        peers["zennit"] = None
    except Exception as error:  # zennit imports torchvision; any failure means the peer is missing
        peers["zennit"] = f"{type(error).__name__}: {error}"
    try:
        from captum.attr import DeepLift  # noqa: F401
        peers["captum"] = None
    except Exception as error:
        peers["captum"] = f"{type(error).__name__}: {error}"
    return peers


def build_models():
    import torch
    from torch import nn

    class CNNMaxNB(nn.Module):
        """CNN-MAX-NB with TF-SAME semantics: 3×3 convs pad 1, no biases; 2×2/2 max pools with ceil_mode (7 → 4)."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
            self.conv3 = nn.Conv2d(64, 128, 3, padding=1, bias=False)
            self.fc1 = nn.Linear(2048, 625, bias=False)
            self.logits = nn.Linear(625, 10, bias=False)
            self.relu1, self.relu2, self.relu3, self.relu4 = nn.ReLU(), nn.ReLU(), nn.ReLU(), nn.ReLU()
            self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.pool2 = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)

        def forward(self, x):
            x = self.pool1(self.relu1(self.conv1(x)))
            x = self.pool2(self.relu2(self.conv2(x)))
            x = self.pool3(self.relu3(self.conv3(x)))
            x = self.relu4(self.fc1(torch.flatten(x, 1)))
            return self.logits(x)

    class CNNStride(nn.Module):
        """CNN-STRIDE: 4×4 stride-2 SAME convs (pad 1 on 28 and 14), dense 128, 10 logits; dropout off."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 4, stride=2, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 4, stride=2, padding=1)
            self.fc1 = nn.Linear(3136, 128)
            self.logits = nn.Linear(128, 10)
            self.relu1, self.relu2, self.relu3 = nn.ReLU(), nn.ReLU(), nn.ReLU()

        def forward(self, x):
            x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
            x = self.relu3(self.fc1(torch.flatten(x, 1)))
            return self.logits(x)

    return CNNMaxNB, CNNStride


def proportional_pooling_hook():
    """Deep Taylor's proportional pooling rule as a Zennit hook: R_j = a_j R_k / (Σ_window a + n·1e-10)."""
    import torch
    import torch.nn.functional as F
    from zennit.core import Hook

    class ProportionalPooling(Hook):
        def forward(self, module, input, output):
            self.stored_tensors["input"] = input[0].detach()

        def backward(self, module, grad_input, grad_output):
            a = self.stored_tensors["input"].requires_grad_()
            with torch.enable_grad():
                mean = F.avg_pool2d(a, module.kernel_size, module.stride, ceil_mode=module.ceil_mode, count_include_pad=False)
                (c,) = torch.autograd.grad(mean, a, grad_output[0] / (mean + 1e-10))
            return (a.detach() * c,)

        def copy(self):
            return ProportionalPooling()

    return ProportionalPooling


def zennit_maps(name, net, images, labels, epsilon, repeats):
    import torch
    from zennit.attribution import Gradient
    from zennit.composites import LayerMapComposite, SpecialFirstLayerMapComposite
    from zennit.rules import AlphaBeta, Epsilon, ZBox, ZPlus
    from zennit.types import Convolution, Linear

    if name == "lrp_epsilon":
        composite = LayerMapComposite([(Convolution, Epsilon(epsilon=epsilon)), (Linear, Epsilon(epsilon=epsilon))])
    elif name in ("lrp_alpha1beta0", "lrp_alpha2beta1"):
        alpha = 1.0 if name == "lrp_alpha1beta0" else 2.0
        rule = AlphaBeta(alpha=alpha, beta=alpha - 1, stabilizer=1e-10)
        composite = LayerMapComposite([(Convolution, rule), (Linear, rule)])
    elif name == "deep_taylor":
        composite = SpecialFirstLayerMapComposite(
            layer_map=[(Convolution, ZPlus(stabilizer=1e-10)), (Linear, ZPlus(stabilizer=1e-10)),
                       (torch.nn.MaxPool2d, proportional_pooling_hook()())],
            first_map=[(Convolution, ZBox(low=0.0, high=1.0, stabilizer=1e-10))])
    else:
        raise ValueError(name)
    one_hot = torch.eye(10)[labels]
    # The composite's hooks are registered once; only the attributions are timed.
    with Gradient(model=net, composite=composite) as attributor:
        def attribute():
            _, relevance = attributor(images, lambda output: output * one_hot)
            return relevance.detach()

        return best_time(attribute, repeats)


def captum_deeplift(net, images, labels, repeats):
    import torch
    from captum.attr import DeepLift

    explainer = DeepLift(net)
    inputs = images.clone().requires_grad_()
    baseline = torch.zeros_like(images)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Captum's notice that it hooks the ReLU modules
        return best_time(lambda: explainer.attribute(inputs, baselines=baseline, target=labels).detach(), repeats)


def spread(values):
    return common.spread(values, ".3g")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glassbox", help="path to a built glassbox binary (default: build release)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--mnist", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epsilon", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions within a round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of Glassbox then the peers")
    parser.add_argument("--random-images", action="store_true", help="explain seeded noise instead of MNIST")
    args = parser.parse_args()

    peers = import_peers()
    for peer in ("torch", "zennit", "captum"):
        if peers[peer] is not None:
            print(f"{peer} is missing ({peers[peer]}): its comparisons are skipped")
    have_torch = peers["torch"] is None
    peer_of = {"lrp_epsilon": "zennit", "lrp_alpha1beta0": "zennit", "lrp_alpha2beta1": "zennit",
               "deep_taylor": "zennit", "deeplift": "captum"}
    label_of = {"zennit": "Zennit", "captum": "Captum DeepLift"}

    rounds = []  # per round: {key: (glassbox ms, peer ms or None, relative difference or None)}
    summary = None
    for round_ in range(max(args.rounds, 1)):
        summary = run_glassbox(args)
        if round_ == 0:
            print(summary["kernels"])
            print(f"images: {summary['images']}; batch {summary['batch_size']}; LRP and deep Taylor on "
                  f"{summary['lrp_model']}, DeepLIFT on {summary['deeplift_model']}; the logit of each image's label")
        results = {}
        if have_torch:
            import torch
            from safetensors.torch import load_file
            torch.set_grad_enabled(True)
            CNNMaxNB, CNNStride = build_models()
            lrp_net, lift_net = CNNMaxNB(), CNNStride()
            lrp_net.load_state_dict(load_file(os.path.join(summary["out"], "relevance-lrp-weights.safetensors")))
            lift_net.load_state_dict(load_file(os.path.join(summary["out"], "relevance-deeplift-weights.safetensors")))
            lrp_net.eval()
            lift_net.eval()
            maps = load_file(os.path.join(summary["out"], "relevance-maps.safetensors"))
            images, labels = maps["images"], maps["labels"].long()
        for method in summary["methods"]:
            key, ours = method["key"], method["ms_per_image"]
            peer = peer_of[key]
            theirs = difference = None
            if have_torch and peers[peer] is None:
                if peer == "zennit":
                    result, elapsed = zennit_maps(key, lrp_net, images, labels, summary["epsilon"], args.repeats)
                else:
                    result, elapsed = captum_deeplift(lift_net, images, labels, args.repeats)
                theirs = elapsed / images.shape[0]
                scale = max(result.abs().max().item(), 1e-30)
                difference = (result - maps[key]).abs().max().item() / scale
            results[key] = (ours, theirs, difference)
        rounds.append(results)

    print()
    print(f"{'method':<58} {'Glassbox ms/image':>18} {'peer':>16} {'peer ms/image':>14} {'ratio':>18}  largest |Δ| / max|map|")
    for method in summary["methods"]:
        key = method["key"]
        ours = [r[key][0] for r in rounds]
        peer = label_of[peer_of[key]]
        line = f"{method['title']:<58} {spread(ours):>18}"
        if all(r[key][1] is not None for r in rounds):
            theirs = [r[key][1] for r in rounds]
            ratios = [t / o for (o, t, _) in (r[key] for r in rounds)]
            difference = max(r[key][2] for r in rounds)
            verdict = "within" if difference <= AIM else "OUTSIDE"
            line += f" {peer:>16} {spread(theirs):>14} {spread(ratios) + '×':>18}  {difference:.2g} ({verdict} the {AIM:g} aim)"
        else:
            line += f" {peer:>16} {'missing':>14}"
        print(line)
    print("ratio = peer time / Glassbox time, median (range) over the rounds; above 1, Glassbox is faster.")
    receipts = ", ".join(f"{m['key']} {m['receipt_error']:.2g}" for m in summary["methods"] if m["receipt_error"] is not None)
    print(f"Glassbox receipts (largest gap relative to the largest expected sum): {receipts}")
    if have_torch:
        import torch
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")


if __name__ == "__main__":
    main()

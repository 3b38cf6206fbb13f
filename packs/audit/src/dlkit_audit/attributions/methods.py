"""How much each part of an input moved the model's prediction, by Captum's attribution methods.

What is attributed is what a user sees: the predicted class's probability (classification) or
the predicted value in target units (regression), on standardized inputs. Methods that compare
the input with a baseline (integrated gradients, occlusion) use zeros after standardization,
i.e. the training mean: "how does this input differ from an average one". Methods:

- `integrated_gradients`: gradients averaged along the straight path from the baseline to the
  input, times the difference; they add up to output(input) - output(baseline) (completeness),
  and how far they miss that is reported as the convergence delta;
- `saliency`: the absolute gradient at the input: where a small change matters most;
- `occlusion`: the output's drop when a patch (images), a stretch of steps (sequences) or a
  feature (tables) is replaced by the baseline; slow on large inputs, needs no gradients;
- `gradcam`: Grad-CAM on the last convolution that keeps a map, upsampled to the input
  (convolutional nets only).
"""

from dataclasses import dataclass

import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, Occlusion, Saliency
from torch import nn

from dlkit.config.values import check_choice
from dlkit.errors import ConfigError

METHODS = ("integrated_gradients", "saliency", "occlusion", "gradcam")
CONVOLUTIONS = (nn.Conv1d, nn.Conv2d)
# layers that mix every position with every other: after them a convolution's map no longer says
# where the evidence is (a Transformer's patch embedding is a convolution, then attention)
MIXERS = (nn.MultiheadAttention, nn.RNNBase)
# input values per forward pass of integrated gradients' path points (16 MB of float32): few,
# large passes, since each pass costs far more than its arithmetic for small nets
PATH_BUDGET = 2**22


@dataclass
class Attributions:
    values: torch.Tensor  # [N, *input_shape]
    outputs: torch.Tensor  # what the model gives: [N, classes] probabilities or [N] values
    targets: torch.Tensor | None  # the class each sample's attribution explains
    #: integrated gradients: |sum of attributions - (output - baseline output)| per sample
    convergence_delta: torch.Tensor | None = None


def methods_for(net: nn.Module) -> list[str]:
    """The methods that fit `net`: Grad-CAM needs a convolutional net."""
    return [m for m in METHODS if m != "gradcam" or is_convolutional(net)]


def is_convolutional(net: nn.Module) -> bool:
    """Convolutions, and no attention or recurrence mixing their positions afterwards."""
    modules = list(net.modules())
    return last_convolution(net) is not None and not any(isinstance(m, MIXERS) for m in modules)


def check_method(method: str, net: nn.Module) -> str:
    check_choice("explain.method", method, METHODS)
    if method not in methods_for(net):
        raise ConfigError(
            f"explain.method={method} needs a convolutional net (Grad-CAM reads the map of the "
            f"last convolution), but this run's net is {type(net).__name__}, which "
            f"{_why_not_convolutional(net)}: choose "
            f"explain.method={' or '.join(methods_for(net))}"
        )
    return method


def _why_not_convolutional(net: nn.Module) -> str:
    mixers = sorted({type(m).__name__ for m in net.modules() if isinstance(m, MIXERS)})
    if last_convolution(net) is None:
        return "has no convolution"
    return f"mixes all positions after its convolutions ({', '.join(mixers)})"


def last_convolution(net: nn.Module) -> nn.Module | None:
    convolutions = [m for m in net.modules() if isinstance(m, CONVOLUTIONS)]
    return convolutions[-1] if convolutions else None


def attribute(
    model,
    x: torch.Tensor,
    method: str,
    *,
    steps: int = 50,
    window: int | None = None,
    batch_size: int = 64,
) -> Attributions:
    """Attributions of `x` (standardized inputs, [N, *input_shape]) for `model` (a task module)."""
    model.eval()

    def predicted(inputs: torch.Tensor) -> torch.Tensor:
        return model.predict_from_outputs(model(inputs))

    with torch.inference_mode():
        outputs = torch.cat(
            [predicted(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        )
    # the predicted class; a regression's single value needs no target (several: the first)
    targets = outputs.argmax(dim=1) if getattr(model, "num_classes", None) else None
    if targets is None and outputs.ndim == 2:
        targets = torch.zeros(len(x), dtype=torch.long)
    values, deltas = [], []
    # recurrent nets' cuDNN kernels take gradients only in training mode: plain kernels here
    with torch.backends.cudnn.flags(enabled=False):
        for i in range(0, len(x), batch_size):
            chunk = x[i : i + batch_size].detach().clone()
            target = None if targets is None else targets[i : i + batch_size]
            value, delta = _attribute(predicted, model.net, chunk, target, method, steps, window)
            values.append(value.detach())
            deltas += [] if delta is None else [delta.detach().abs()]
    return Attributions(torch.cat(values), outputs, targets, torch.cat(deltas) if deltas else None)


def _attribute(forward, net, x, target, method, steps, window):
    zeros = torch.zeros_like(x)  # standardized: the training mean
    if method == "integrated_gradients":
        return IntegratedGradients(forward).attribute(
            x,
            baselines=zeros,
            target=target,
            n_steps=steps,
            internal_batch_size=max(len(x), min(len(x) * steps, PATH_BUDGET // x[0].numel())),
            return_convergence_delta=True,
        )
    if method == "saliency":
        return Saliency(forward).attribute(x.requires_grad_(), target=target, abs=True), None
    if method == "occlusion":
        shape, strides = occlusion_window(tuple(x.shape[1:]), window)
        occluded = Occlusion(forward).attribute(
            x,
            sliding_window_shapes=shape,
            strides=strides,
            baselines=0.0,
            target=target,
            perturbations_per_eval=8,
        )
        return occluded, None
    return _gradcam(forward, net, x, target), None


def occlusion_window(
    input_shape: tuple[int, ...], window: int | None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The patch hidden at a time and its stride: images [C, H, W] a square of about an eighth
    of the side over every channel, sequences [T, F] about a tenth of the steps over every
    feature, tables one feature; `window` sets the side (steps) instead; strides are half."""
    if len(input_shape) == 3:
        side = window or max(2, min(input_shape[1:]) // 8)
        stride = max(1, side // 2)
        return (input_shape[0], side, side), (input_shape[0], stride, stride)
    if len(input_shape) == 2:
        steps = window or max(2, input_shape[0] // 10)
        return (steps, input_shape[1]), (max(1, steps // 2), input_shape[1])
    return (1,) * len(input_shape), (1,) * len(input_shape)


def mapping_convolution(net: nn.Module, x: torch.Tensor) -> nn.Module:
    """The convolution Grad-CAM reads: the last one run whose output is still a map (more than
    one position). Some nets convolve once more after the global pooling (timm's MobileNetV3 and
    EfficientNet `conv_head`, a 1x1 map): its map would say nothing about where."""
    ran: list[tuple[nn.Module, int]] = []
    hooks = [
        m.register_forward_hook(lambda m, _, out: ran.append((m, out[0, 0].numel())))
        for m in net.modules()
        if isinstance(m, CONVOLUTIONS)
    ]
    try:
        with torch.no_grad():
            net(x[:1])
    finally:
        for hook in hooks:
            hook.remove()
    maps = [m for m, positions in ran if positions > 1]
    return maps[-1] if maps else last_convolution(net)


def _gradcam(forward, net, x: torch.Tensor, target) -> torch.Tensor:
    """Grad-CAM's map (positive evidence only) at the input's resolution, spread evenly over the
    channels (images) or features (sequences), so that the map is what each position sums to."""
    layer = mapping_convolution(net, x)
    cam = LayerGradCam(forward, layer).attribute(x, target=target, relu_attributions=True)
    if x.ndim == 4:  # images [N, C, H, W]; the layer's output [N, 1, h, w]
        cam = LayerAttribution.interpolate(cam, tuple(x.shape[2:]), "bilinear")
        return cam.expand_as(x) / x.shape[1]
    # sequences [N, T, F]: a 1-D convolution over [N, F, T], its map [N, 1, t]
    cam = LayerAttribution.interpolate(cam, (x.shape[1],), "linear")
    return cam.transpose(1, 2).expand_as(x) / x.shape[2]

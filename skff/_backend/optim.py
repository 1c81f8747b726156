"""Optimizers of the layers and of the readout."""

import math

import torch


class KerasAdam(torch.optim.Adam):
    """Adam as Keras and TensorFlow compute it.

    Keras adds its epsilon (1e-7) to the square root of the second moment
    *before* bias correction; torch adds it after. Both are Adam, but while
    the gradients are tiny (the first steps of the Keras example, whose
    layers start with near-zero activity) Keras's form takes markedly smaller
    steps. Keras's update equals torch's with an epsilon of
    ``epsilon / sqrt(1 - beta2**t)`` at step ``t``, which is what this class
    sets before every step. The step count lives in the parameter groups, so
    it is saved and restored with the optimizer's state.
    """

    def __init__(self, params, lr, epsilon=1e-7, **kwargs):
        super().__init__(params, lr=lr, eps=epsilon, **kwargs)
        for group in self.param_groups:
            group.setdefault("keras_epsilon", epsilon)
            group.setdefault("keras_step", 0)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            group["keras_step"] += 1
            beta2 = group["betas"][1]
            correction = math.sqrt(1 - beta2 ** group["keras_step"])
            group["eps"] = group["keras_epsilon"] / correction
        return super().step(closure)


def make_optimizer(name, module, learning_rate, momentum, weight_decay):
    """The optimizer of one layer (or of the readout): weight decay spares biases."""
    weights = [
        parameter
        for parameter_name, parameter in module.named_parameters()
        if parameter_name != "bias"
    ]
    groups = [
        {"params": weights, "weight_decay": weight_decay, "decayed": True},
        {"params": [module.bias], "weight_decay": 0.0, "decayed": False},
    ]
    if name == "adam":
        return torch.optim.Adam(groups, lr=learning_rate, fused=True)
    if name == "adam_keras":
        return KerasAdam(groups, lr=learning_rate, fused=True)
    return torch.optim.SGD(groups, lr=learning_rate, momentum=momentum, fused=True)

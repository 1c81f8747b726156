"""Optimizers of the layers and of the readout.

They run torch's fused Adam and SGD kernels (``torch._fused_adam_``,
``torch._fused_sgd_``), the same kernels ``torch.optim.Adam(fused=True)`` and
``torch.optim.SGD(fused=True)`` run, with the same results to the last bit
(tested), but without ``torch.optim``'s machinery around them: its first use
in a process imports ``torch._dynamo`` (about a second), and its per-step
hooks and checks cost more than the update itself on small networks.

Their ``state_dict`` has ``torch.optim``'s layout, so models saved with
``torch.optim`` optimizers load, and so that the state stays readable.
"""

import math

import torch


class FusedOptimizer:
    """Parameter groups, per-parameter state and ``torch.optim``'s state_dict.

    ``params`` is a list of tensors or of group dicts (``{"params": [...],
    ...}``), as for ``torch.optim``; every group gets ``defaults`` for the
    settings it does not give.
    """

    def __init__(self, params, defaults):
        params = list(params)
        if params and not isinstance(params[0], dict):
            params = [{"params": params}]
        self.defaults = defaults
        self.param_groups = [
            {**defaults, **group, "params": list(group["params"])} for group in params
        ]
        self.state = {}

    def _parameters(self):
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none=True):
        for parameter in self._parameters():
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad.zero_()

    def state_dict(self):
        index = {id(p): i for i, p in enumerate(self._parameters())}
        groups = [
            {**group, "params": [index[id(p)] for p in group["params"]]}
            for group in self.param_groups
        ]
        state = {index[id(p)]: dict(values) for p, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take the groups' settings and the state (by reference, as torch does)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("the state has a different number of parameter groups")
        parameters = self._parameters()
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for index, values in state_dict["state"].items():
            parameter = parameters[int(index)]
            self.state[parameter] = {
                key: self._state_on(parameter, key, value)
                for key, value in values.items()
            }

    @staticmethod
    def _state_on(parameter, key, value):
        if not isinstance(value, torch.Tensor):
            return value
        if key == "step":  # the fused kernels keep the step as float32
            return value.to(device=parameter.device, dtype=torch.float32)
        return value.to(device=parameter.device, dtype=parameter.dtype)

    def step(self):
        step_together([self])

    def _settings(self, group):
        """The kernel's settings for ``group`` at this step, as a hashable
        tuple: groups with equal settings share one kernel call."""
        raise NotImplementedError

    def _state_of(self, parameter):
        """The state of ``parameter``, created at its first step."""
        raise NotImplementedError

    def _apply(self, settings, params, grads, states):
        """One kernel call on ``params`` (which may belong to several optimizers
        of this kind)."""
        raise NotImplementedError


@torch.no_grad()
def step_together(optimizers):
    """Step every optimizer of ``optimizers``: the parameters of all groups whose
    settings are equal are updated by a single kernel call.

    A network has an optimizer per layer (each layer learns alone), but they
    usually share every setting: one call instead of two per optimizer saves
    most of the time an update takes on a small network. The kernels work
    element by element, so the result is the same to the last bit.
    """
    pending = {}
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            key = (type(optimizer), optimizer._settings(group))
            _, same_params, grads, states = pending.setdefault(
                key, (optimizer, [], [], [])
            )
            same_params += params
            grads += [p.grad for p in params]
            states += [optimizer._state_of(p) for p in params]
    for (_, settings), (optimizer, params, grads, states) in pending.items():
        optimizer._apply(settings, params, grads, states)


class Adam(FusedOptimizer):
    """Adam (Kingma and Ba 2015), as ``torch.optim.Adam(fused=True)`` computes it."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=False,
            maximize=False,
            foreach=None,
            capturable=False,
            differentiable=False,
            fused=True,
            decoupled_weight_decay=False,
        )
        super().__init__(params, defaults)

    def _settings(self, group):
        beta1, beta2 = group["betas"]
        return group["lr"], beta1, beta2, group["weight_decay"], self._epsilon(group)

    def _apply(self, settings, params, grads, states):
        lr, beta1, beta2, weight_decay, eps = settings
        steps = [state["step"] for state in states]
        torch._foreach_add_(steps, 1)
        torch._fused_adam_(
            *_contiguous_views(
                params,
                grads,
                [state["exp_avg"] for state in states],
                [state["exp_avg_sq"] for state in states],
            ),
            [],
            steps,
            amsgrad=False,
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            weight_decay=weight_decay,
            eps=eps,
            maximize=False,
        )

    def _state_of(self, parameter):
        state = self.state.get(parameter)
        if state is None:
            state = self.state[parameter] = dict(
                step=torch.zeros((), dtype=torch.float32, device=parameter.device),
                exp_avg=torch.zeros_like(parameter),
                exp_avg_sq=torch.zeros_like(parameter),
            )
        return state

    def _epsilon(self, group):
        return group["eps"]


class KerasAdam(Adam):
    """Adam as Keras and TensorFlow compute it.

    Keras adds its epsilon (1e-7) to the square root of the second moment
    *before* bias correction; torch adds it after. Both are Adam, but while
    the gradients are tiny (the first steps of the Keras example, whose
    layers start with near-zero activity) Keras's form takes markedly smaller
    steps. Keras's update equals torch's with an epsilon of
    ``epsilon / sqrt(1 - beta2**t)`` at step ``t``, which is what this class
    passes at every step. The step count lives in the parameter groups, so
    it is saved and restored with the optimizer's state.
    """

    def __init__(self, params, lr, epsilon=1e-7, **kwargs):
        super().__init__(params, lr=lr, eps=epsilon, **kwargs)
        for group in self.param_groups:
            group.setdefault("keras_epsilon", epsilon)
            group.setdefault("keras_step", 0)

    def _epsilon(self, group):
        group["keras_step"] += 1
        beta2 = group["betas"][1]
        correction = math.sqrt(1 - beta2 ** group["keras_step"])
        group["eps"] = group["keras_epsilon"] / correction
        return group["eps"]


class SGD(FusedOptimizer):
    """SGD with momentum, as ``torch.optim.SGD(fused=True)`` computes it."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=0,
            weight_decay=weight_decay,
            nesterov=False,
            maximize=False,
            foreach=None,
            differentiable=False,
            fused=True,
        )
        super().__init__(params, defaults)

    def _settings(self, group):
        # The first step of a momentum buffer starts it from the gradient: a
        # group whose buffers do not exist yet steps apart from the others.
        first_step = bool(group["momentum"]) and all(
            self.state.get(p, {}).get("momentum_buffer") is None
            for p in group["params"]
        )
        return group["lr"], group["momentum"], group["weight_decay"], first_step

    def _state_of(self, parameter):
        return self.state.setdefault(parameter, {})

    def _apply(self, settings, params, grads, states):
        lr, momentum, weight_decay, first_step = settings
        buffers = []
        if momentum:
            for state, grad in zip(states, grads):
                if state.get("momentum_buffer") is None:
                    state["momentum_buffer"] = torch.empty_like(grad)
            buffers = [state["momentum_buffer"] for state in states]
        params, grads, buffers = _contiguous_views(params, grads, buffers)
        torch._fused_sgd_(
            params,
            grads,
            buffers,
            weight_decay=weight_decay,
            momentum=momentum,
            lr=lr,
            dampening=0.0,
            nesterov=False,
            maximize=False,
            is_first_step=first_step,
        )


def _contiguous_views(params, *companions):
    """``params`` and their gradients and states (lists in the same order; an
    empty list stays empty), with every parameter stored transposed (a first
    layer built for sparse input) seen through its transpose, as are its
    companions, which share its layout: the fused kernels work element by
    element, but copy a non-contiguous tensor in and out at every step."""
    flipped = [
        parameter.dim() == 2
        and not parameter.is_contiguous()
        and parameter.T.is_contiguous()
        for parameter in params
    ]

    def views(tensors):
        if not tensors:
            return tensors
        return [tensor.T if flip else tensor for tensor, flip in zip(tensors, flipped)]

    return [views(params)] + [views(tensors) for tensors in companions]


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
        return Adam(groups, lr=learning_rate)
    if name == "adam_keras":
        return KerasAdam(groups, lr=learning_rate)
    return SGD(groups, lr=learning_rate, momentum=momentum)

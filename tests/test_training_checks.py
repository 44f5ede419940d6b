"""Checks of a model, an SGD step and a training loop (grader.checks.training_checks, 06 part 2).

Fast (no kernel): each check observes and judges in this process, as at home. The step-by-step check
must reject a wrong step at the step it happens and accept correct loops written differently.
"""

from __future__ import annotations

import numpy as np
import grader
from tests.test_model_checks import Linear, observes_without_pytorch, raises


class Tanh:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_output):
        return grad_output * (1.0 - self.y ** 2)

    def zero_grad(self):
        pass

    def parameters(self):
        return []

    def gradients(self):
        return []


class ReLU(Tanh):
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, grad_output):
        return np.where(self.mask, grad_output, 0.0)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output):
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        return [g for layer in self.layers for g in layer.gradients()]


class BiasMeanLinear(Linear):
    def backward(self, grad_output):
        self.grad_w += self.x.T @ grad_output
        self.grad_b += grad_output.mean(axis=0)
        return grad_output @ self.w.T


def sgd_step(params, grads, lr):
    for p, g in zip(params, grads):
        p -= lr * g


def loss_and_grad(logits, targets):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(targets)
    loss = -np.mean(np.log(p[np.arange(n), targets]))
    p[np.arange(n), targets] -= 1.0
    return float(loss), p / n


def make_step(*, zero=True, sign=1.0, update=None):
    def train_step(model, x, targets, lr):
        if zero:
            model.zero_grad()
        loss, grad = loss_and_grad(model.forward(x), targets)
        model.backward(grad)
        (update or sgd_step)(model.parameters(), model.gradients(), sign * lr)
        return loss
    return train_step


def rebinding_step(model, x, targets, lr):
    """Correct, written differently: new arrays rebound on each layer, zero_grad after the update."""
    loss, grad = loss_and_grad(model.forward(x), targets)
    model.backward(grad)
    for layer in reversed(model.layers):
        if isinstance(layer, Linear):
            layer.w, layer.b = layer.w - lr * layer.grad_w, layer.b - lr * layer.grad_b
    model.zero_grad()
    return loss


STEPS = dict(sizes=[(20, 2, 5, 4, 3)], lr=0.5, steps=20)


def test_a_correct_model_and_loop_pass_every_check(capsys):
    for reference, act in (("mlp_relu", ReLU), ("mlp_tanh", Tanh)):
        grader.check_model_forward(Sequential, reference, layers=(Linear, act), sizes=[(5, 2, 4, 3, 3)])
        grader.check_model_backward(Sequential, reference, layers=(Linear, act), sizes=[(4, 3, 5, 2, 4)])
        grader.check_model_accumulation(Sequential, reference, layers=(Linear, act), sizes=[(4, 3, 5, 2, 4)])
        grader.check_training_steps(make_step(), reference, layers=(Sequential, Linear, act), **STEPS)
    grader.check_model_numerical_gradient(Sequential, "mlp_tanh", layers=(Linear, Tanh), sizes=[(3, 2, 3, 3, 2)])
    grader.check_sgd_step(sgd_step, shapes=[[(3, 2), (2,)]], lrs=[0.1, 2.0])
    grader.check_training_accuracy(make_step(), "mlp_tanh", layers=(Sequential, Linear, Tanh),
                                   sizes=[(100, 2, 16, 16, 3)], lr=0.5, steps=1000, min_accuracy=0.9)
    out = capsys.readouterr()
    assert out.out.count("Correcto") == 11 and out.err == ""


def test_a_model_backward_in_forward_order_fails():
    class Forward(Sequential):
        def backward(self, grad_output):
            for layer in self.layers:
                grad_output = layer.backward(grad_output)
            return grad_output
    raises("error al ejecutar tu código", grader.check_model_backward, Forward, "mlp_tanh", layers=(Linear, Tanh),
           sizes=[(4, 3, 5, 2, 4)])


def test_sgd_step_must_update_in_place_with_the_right_sign():
    def rebinding(params, grads, lr):
        for p, g in zip(params, grads):
            p = p - lr * g  # noqa: F841
    raises("valores incorrectos", grader.check_sgd_step, rebinding, shapes=[[(3,)]])
    raises("valores incorrectos", grader.check_sgd_step, lambda params, grads, lr: sgd_step(params, grads, -lr),
           shapes=[[(3,)]])


def test_steps_reject_wrong_sign_missing_zero_grad_and_averaged_bias_gradient():
    layers = (Sequential, Linear, Tanh)
    raises("valores incorrectos", grader.check_training_steps, make_step(sign=-1.0), "mlp_tanh", layers=layers,
           **STEPS)
    message = raises("valores incorrectos", grader.check_training_steps, make_step(zero=False), "mlp_tanh",
                     layers=layers, **STEPS)
    assert "paso 2" in message      # the first step starts from zero gradients; the second accumulates
    raises("valores incorrectos", grader.check_training_steps, make_step(), "mlp_tanh",
           layers=(Sequential, BiasMeanLinear, Tanh), **STEPS)


def test_steps_accept_new_arrays_and_another_order():
    def reversed_sgd(params, grads, lr):
        for p, g in zip(params[::-1], grads[::-1]):
            p[...] = p - lr * g
    for step in (rebinding_step, make_step(update=reversed_sgd)):
        grader.check_training_steps(step, "mlp_relu", layers=(Sequential, Linear, ReLU), **STEPS)


def test_accuracy_comes_from_the_final_parameters_not_the_losses_reported():
    def lying_step(model, x, targets, lr):
        return 0.0          # claims a perfect loss, never trains
    raises("valores incorrectos", grader.check_training_accuracy, lying_step, "mlp_tanh",
           layers=(Sequential, Linear, Tanh), sizes=[(50, 2, 8, 8, 3)], lr=0.5, steps=50, min_accuracy=0.9)


def test_observing_training_needs_no_pytorch(tmp_path):
    """Grading kernels have no PyTorch: observing the training checks must do without it."""
    observes_without_pytorch(tmp_path, (
        "from tests.test_training_checks import Sequential, Linear, Tanh, make_step, sgd_step\n"
        "from grader.checks import training_checks as t\n"
        "for kind in ('steps', 'accuracy'):\n"
        "    check = t.TrainingCheck(kind, 'mlp_tanh', (t.TrainingCase((5, 2, 3, 3, 2), 0.5, 3, 0),), False,\n"
        "                            (Sequential, Linear, Tanh))\n"
        "    [obs] = t.observe_all(check, make_step())\n"
        "    assert obs.error is None, (kind, obs.error)\n"
        "check = t.TrainingCheck('sgd_step', '', (t.SGDCase(((2,),), 0.1, 0),))\n"
        "[obs] = t.observe_all(check, sgd_step)\n"
        "assert obs.error is None, obs.error\n"
    ))


def test_the_reference_step_is_torch_optim_sgd():
    """The judge calls the function SGD.step calls (no optimizer object: its constructor imports dynamo)."""
    import torch

    from grader.checks import models
    rng = np.random.default_rng(3)
    params, grads = [rng.normal(size=(3, 2)), rng.normal(size=4)], [rng.normal(size=(3, 2)), rng.normal(size=4)]
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    torch.optim.SGD(tensors, lr=0.3, momentum=0.0).step()
    for got, t in zip(models.sgd_reference(params, grads, 0.3), tensors):
        np.testing.assert_array_equal(got, t.detach().numpy())

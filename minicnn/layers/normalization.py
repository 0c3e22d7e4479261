"""BatchNormalization with Keras semantics (``momentum=0.99, epsilon=1e-3``).

Statistics are per channel (the last axis), over every other axis: over N, H, W after a conv,
over N after a dense layer. In training, with m the number of values reduced per channel:

    mu = mean(x),  var = mean((x - mu)^2)            # biased batch variance
    xhat = (x - mu) / sqrt(var + eps);  y = gamma * xhat + beta
    moving_mean     = moving_mean * momentum     + mu  * (1 - momentum)
    moving_variance = moving_variance * momentum + var * (1 - momentum)

    dgamma = sum(dy * xhat);  dbeta = sum(dy)
    dx = gamma / (m * sqrt(var + eps)) * (m * dy - dbeta - xhat * dgamma)

At inference ``y = gamma * (x - moving_mean) / sqrt(moving_variance + eps) + beta``, an affine
map whose backward is ``dx = dy * gamma / sqrt(moving_variance + eps)``. As in Keras, a layer
built with ``trainable=False`` (frozen for fine-tuning) always runs in inference mode.
(PyTorch's ``momentum=0.1`` weighs the *new* value and its running variance is unbiased.)

``scale=False`` drops gamma (y = xhat + beta, as if gamma were 1), ``center=False`` drops beta
(y = gamma * xhat): the formulas above with the missing parameter fixed at 1 or 0 and no gradient
for it, as in Keras. Keras's weight order is kept: gamma, beta, moving_mean, moving_variance, each
present.
"""
import numpy as np

from ..kernels.fused import batchnorm_backward_train, batchnorm_forward_train, batchnorm_inference
from ..checks import real_number
from .base import Layer


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if axis not in (-1,):
            raise NotImplementedError(f"BatchNormalization supports axis=-1 (channels last) only, got {axis}")
        momentum = real_number(momentum, "momentum", 0.0, 1.0)
        epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.axis, self.momentum, self.epsilon = -1, float(momentum), float(epsilon)

    def build(self, input_shape):
        out = super().build(input_shape)
        c = input_shape[-1]
        if self.scale:
            self.add_param("gamma", np.ones(c))
        if self.center:
            self.add_param("beta", np.zeros(c))
        self.state["moving_mean"] = np.zeros(c, dtype=self.dtype)
        self.state["moving_variance"] = np.ones(c, dtype=self.dtype)
        return out

    def count_trainable_params(self):
        return (self.scale + self.center) * self.input_shape[-1] if self.trainable else 0

    def _gamma_beta(self):
        """gamma and beta, a constant 1 / 0 for one dropped by ``scale=False`` / ``center=False``."""
        c = self.input_shape[-1]
        gamma = self.params["gamma"] if self.scale else np.ones(c, dtype=self.dtype)
        beta = self.params["beta"] if self.center else np.zeros(c, dtype=self.dtype)
        return gamma, beta

    def forward(self, x, training=False):
        self.check_input(x)
        x2d = np.ascontiguousarray(x, dtype=self.dtype).reshape(-1, x.shape[-1])
        gamma, beta = self._gamma_beta()
        # Keras: a frozen BatchNormalization (trainable=False) runs in inference mode, also in fit
        training = self.training = bool(training and self.trainable)
        self.x2d = x2d  # backward recomputes xhat from x (kernels.fused): nothing else is stored
        if training:  # statistics and normalization in fused passes (kernels.fused)
            y, self.mean, var, self.inv_std = batchnorm_forward_train(x2d, gamma, beta, self.epsilon)
            mean, m = self.mean, self.momentum
            self.state["moving_mean"] *= m
            self.state["moving_mean"] += mean * (1 - m)
            self.state["moving_variance"] *= m
            self.state["moving_variance"] += var * (1 - m)
            return y.reshape(x.shape)
        self.inv_std = (1.0 / np.sqrt(self.state["moving_variance"] + self.epsilon)).astype(self.dtype)
        return batchnorm_inference(x2d, self.state["moving_mean"], self.inv_std, gamma, beta).reshape(x.shape)

    def backward(self, dy):
        shape = dy.shape
        dy = np.ascontiguousarray(dy, dtype=self.dtype).reshape(-1, shape[-1])
        if self.training:
            dx, dgamma, dbeta = batchnorm_backward_train(dy, self.x2d, self.mean, self._gamma_beta()[0], self.inv_std)
            self._set_grads(dgamma, dbeta)
            return dx.reshape(shape)
        xhat = (self.x2d - self.state["moving_mean"]) * self.inv_std
        self._set_grads(np.einsum("ij,ij->j", dy, xhat), dy.sum(axis=0))
        return (dy * (self._gamma_beta()[0] * self.inv_std)).reshape(shape)

    def _set_grads(self, dgamma, dbeta):
        if self.scale:
            self.grads["gamma"][...] = dgamma
        if self.center:
            self.grads["beta"][...] = dbeta

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale}

"""The small network of the training experiments: a tanh MLP on a digits subset.

The paper trains CNNs / ResNets / ViTs on a CIFAR-10 subset with the squared loss, full batch,
constant step size (Song et al. 2026, Sec. 5.2). CIFAR cannot be downloaded in this build, so the
default scale uses the CPU recipe of the paper card (Sec. 5b): scikit-learn ``load_digits``, the
first ``n`` samples, standardised features, *random* +-1 labels (sustained progressive
sharpening, card pitfall P7), a scalar-output tanh MLP (card pitfall P6) and the loss
``L = (1/(2n)) sum_i (f(x_i) - y_i)^2`` (Cohen et al. 2021, "mse", with a scalar target).

Parameters live in one flat float64 vector ``theta`` so the zeroth-order estimator, the
optimizers (``shared.zo_optim``) and the HVP operator (``shared.hessian``) all act on the same
vector. :func:`batched_loss` evaluates the loss at a stack of parameter vectors in one pass
(the two points ``theta +- mu u`` of a two-point estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class MLP:
    """A fully connected tanh network ``sizes[0] -> ... -> sizes[-1]`` with biases.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths, input first (card Sec. 5b: (64, 32, 32, 1)).
    """

    sizes: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"sizes={self.sizes!r} is not allowed: need >= 2 positive widths")

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        out: list[tuple[int, ...]] = []
        for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            out += [(b, a), (b,)]
        return out

    @property
    def n_params(self) -> int:
        return int(sum(int(np.prod(s)) for s in self.shapes))

    def init(self, scale: float, generator: torch.Generator) -> torch.Tensor:
        """Weights ``N(0, scale^2 / fan_in)``, biases 0 (card Sec. 5b: scale 0.5)."""
        parts = []
        for shape in self.shapes:
            if len(shape) == 2:
                w = torch.randn(shape, generator=generator, dtype=torch.float64)
                parts.append((w * scale / np.sqrt(shape[1])).reshape(-1))
            else:
                parts.append(torch.zeros(shape, dtype=torch.float64))
        return torch.cat(parts)

    def forward(self, theta: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        """Outputs at a stack of parameter vectors.

        Parameters
        ----------
        theta : Tensor (K, d) or (d,)
        X : Tensor (n, sizes[0])

        Returns
        -------
        Tensor (K, n) (or (n,) for a single vector): the scalar outputs.
        """
        single = theta.ndim == 1
        th = theta[None] if single else theta
        K = th.shape[0]
        h = X.unsqueeze(0).expand(K, -1, -1)
        offset = 0
        n_layers = len(self.sizes) - 1
        for i, (a, b) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True)):
            W = th[:, offset : offset + a * b].reshape(K, b, a)
            offset += a * b
            c = th[:, offset : offset + b]
            offset += b
            h = torch.baddbmm(c.unsqueeze(1), h, W.transpose(1, 2))
            if i < n_layers - 1:
                h = torch.tanh(h)
        out = h[..., 0]
        return out[0] if single else out


def batched_loss(model: MLP, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Half mean squared error ``(1/(2n)) sum_i (f(x_i) - y_i)^2`` at each row of ``theta``."""
    r = model.forward(theta, X) - y
    return 0.5 * (r * r).mean(dim=-1)


def digits_random_labels(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """First ``n`` digits, standardised per feature, with seeded random +-1 labels (card 5b)."""
    from sklearn.datasets import load_digits

    if not 1 <= int(n) <= 1797:
        raise ValueError(f"n={n!r} is not allowed: load_digits has 1797 samples, need 1..1797")
    X = load_digits().data[: int(n)].astype(np.float64)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    y = np.random.default_rng(seed).choice(np.array([-1.0, 1.0]), size=int(n))
    return torch.from_numpy(X), torch.from_numpy(y)

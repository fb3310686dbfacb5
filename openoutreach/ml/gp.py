"""A Gaussian-process regressor whose posterior is updated in O(n^2) per new label.

Hyper-parameters (ConstantKernel * RBF) are found by sklearn's GaussianProcessRegressor, which costs
several O(n^3) factorizations; doing that on every label is what makes a naive active learner slow. Here
`fit` runs the search, and `add` then appends one observation with the kernel held fixed by a block
update of the inverse Gram matrix (Schur complement), which is exactly what sklearn would compute with
`optimizer=None` on all points (tested). The caller decides when to re-run `fit`.

Targets are normalised as sklearn's `normalize_y=True` does (mean 0, std 1), recomputed on every add, so
the prior mean follows the label balance: far from any label the mean is the base rate and the std is
the prior's, i.e. the model is unsure there rather than confidently negative.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve


@dataclass(frozen=True)
class KernelParams:
    amplitude: float  # ConstantKernel value (variance of the normalised latent function)
    length_scale: float  # RBF length scale, in the standardised PCA space
    noise: float  # observation noise variance added to the diagonal (sklearn's alpha)


def rbf(a: np.ndarray, b: np.ndarray, params: KernelParams) -> np.ndarray:
    """ConstantKernel * RBF between the rows of a [m, d] and b [n, d]."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    np.maximum(sq, 0.0, out=sq)
    return params.amplitude * np.exp(-0.5 * sq / params.length_scale**2)


def optimise_kernel(z: np.ndarray, y: np.ndarray, noise: float | None, seed: int = 0) -> KernelParams:
    """Maximum-marginal-likelihood ConstantKernel * RBF for normalised targets (sklearn's optimiser).

    With `noise=None` the observation noise is estimated too (a WhiteKernel during the search only; the
    model itself stays ConstantKernel * RBF with that noise as alpha). LLM labels are wrong now and then;
    with too small a fixed noise the search explains every wrong label by shrinking the length scale, and
    the model never becomes sure of anything.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
        length_scale=np.sqrt(z.shape[1]), length_scale_bounds=(1e-2, 1e3)
    )
    if noise is None:
        kernel = kernel + WhiteKernel(0.3, (1e-3, 10.0))
    gpr = GaussianProcessRegressor(
        kernel=kernel, alpha=1e-8 if noise is None else noise, normalize_y=True, random_state=seed
    )
    with warnings.catch_warnings():
        # A noise level or length scale at its bound is a legitimate optimum here (e.g. labels that are
        # all consistent), not something to warn about on every refit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        gpr.fit(z, y)
    fitted = gpr.kernel_
    product = fitted.k1 if noise is None else fitted
    fitted_noise = float(fitted.k2.noise_level) + 1e-8 if noise is None else noise
    return KernelParams(float(product.k1.constant_value), float(product.k2.length_scale), fitted_noise)


def _headroom(n: int) -> int:
    """Buffer capacity for n observations: +25% (at least 64), so a copy of the n x n inverse happens every
    few hundred labels at most, without doubling the memory of a model that already holds 5,000 labels."""
    return max(16, n + max(64, n // 4))


class IncrementalGP:
    """GP posterior over a growing set of observations with fixed kernel parameters."""

    def __init__(self, params: KernelParams, z: np.ndarray, y: np.ndarray) -> None:
        self.params = params
        n, d = z.shape
        self._cap = _headroom(n)
        self._z = np.zeros((self._cap, d))
        self._y = np.zeros(self._cap)
        self._inv = np.zeros((self._cap, self._cap))
        self.n = n
        self._z[:n] = z
        self._y[:n] = y
        if n:
            gram = rbf(z, z, params)
            gram[np.diag_indices(n)] += params.noise
            self._inv[:n, :n] = cho_solve(cho_factor(gram, lower=True), np.eye(n))
        self._refresh_weights()

    def __getstate__(self) -> dict:
        """Pickle only the filled part of the buffers (capacity can be twice the labels)."""
        state = dict(self.__dict__)
        n = self.n
        state["_z"], state["_y"] = self._z[:n].copy(), self._y[:n].copy()
        state["_inv"], state["_cap"] = self._inv[:n, :n].copy(), n
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._cap < 1:  # an empty model: give add() room to write into
            self._grow_to(16)

    def _grow_to(self, cap: int) -> None:
        z = np.zeros((cap, self._z.shape[1]))
        y = np.zeros(cap)
        inv = np.zeros((cap, cap))
        z[: self.n], y[: self.n], inv[: self.n, : self.n] = self.z, self.y, self._inv[: self.n, : self.n]
        self._z, self._y, self._inv, self._cap = z, y, inv, cap

    @property
    def z(self) -> np.ndarray:
        return self._z[: self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.n]

    def _grow(self) -> None:
        self._grow_to(_headroom(self._cap))

    def add(self, z_new: np.ndarray, y_new: float) -> None:
        """Append one observation: K'^-1 = [[K^-1 + u u^T / s, -u / s], [-u^T / s, 1 / s]] with
        u = K^-1 k and s = k(x, x) + noise - k^T u (the Schur complement)."""
        if self.n == self._cap:
            self._grow()
        n = self.n
        z_new = np.asarray(z_new, dtype=float).reshape(1, -1)
        k = rbf(self.z, z_new, self.params)[:, 0] if n else np.zeros(0)
        inv = self._inv[:n, :n]
        u = inv @ k
        s = self.params.amplitude + self.params.noise - k @ u
        s = max(s, 1e-12)  # noise > 0 keeps s >= noise in exact arithmetic; guard rounding only
        # In place, in row blocks, so no n x n temporary is allocated (n can reach thousands).
        w = u / s
        for start in range(0, n, 512):
            stop = min(start + 512, n)
            inv[start:stop] += u[start:stop, None] * w[None, :]
        self._inv[:n, n] = -w
        self._inv[n, :n] = -w
        self._inv[n, n] = 1.0 / s
        self._z[n] = z_new[0]
        self._y[n] = y_new
        self.n = n + 1
        self._refresh_weights()

    def _refresh_weights(self) -> None:
        """Target normalisation (as sklearn's normalize_y) and the weights K^-1 y_norm."""
        y = self.y
        self.y_mean = float(y.mean()) if self.n else 0.0
        std = float(y.std()) if self.n else 1.0
        self.y_std = std if std > 0 else 1.0
        self._weights = self._inv[: self.n, : self.n] @ ((y - self.y_mean) / self.y_std)

    def loo(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out latent mean and variance of every observation, normalised units (R&W eq. 5.12:
        mu_i = y_i - [K^-1 y]_i / [K^-1]_ii, var_i = 1 / [K^-1]_ii, minus the noise for the latent)."""
        diag = np.diag(self._inv[: self.n, : self.n])
        y_norm = (self.y - self.y_mean) / self.y_std
        return y_norm - self._weights / diag, np.maximum(1.0 / diag - self.params.noise, 0.0)

    def predict_latent(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the latent function in normalised units (what the link takes)."""
        mean, std = self.predict(z)
        return (mean - self.y_mean) / self.y_std, std / self.y_std

    def predict(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and std of the latent function (label scale, noise excluded) at rows of z."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        if self.n == 0:
            return np.full(len(z), self.y_mean), np.full(len(z), np.sqrt(self.params.amplitude) * self.y_std)
        cross = rbf(z, self.z, self.params)
        mean = cross @ self._weights
        var = self.params.amplitude - np.einsum("ij,ij->i", cross @ self._inv[: self.n, : self.n], cross)
        np.maximum(var, 0.0, out=var)
        return mean * self.y_std + self.y_mean, np.sqrt(var) * self.y_std

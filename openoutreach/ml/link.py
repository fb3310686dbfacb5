"""The link from the GP's latent function to a fit probability: a probit fitted on leave-one-out predictions.

A GP regressed on 0/1 labels is a least-squares classifier: its posterior mean ranks leads well but is a
poor probability (with rare fits and a noisy judge it is squeezed towards the base rate, so a clear non-fit
sits at 0.2 and a clear fit at 0.6). Rasmussen & Williams (2006, section 6.5, "probabilistic least-squares
classification") calibrate it with p = Phi(alpha * f + beta), alpha > 0, fitting alpha and beta to the
closed-form leave-one-out predictions of the training labels (each label predicted by all the others), so
the calibration is judged on data the GP did not see. The posterior samples of f mapped through this link
give the fit probability, its posterior std (the std gate) and BALD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr, ndtr

# Weak Gaussian priors on log(alpha) and beta: they only matter when the labels are (nearly) separable,
# where the maximum-likelihood slope would run off to infinity and every probability would become 0 or 1.
LOG_ALPHA_PRIOR_STD = 2.0
BETA_PRIOR_STD = 3.0


@dataclass(frozen=True)
class ProbitLink:
    alpha: float  # slope on the normalised latent function (> 0: a higher latent means a likelier fit)
    beta: float  # offset (the base rate lives here)

    def __call__(self, latent: np.ndarray) -> np.ndarray:
        return ndtr(self.alpha * latent + self.beta)


def _objective(theta: np.ndarray, mean: np.ndarray, var: np.ndarray, sign: np.ndarray) -> float:
    log_alpha, beta = theta
    alpha = np.exp(log_alpha)
    z = sign * (alpha * mean + beta) / np.sqrt(1.0 + alpha * alpha * var)
    prior = 0.5 * (log_alpha / LOG_ALPHA_PRIOR_STD) ** 2 + 0.5 * (beta / BETA_PRIOR_STD) ** 2
    return float(-log_ndtr(z).sum() + prior)


def log_likelihood(link: ProbitLink, loo_mean: np.ndarray, loo_var: np.ndarray, labels: np.ndarray) -> float:
    """Mean leave-one-out log predictive probability of the labels under `link` (higher is better): how
    well the calibrated model predicts labels it did not see. Used to choose the PCA dimension."""
    sign = np.where(np.asarray(labels) > 0.5, 1.0, -1.0)
    z = sign * (link.alpha * loo_mean + link.beta) / np.sqrt(1.0 + link.alpha**2 * np.maximum(loo_var, 0.0))
    return float(log_ndtr(z).mean())


def fit_link(loo_mean: np.ndarray, loo_var: np.ndarray, labels: np.ndarray) -> ProbitLink:
    """Maximise sum_i log Phi(s_i (alpha mu_i + beta) / sqrt(1 + alpha^2 var_i)) over alpha > 0 and beta,
    where mu_i, var_i are the leave-one-out latent mean and variance and s_i = +1 for a fit, -1 otherwise
    (the probit integrated over the LOO posterior of f_i, R&W eq. 6.42)."""
    sign = np.where(np.asarray(labels) > 0.5, 1.0, -1.0)
    mean, var = np.asarray(loo_mean, dtype=float), np.maximum(np.asarray(loo_var, dtype=float), 0.0)
    result = minimize(_objective, x0=np.array([0.0, 0.0]), args=(mean, var, sign), method="L-BFGS-B")
    log_alpha, beta = result.x
    return ProbitLink(float(np.exp(log_alpha)), float(beta))

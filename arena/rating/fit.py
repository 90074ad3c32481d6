"""The Bradley–Terry fit: log-strengths that maximise the likelihood of the games under a
weak Gaussian prior, for many tables at once.

Tables are (B, 2, N, N): points then games, of agent i against agent j. The prior keeps
every strength finite when an agent won or lost every game; the ratings (`ratings`) and
their intervals (`intervals`) are read off these fits.
"""

import numpy as np

ELO_PER_NAT = 400 / np.log(10)
PRIOR_SD = 1000.0  # Elo; wide enough to barely move ratings backed by a few dozen games
PRIOR_PRECISION = (ELO_PER_NAT / PRIOR_SD) ** 2  # the same prior on log-strengths
NEWTON_STEPS = 100
CONVERGED = 1e-10  # Newton decrement: the log-posterior is this close to its maximum


def fit(tables: np.ndarray) -> np.ndarray:
    """Log-strengths (B, N) of B independent fits, from (B, 2, N, N) points and games.

    Newton converges in a handful of steps where MM crawls once strengths spread out; the
    prior makes the negated Hessian positive definite, and halving steps that do not
    raise the log-posterior enough keeps every fit on its way up.
    """
    points, games = tables[:, 0], tables[:, 1]
    theta = np.zeros(points.shape[:2])
    for _ in range(NEWTON_STEPS):
        gradient, curvature = derivatives(theta, points, games)
        step = np.linalg.solve(curvature, gradient[..., None])[..., 0]
        decrement = np.einsum("bi,bi->b", gradient, step)
        if decrement.max() < CONVERGED:
            break
        theta = line_search(theta, step, decrement, points)
    return theta


def derivatives(
    theta: np.ndarray, points: np.ndarray, games: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and negated Hessian of the log-posterior."""
    diff = theta[:, :, None] - theta[:, None, :]
    p = 0.5 * (1 + np.tanh(diff / 2))  # logistic, without overflow for large gaps
    gradient = (points - games * p).sum(axis=2) - PRIOR_PRECISION * theta
    weight = games * p * (1 - p)
    diagonal = weight.sum(axis=2) + PRIOR_PRECISION
    curvature = np.einsum("bi,ij->bij", diagonal, np.eye(theta.shape[1])) - weight
    return gradient, curvature


def line_search(
    theta: np.ndarray, step: np.ndarray, decrement: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """Armijo backtracking, per fit."""
    base = log_posterior(theta, points)
    size = np.ones(len(theta))
    for _ in range(50):
        trial = theta + size[:, None] * step
        enough = log_posterior(trial, points) >= base + 1e-4 * size * decrement
        if enough.all():
            break
        size = np.where(enough, size, size / 2)
    return trial


def log_posterior(theta: np.ndarray, points: np.ndarray) -> np.ndarray:
    """What the line search climbs: log-likelihood plus log-prior, up to a constant."""
    diff = theta[:, :, None] - theta[:, None, :]
    likelihood = -(points * np.logaddexp(0, -diff)).sum(axis=(1, 2))
    return likelihood - PRIOR_PRECISION * (theta**2).sum(axis=1) / 2

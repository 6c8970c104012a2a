"""``fg.sparse``: sparse Jacobians and Hessians (SciPy, the ``sparse`` extra).

The pattern of a derivative is found by abstract interpretation of the function's IR
(:mod:`funcgrad.sparse.detection`), coloured (:mod:`funcgrad.sparse.coloring`), and the
derivative is computed with one jvp, vjp or Hessian-vector product per colour, jitted.

    >>> import numpy as np, funcgrad as fg
    >>> f = lambda x: np.sum((x[1:] - x[:-1]) ** 2)
    >>> fg.sparse.hessian(f)(np.zeros(4)).toarray()
    array([[ 2., -2.,  0.,  0.],
           [-2.,  4., -2.,  0.],
           [ 0., -2.,  4., -2.],
           [ 0.,  0., -2.,  2.]])
"""

try:
    import scipy.sparse  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("fg.sparse needs SciPy for its sparse matrices: pip install 'funcgrad[sparse]'") from e

from funcgrad.sparse.derivatives import SparseInfo, hessian, hessian_sparsity, jacobian, jacobian_sparsity

__all__ = ["SparseInfo", "hessian", "hessian_sparsity", "jacobian", "jacobian_sparsity"]

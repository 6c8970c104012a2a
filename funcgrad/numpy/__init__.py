"""``funcgrad.numpy``: NumPy's names, traceable.

Every function here accepts NumPy arrays, Python scalars and traced values, and
maps NumPy semantics onto the primitives in :mod:`funcgrad.ops`. The same
functions serve plain ``np.*`` calls on traced values through NEP 13/18::

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> float(fg.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))(0.5))  # 2 sin cos
    0.8414709848078965

The namespace is assembled here from one module per family, mirroring
:mod:`funcgrad.ops`; a NumPy function is added to the module of its family.
"""

from __future__ import annotations

from funcgrad.numpy._base import asarray, array, astype, register_array_type  # noqa: F401
from funcgrad.numpy.constants import *  # noqa: F403
from funcgrad.numpy.elementwise import *  # noqa: F403
from funcgrad.numpy.reductions import *  # noqa: F403
from funcgrad.numpy.shapes import *  # noqa: F403
from funcgrad.numpy.indexing import *  # noqa: F403
from funcgrad.numpy.creation import *  # noqa: F403
from funcgrad.numpy.contractions import *  # noqa: F403
from funcgrad.numpy.misc import *  # noqa: F403
from funcgrad.numpy.constants import dtype  # noqa: E402,F401  (a parameter name elsewhere: bound last)
from funcgrad.numpy.dispatch import dispatch_function, dispatch_ufunc  # noqa: E402,F401
from funcgrad.numpy import linalg as linalg  # noqa: E402,F811
from funcgrad.numpy import fft as fft  # noqa: E402,F811

"""Names every doctest in funcgrad's docstrings and docs may use without importing them."""

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="session")
def _doctest_names(doctest_namespace):
    import funcgrad as fg
    import funcgrad.numpy as fnp
    from funcgrad import autograd as ag, nn, optim

    doctest_namespace.update(np=np, fg=fg, fnp=fnp, ag=ag, nn=nn, optim=optim)

"""A bounded imperative fuzzing campaign for CI (``python -m tests.fuzz`` runs a long one)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.imperative import OPS, check

STEPS = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 50), st.integers(0, 50), st.booleans()),
                 min_size=1, max_size=10)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS, st.integers(0, 2 ** 16))
def test_random_imperative_programs_follow_pytorch_rules(steps, seed):
    assert check(steps, seed) > 0

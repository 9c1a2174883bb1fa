"""The admission bound: additive increase while the booking path is well inside its targets, multiplicative
decrease above them, no cut on too little evidence, always within its limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.admission import AdmissionPolicy, LatencySignal

POLICY = AdmissionPolicy(initial_bound=50, min_bound=5, max_bound=200, increase=10, decrease=0.5, min_samples=20)
FAST = LatencySignal(hold_p99_s=0.05, pay_p99_s=0.1, samples=100)


def test_the_bound_grows_by_a_step_while_well_under_the_targets_and_in_use() -> None:
    assert POLICY.next_bound(50, FAST, active=50) == 60


def test_the_bound_does_not_grow_while_most_of_it_is_unused() -> None:
    assert POLICY.next_bound(50, FAST, active=10) == 50


def test_a_slow_hold_path_cuts_the_bound_by_the_factor() -> None:
    assert POLICY.next_bound(50, LatencySignal(hold_p99_s=0.3, pay_p99_s=0.1, samples=100), active=50) == 25


def test_a_slow_payment_path_cuts_the_bound_too() -> None:
    assert POLICY.next_bound(50, LatencySignal(hold_p99_s=0.05, pay_p99_s=0.5, samples=100), active=0) == 25


def test_between_the_headroom_and_the_target_the_bound_stays() -> None:
    near = LatencySignal(hold_p99_s=0.2, pay_p99_s=0.1, samples=100)  # 80 % of the hold target
    assert POLICY.next_bound(50, near, active=50) == 50


@pytest.mark.parametrize(
    "signal",
    [
        LatencySignal(hold_p99_s=5.0, pay_p99_s=5.0, samples=19),  # too few samples to cut on
        LatencySignal(hold_p99_s=0.01, pay_p99_s=0.01, samples=0),  # no samples at all
        LatencySignal(hold_p99_s=None, pay_p99_s=None, samples=1000),  # nothing measured
    ],
)
def test_without_evidence_the_bound_stays(signal: LatencySignal) -> None:
    assert POLICY.next_bound(50, signal, active=50) == 50


def test_a_small_bound_grows_on_a_few_fast_samples_as_its_few_buyers_cannot_make_more() -> None:
    few_fast = LatencySignal(hold_p99_s=0.05, pay_p99_s=0.1, samples=6)
    assert POLICY.next_bound(7, few_fast, active=7) == 17
    assert POLICY.next_bound(7, few_fast, active=2) == 7  # not in use: no reason to grow


def test_one_measured_path_is_enough_to_act_on() -> None:
    assert POLICY.next_bound(50, LatencySignal(hold_p99_s=None, pay_p99_s=0.01, samples=50), active=50) == 60
    assert POLICY.next_bound(50, LatencySignal(hold_p99_s=1.0, pay_p99_s=None, samples=50), active=50) == 25


def test_the_bound_stays_within_its_limits() -> None:
    slow = LatencySignal(hold_p99_s=9.0, pay_p99_s=9.0, samples=100)
    assert POLICY.next_bound(6, slow, active=6) == 5
    assert POLICY.next_bound(195, FAST, active=195) == 200
    assert POLICY.next_bound(200, FAST, active=200) == 200
    assert POLICY.next_bound(10_000, FAST, active=0) == 200  # a stored bound beyond the limits is brought back
    assert POLICY.next_bound(0, slow, active=0) == 5


def test_repeated_overload_then_recovery_settles_back_up() -> None:
    bound = 200
    for _ in range(10):
        bound = POLICY.next_bound(bound, LatencySignal(hold_p99_s=1.0, pay_p99_s=1.0, samples=100), active=bound)
    assert bound == 5
    for _ in range(5):
        bound = POLICY.next_bound(bound, FAST, active=bound)
    assert bound == 55


def test_the_defaults_are_the_platform_targets() -> None:
    policy = AdmissionPolicy()
    assert (policy.hold_target_s, policy.pay_target_s) == (0.25, 0.4)
    assert policy.adjust_every == timedelta(seconds=1)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_bound": 0}, {"initial_bound": 1, "min_bound": 5}, {"max_bound": 10}, {"decrease": 1.0}, {"headroom": 0}],
)
def test_a_policy_that_could_not_work_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AdmissionPolicy(**kwargs)  # type: ignore[arg-type]

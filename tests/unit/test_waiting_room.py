"""The waiting room over the in-memory store: the fair draw, arrival order after it, admission in order under
the bound, passes, expiry, leaving, and what the client is told (positions, estimates, when to poll)."""

from __future__ import annotations

import asyncio
import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.queue_pass import PassSigner
from domain.waiting_room import (
    DRAW_SPACE,
    FIRST_LOOKS_PER_S,
    MAX_RETRY_S,
    MAX_WAITING_RETRY_S,
    AdmissionPolicy,
    LatencySignal,
    QueueStatus,
    Room,
    WaitingRoom,
)
from tests.fake_outside import FakeClock
from tests.fake_queue import FakeQueueStore

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
OPENS = START + timedelta(minutes=10)
ROOM = Room("e1", sale_starts_at=OPENS)
OPEN = Room("e1", sale_starts_at=None)
QUIET = LatencySignal(hold_p99_s=None, pay_p99_s=None, samples=0)
FAST = LatencySignal(hold_p99_s=0.01, pay_p99_s=0.01, samples=1000)
SIGNER = PassSigner(b"k" * 32)


def make(
    store: FakeQueueStore, clock: FakeClock, *, bound: int = 3, seed: int | None = None, ttl_s: float = 60
) -> WaitingRoom:
    rng = random.Random(seed) if seed is not None else None
    return WaitingRoom(
        store=store,
        passes=SIGNER,
        clock=clock,
        policy=AdmissionPolicy(initial_bound=bound, min_bound=1, max_bound=100, increase=1),
        pass_ttl=timedelta(seconds=ttl_s),
        draw=(lambda: rng.randrange(DRAW_SPACE)) if rng is not None else None,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store() -> FakeQueueStore:
    return FakeQueueStore()


async def early_joiners(room: WaitingRoom, clock: FakeClock, n: int) -> list[str]:
    users = [f"u{i:04}" for i in range(n)]
    for user in users:
        entry, created = await room.join(user, ROOM)
        assert created and entry.position is None and entry.ahead is None and entry.status is QueueStatus.WAITING
        clock.advance(milliseconds=7)
    return users


async def joined(room: WaitingRoom, n: int, target: Room) -> list[str]:
    users = [f"user-{i:03}" for i in range(n)]
    for user in users:
        await room.join(user, target)
    return users


async def positions(room: WaitingRoom, users: list[str], target: Room = ROOM) -> list[int]:
    out = []
    for user in users:
        position = (await room.status(user, target)).position
        assert position is not None
        out.append(position)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_early_joiners_are_drawn_in_an_order_unrelated_to_when_they_came(
    store: FakeQueueStore, clock: FakeClock, seed: int
) -> None:
    room = make(store, clock, seed=seed)
    users = await early_joiners(room, clock, 400)
    clock.advance(OPENS - clock.now())

    drawn = await positions(room, users)
    assert sorted(drawn) == list(range(1, 401))  # a permutation
    assert abs(statistics.correlation(list(range(400)), drawn)) < 0.15  # ranks: this is Spearman's rho


async def test_the_default_draw_is_just_as_fair(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)  # secrets: rho has a standard deviation of 0.05 here, so 0.3 is six of them
    users = await early_joiners(room, clock, 400)
    clock.advance(OPENS - clock.now())
    drawn = await positions(room, users)
    assert sorted(drawn) == list(range(1, 401))
    assert abs(statistics.correlation(list(range(400)), drawn)) < 0.3


async def test_late_joiners_queue_after_the_draw_in_arrival_order(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    early = await early_joiners(room, clock, 20)
    clock.advance(OPENS - clock.now())
    late = [f"late{i}" for i in range(10)]
    for i, user in enumerate(late):
        entry, _ = await room.join(user, ROOM)
        assert (entry.position, entry.ahead) == (21 + i, 20 + i)
        clock.advance(seconds=1)
    assert sorted(await positions(room, early)) == list(range(1, 21))


async def test_joining_again_returns_the_same_entry(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    first, created = await room.join("ada", OPEN)
    clock.advance(seconds=5)
    again, created_again = await room.join("ada", OPEN)
    assert created and not created_again
    assert (again.position, again.joined_at) == (first.position, first.joined_at) == (1, START)


async def test_status_of_someone_who_never_joined_or_left_is_not_found(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    with pytest.raises(errors.NotFound):
        await room.status("ada", OPEN)
    await room.join("ada", OPEN)
    await room.leave("ada", "e1")
    with pytest.raises(errors.NotFound):
        await room.status("ada", OPEN)
    await room.leave("ada", "e1")  # leaving twice is fine


async def test_polls_that_arrive_together_are_read_from_the_store_together(
    store: FakeQueueStore, clock: FakeClock
) -> None:
    room = make(store, clock)
    users = await joined(room, 100, OPEN)
    one_by_one = await positions(room, users, OPEN)
    store.read_batches.clear()

    together = await asyncio.gather(*(room.status(u, OPEN) for u in [*users, "stranger"]), return_exceptions=True)
    assert [e.position for e in together[:-1] if not isinstance(e, BaseException)] == one_by_one
    assert isinstance(together[-1], errors.NotFound)  # a poll of someone not in the queue fails alone
    assert sum(store.read_batches) == 101 and len(store.read_batches) <= 3  # two start at once, the rest wait


async def test_nobody_is_admitted_before_the_sale_opens_or_once_the_room_closes(
    store: FakeQueueStore, clock: FakeClock
) -> None:
    room = make(store, clock)
    await early_joiners(room, clock, 5)
    assert (await room.admit(ROOM, FAST)).admitted == 0
    clock.advance(OPENS - clock.now())
    closed = Room("e1", sale_starts_at=OPENS, closed=True)
    assert (await room.admit(closed, FAST)).admitted == 0
    entry = await room.status("u0000", closed)
    assert entry.status is QueueStatus.CLOSED and entry.pass_token is None and entry.retry_after_s == 60
    assert (await room.admit(ROOM, FAST)).admitted == 3


async def test_admission_follows_the_queue_and_keeps_under_the_bound(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, bound=5, seed=7, ttl_s=30)
    users = await early_joiners(room, clock, 60)
    clock.advance(OPENS - clock.now())
    order = sorted(users, key=lambda u: store.rooms["e1"].entries[u].key)
    rng = random.Random(11)
    while store.rooms["e1"].waiting():
        tick = await room.admit(ROOM, QUIET)
        active = [e for e in store.rooms["e1"].entries.values() if e.status(clock.now()) is QueueStatus.ADMITTED]
        assert len(active) <= tick.bound == 5
        for entry in active:  # some buy and leave, others let their pass run out
            if rng.random() < 0.3:
                await room.leave(entry.user_id, "e1")
        clock.advance(seconds=rng.choice([1, 5, 31]))
    assert store.admissions == order  # nobody was ever admitted out of order


async def test_ticks_racing_on_one_store_admit_each_entry_once(store: FakeQueueStore, clock: FakeClock) -> None:
    rooms = [make(store, clock, bound=10) for _ in range(4)]
    for i in range(30):
        await rooms[i % 4].join(f"u{i:02}", OPEN)
    ticks = await asyncio.gather(*(r.admit(OPEN, QUIET) for r in rooms))
    assert sum(t.admitted for t in ticks) == 10
    assert store.admissions == [f"u{i:02}" for i in range(10)]


async def test_an_admitted_buyer_gets_a_pass_until_the_ttl(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, ttl_s=120)
    await room.join("ada", OPEN)
    clock.advance(seconds=3)
    tick = await room.admit(OPEN, QUIET)
    assert (tick.admitted, tick.waiting, tick.waits_s) == (1, 0, [3.0])
    entry = await room.status("ada", OPEN)
    assert entry.status is QueueStatus.ADMITTED
    assert entry.admitted_until == clock.now() + timedelta(seconds=120)
    assert (entry.position, entry.ahead, entry.estimated_wait_s) == (1, 0, 0)
    assert SIGNER.check(entry.pass_token, user_id="ada", event_id="e1", now=clock.now()) == entry.admitted_until


async def test_a_pass_that_runs_out_reads_expired_is_counted_once_and_frees_its_place(
    store: FakeQueueStore, clock: FakeClock
) -> None:
    room = make(store, clock, bound=1, ttl_s=60)
    await room.join("ada", OPEN)
    await room.join("bob", OPEN)
    assert (await room.admit(OPEN, QUIET)).admitted == 1
    clock.advance(seconds=60)
    entry = await room.status("ada", OPEN)
    assert entry.status is QueueStatus.EXPIRED and entry.pass_token is None
    tick = await room.admit(OPEN, QUIET)
    assert (tick.expired, tick.admitted) == (1, 1)
    assert (await room.admit(OPEN, QUIET)).expired == 0
    assert (await room.status("bob", OPEN)).status is QueueStatus.ADMITTED
    assert (await room.join("ada", OPEN))[0].status is QueueStatus.EXPIRED  # joining again changes nothing


async def test_leaving_frees_an_admitted_buyers_place_at_once(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, bound=1)
    await room.join("ada", OPEN)
    await room.join("bob", OPEN)
    await room.admit(OPEN, QUIET)
    assert (await room.admit(OPEN, QUIET)).admitted == 0
    await room.leave("ada", "e1")
    assert (await room.admit(OPEN, QUIET)).admitted == 1
    assert (await room.status("bob", OPEN)).position == 1  # the place ahead went with ada


async def test_a_waiting_entrys_position_never_grows(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, bound=2, seed=5)
    users = await early_joiners(room, clock, 30)
    clock.advance(OPENS - clock.now())
    rng = random.Random(3)
    last = dict(zip(users, await positions(room, users), strict=True))
    for step in range(40):
        action = rng.choice(["join", "leave", "tick"])
        if action == "join":
            await room.join(f"late{step}", ROOM)
        elif action == "leave":
            await room.leave(rng.choice(users), "e1")
        else:
            await room.admit(ROOM, QUIET)
        clock.advance(seconds=rng.choice([1, 30, 61]))
        for user in list(last):
            try:
                entry = await room.status(user, ROOM)
            except errors.NotFound:
                del last[user]
                continue
            if entry.status is QueueStatus.WAITING:
                assert entry.position is not None and entry.position <= last[user]
                last[user] = entry.position


async def test_the_bound_moves_once_per_interval_however_many_ticks(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, bound=3)
    for i in range(50):
        await room.join(f"u{i:02}", OPEN)
    assert (await room.admit(OPEN, FAST)).bound == 3  # the room was just created
    clock.advance(seconds=1)
    bounds = [(await room.admit(OPEN, FAST)).bound for _ in range(5)]
    assert bounds == [4, 4, 4, 4, 4]
    clock.advance(seconds=1)
    slow = LatencySignal(hold_p99_s=1.0, pay_p99_s=1.0, samples=1000)
    assert (await room.admit(OPEN, slow)).bound == 2


async def test_the_estimated_wait_follows_the_measured_admission_rate(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock, bound=2, ttl_s=1)
    for i in range(40):
        await room.join(f"u{i:02}", OPEN)
    assert (await room.status("u39", OPEN)).estimated_wait_s is None  # nothing measured yet
    for _ in range(6):  # two admitted per second
        await room.admit(OPEN, QUIET)
        clock.advance(seconds=1)
    entry = await room.status("u39", OPEN)
    assert entry.ahead == 27
    assert entry.estimated_wait_s is not None and 10 <= entry.estimated_wait_s <= 20  # about 28 / 2


async def test_polls_are_spread_and_slower_further_back(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    for i in range(3000):
        await room.join(f"u{i:04}", OPEN)
    front = (await room.status("u0000", OPEN)).retry_after_s
    back = (await room.status("u2999", OPEN)).retry_after_s
    assert 1 <= front < back <= MAX_WAITING_RETRY_S
    for far_back in (range(1000, 1100), range(2900, 3000)):
        near = {(await room.status(f"u{i:04}", OPEN)).retry_after_s for i in far_back}
        assert len(near) > 1  # neighbours do not all come back at the same second


async def test_a_queue_of_5000_polls_about_130_times_a_second_in_all(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    users = [f"u{i:04}" for i in range(5000)]
    for user in users:
        await room.join(user, OPEN)
    per_second = sum([1 / (await room.status(user, OPEN)).retry_after_s for user in users])
    assert 80 < per_second < 150


async def test_before_the_opening_polls_wait_for_it_within_bounds(store: FakeQueueStore, clock: FakeClock) -> None:
    room = make(store, clock)
    entry, _ = await room.join("ada", ROOM)
    assert entry.retry_after_s == MAX_RETRY_S  # ten minutes to go: the longest wait
    clock.advance(OPENS - clock.now() - timedelta(seconds=4))
    assert (await room.status("ada", ROOM)).retry_after_s == 4  # alone: first in the draw, back at the opening


async def test_the_first_looks_after_the_opening_come_in_the_draws_order_at_a_bounded_pace(
    store: FakeQueueStore, clock: FakeClock
) -> None:
    room = make(store, clock)
    users = await joined(room, 1500, ROOM)
    clock.advance(OPENS - clock.now() - timedelta(seconds=20))
    comebacks = {user: (await room.status(user, ROOM)).retry_after_s for user in users}
    assert min(comebacks.values()) == 20 and max(comebacks.values()) <= 20 + 1500 / FIRST_LOOKS_PER_S
    assert max(comebacks.values()) > MAX_RETRY_S  # the back of the crowd is not squeezed against the longest wait
    assert max(Counter(comebacks.values()).values()) <= FIRST_LOOKS_PER_S  # no second takes more than its share
    clock.advance(timedelta(seconds=21))
    in_line = [user for _, user in sorted(zip(await positions(room, users), users, strict=True))]
    in_order = [comebacks[user] for user in in_line]
    assert in_order == sorted(in_order)  # the front looks first

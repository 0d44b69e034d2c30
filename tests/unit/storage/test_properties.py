"""Property tests: random concurrent write histories, checked against a sequential model.

Several tasks run create/update/delete with preconditions, and two-key create_all, at once. Whatever
the interleaving: acknowledged writes are exactly the committed ones (none lost, none invented),
revisions are dense, unique and increase in each task's real-time order, replaying acks in revision
order satisfies every precondition, a watch opened beforehand sees exactly that history, lists at old
revisions show the model's state then, and a restart keeps all of it with the next revision above
every earlier one.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcp.storage.interface import (
    Compacted,
    Entry,
    Event,
    KeyExists,
    KeyNotFound,
    RevisionConflict,
    Storage,
)

Factory = Callable[[Path], Storage]  # conftest.BACKENDS values, given by the storage_factory fixture
KEYS = [
    "/registry/core/configmaps/root/a",
    "/registry/core/configmaps/root/b",
    "/registry/core/configmaps/other/a",
    "/registry/apps/deployments/root/c",
]
KINDS = ["create", "update", "delete", "delete_any", "create_pair"]  # create_pair: create_all of two keys

# (kind, key index, offset added to the last revision the task saw for the key: 0 is usually right)
operation = st.tuples(
    st.sampled_from(KINDS), st.integers(0, len(KEYS) - 1), st.sampled_from([0, 0, 0, -1, 1])
)
histories = st.lists(st.lists(operation, min_size=1, max_size=12), min_size=2, max_size=5)

State = dict[str, Entry]


@dataclass(frozen=True)
class Ack:
    kind: str
    key: str
    value: bytes
    expect: int | None
    entry: Entry


async def run_task(store: Storage, task: int, ops: list[tuple[str, int, int]]) -> list[Ack]:
    """One client: operations in order, each using what this client last saw as precondition."""
    known: dict[str, int] = {}
    acks: list[Ack] = []
    for i, (kind, index, offset) in enumerate(ops):
        key, value = KEYS[index], f"{task}-{i}".encode()
        expect: int | None = known.get(key, 1) + offset
        try:
            if kind in ("create", "create_pair"):
                expect = None
                pair = [(key, value), (KEYS[(index + 1) % len(KEYS)], value + b"+")]
                entries = (
                    await store.create_all(pair)
                    if kind == "create_pair"
                    else [await store.create(key, value)]
                )
            elif kind == "update":
                assert expect is not None
                entries = [await store.update(key, value, expect=expect)]
            elif kind == "delete":
                entries = [await store.delete(key, expect=expect)]
            else:
                expect = None
                entries = [await store.delete(key)]
        except KeyExists as error:
            assert error.entry is not None
            known[error.key] = error.entry.mod_revision
        except RevisionConflict as error:
            known[key] = error.current.mod_revision
        except KeyNotFound:
            known.pop(key, None)
        else:
            for entry in entries:
                written = entry.value if kind == "create_pair" else value
                acks.append(Ack(kind.removesuffix("_pair"), entry.key, written, expect, entry))
                known[entry.key] = entry.mod_revision
    return acks


def replay_model(acks: list[Ack]) -> dict[int, State]:
    """States after each revision; asserts every ack was legal at its place in revision order."""
    state: State = {}
    states: dict[int, State] = {0: {}}
    for ack in sorted(acks, key=lambda a: a.entry.mod_revision):
        rev, current = ack.entry.mod_revision, state.get(ack.key)
        if ack.kind == "create":
            assert current is None, f"create of existing {ack.key} at {rev}"
            assert ack.entry == Entry(ack.key, ack.value, rev, rev)
            state[ack.key] = ack.entry
        else:
            assert current is not None, f"{ack.kind} of missing {ack.key} at {rev}"
            assert ack.expect is None or ack.expect == current.mod_revision, f"bad precondition at {rev}"
            if ack.kind == "update":
                assert ack.entry == Entry(ack.key, ack.value, rev, current.create_revision)
                state[ack.key] = ack.entry
            else:
                assert ack.entry == Entry(ack.key, current.value, rev, current.create_revision)
                del state[ack.key]
        states[rev] = dict(state)
    return states


def expected_events(acks: list[Ack], after: int) -> list[tuple[str, str, bytes, int]]:
    return [
        ("PUT" if a.kind in ("create", "update") else "DELETE", a.key, a.entry.value, a.entry.mod_revision)
        for a in sorted(acks, key=lambda a: a.entry.mod_revision)
        if a.entry.mod_revision > after
    ]


async def drain(store: Storage, after: int, until: int) -> list[tuple[str, str, bytes, int]]:
    watch = await store.watch("/registry/", after=after)
    events: list[Event] = []
    try:
        async with asyncio.timeout(10):
            while not events or events[-1].revision < until:
                events.extend(await anext(watch))
    finally:
        watch.close()
    return [(e.type, e.key, e.value, e.revision) for e in events]


async def listing(store: Storage, revision: int | None = None) -> State:
    return {e.key: e for e in (await store.list("/registry/", revision=revision)).entries}


async def check_history(
    factory: Factory, root: Path, tasks: list[list[tuple[str, int, int]]], compact_at: float
) -> None:
    store = factory(root)
    await store.start()
    watch = await store.watch("/registry/", after=0)
    per_task = await asyncio.gather(*(run_task(store, t, ops) for t, ops in enumerate(tasks)))
    acks = [ack for task_acks in per_task for ack in task_acks]
    last = await store.current_revision()

    revisions = sorted(a.entry.mod_revision for a in acks)
    assert revisions == list(range(1, last + 1)), "acks must be exactly the committed revisions"
    for task_acks in per_task:
        own = [a.entry.mod_revision for a in task_acks]
        assert own == sorted(own), "a client's later write got an earlier revision"
    states = replay_model(acks)
    assert await listing(store) == states[last]

    if last:
        events: list[Event] = []
        async with asyncio.timeout(10):
            while not events or events[-1].revision < last:
                events.extend(await anext(watch))
        assert [(e.type, e.key, e.value, e.revision) for e in events] == expected_events(acks, 0)
    watch.close()

    compacted = int(last * compact_at)
    await store.compact(compacted)
    for revision in range(compacted, last + 1):
        assert await listing(store, revision) == states[revision]
    if compacted > 1:
        try:
            await store.watch("/registry/", after=compacted - 1)
        except Compacted:
            pass
        else:
            raise AssertionError("a watch below the compacted revision must fail")
    await store.close()

    store = factory(root)
    await store.start()
    try:
        assert await store.current_revision() == last
        assert await store.compacted_revision() == compacted
        assert await listing(store) == states[last]
        after = max(compacted, 1)
        if last > after:
            assert await drain(store, after, last) == expected_events(acks, after)
        assert (await store.create("/registry/core/configmaps/root/new", b"v")).mod_revision == last + 1
    finally:
        await store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks=histories, compact_at=st.sampled_from([0.0, 0.3, 0.7, 1.0]))
def test_concurrent_histories_are_durable_ordered_and_watchable(
    storage_factory: Factory, tasks: list[list[tuple[str, int, int]]], compact_at: float
) -> None:
    with tempfile.TemporaryDirectory() as root:
        asyncio.run(check_history(storage_factory, Path(root), tasks, compact_at))

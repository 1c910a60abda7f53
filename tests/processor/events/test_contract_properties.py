"""Property tests of the input contract: both parse paths agree on any input; nothing ever raises.

The reference is ``contract.check``, message by message. Generated batches are plain valid events
with one message bent at a time (a value in another spelling or just past a bound, a field missing,
doubled or nested too deep, odd spacing), so the vectorized path is tried on the contract's edges.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processor.events.contract import MAX_EPOCH, check
from processor.events.parse import parse_batch
from processor.events.vectorized import decode_clean_batch

from .edges import FIELDS, LIMIT, NUMBER_EDGES, TEXT_EDGES, expected_row, literal

SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NO_NUL = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])  # no NUL, no lone surrogate
TIMESTAMPS = st.one_of(st.integers(0, MAX_EPOCH - 1), st.floats(0, MAX_EPOCH, exclude_max=True))


@st.composite
def plain_events(draw: st.DrawFn) -> bytes:
    """A valid event as a producer would write it: one line, fields in some order."""
    event = {"timestamp": draw(TIMESTAMPS), "id": draw(st.text(NO_NUL, min_size=1, max_size=20)),
             "antenna_id": draw(st.text(NO_NUL, min_size=1, max_size=5)), "bytes": draw(st.integers(0, LIMIT)),
             "app": draw(st.text(NO_NUL, min_size=1, max_size=5))}
    order = draw(st.permutations(FIELDS))
    return json.dumps({k: event[k] for k in order}, ensure_ascii=draw(st.booleans()), separators=(",", ":")).encode()


BENDS = {  # mostly the listed edges, now and then any number or text
    "timestamp": st.one_of(*[st.sampled_from(NUMBER_EDGES)] * 3, st.integers(-(2**70), 2**70).map(literal),
                           st.floats(allow_nan=False).map(literal)),
    "bytes": st.one_of(*[st.sampled_from(NUMBER_EDGES)] * 3, st.integers(LIMIT - 2, LIMIT + 2).map(literal),
                       st.integers(-(2**70), 2**70).map(literal)),
    **{name: st.one_of(*[st.sampled_from(TEXT_EDGES)] * 4, st.sampled_from(NUMBER_EDGES),
                       st.text(max_size=300).map(literal), st.text(max_size=300).map(lambda t: literal(t, False)))
       for name in ("id", "antenna_id", "app")},
}


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    depth = draw(st.sampled_from([1, 2, 62, 63, 64, 65, 200]))
    opener = draw(st.sampled_from([b"[", b'{"k":']))
    closer = b"]" if opener == b"[" else b"}"
    return opener * depth + draw(st.sampled_from([b"1", b'"[[["', b""])) + closer * depth


@st.composite
def bent_events(draw: st.DrawFn) -> bytes:
    """A plain valid event with one thing changed."""
    event = json.loads(draw(plain_events()))
    members = [b'"' + k.encode() + b'":' + literal(v) for k, v in event.items()]
    name = draw(st.sampled_from(FIELDS))
    where = next(i for i, m in enumerate(members) if m.startswith(b'"' + name.encode() + b'"'))
    change = draw(st.sampled_from(["value"] * 6 + ["twice", "drop", "extra", "space", "edge"]))
    if change == "value":
        members[where] = b'"' + name.encode() + b'":' + draw(BENDS[name])
    elif change == "twice":
        members.insert(draw(st.integers(0, len(members))), b'"' + name.encode() + b'":' + draw(BENDS[name]))
    elif change == "drop":
        del members[where]
    elif change == "extra":
        members.insert(draw(st.integers(0, len(members))), b'"extra":' + draw(st.one_of(nested(), BENDS["id"])))
    body = (b"," + (draw(st.sampled_from([b" ", b"\t", b"\r", b"\n"])) if change == "space" else b"")).join(members)
    before, after = draw(st.sampled_from([(b"", b""), (b" ", b""), (b"", b" "), (b"\n", b""), (b"", b"x"), (b"", b"\x00")])
                         if change == "edge" else st.just((b"", b"")))
    return before + b"{" + body + b"}" + after


@st.composite
def batches_with_one_bent_event(draw: st.DrawFn) -> list[bytes | None]:
    batch: list[bytes | None] = list(draw(st.lists(plain_events(), max_size=3)))
    batch.insert(draw(st.integers(0, len(batch))), draw(bent_events()))
    return batch


MESSAGES = st.one_of(plain_events(), bent_events(), st.binary(max_size=100), st.none(),
                     st.sampled_from([b"", b"{}", b"[]", b"null", b"{\n}", b"}\n{"]))


@SETTINGS
@given(batches_with_one_bent_event())
def test_whenever_the_vectorized_path_answers_it_gives_the_reference_checkers_events(batch: list[bytes | None]) -> None:
    table = decode_clean_batch(batch, LIMIT)
    if table is not None:
        assert table.to_pylist() == [expected_row(v) for v in batch]


@SETTINGS
@given(st.lists(plain_events().filter(lambda v: b"NaN" not in v and b"Infinity" not in v), min_size=1, max_size=20))
def test_a_batch_of_plain_valid_events_takes_the_vectorized_path(batch: list[bytes | None]) -> None:
    # (a text containing NaN or Infinity sends its batch to the careful path: Arrow reads those literals)
    table = decode_clean_batch(batch, LIMIT)
    assert table is not None and table.to_pylist() == [expected_row(v) for v in batch]


@pytest.mark.chaos  # fuzzing: also part of the chaos suite
@SETTINGS
@given(st.lists(MESSAGES, min_size=1, max_size=12))
def test_parse_batch_never_raises_and_every_message_is_an_event_or_a_dead_letter(batch: list[bytes | None]) -> None:
    offsets = list(range(100, 100 + len(batch)))
    parsed = parse_batch(batch, offsets, LIMIT)
    rejected = {r.offset: r for r in parsed.rejects}
    assert sorted([*parsed.offsets, *rejected]) == offsets and len(rejected) == len(parsed.rejects)
    assert parsed.events.to_pylist() == [expected_row(batch[o - 100]) for o in parsed.offsets]
    for offset, reject in rejected.items():
        reference = check(batch[offset - 100], LIMIT)
        assert reject.value is batch[offset - 100] and isinstance(reference, tuple)
        assert reject.category == reference[0] and reject.reason


@pytest.mark.chaos
@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_at_all_are_an_event_or_a_categorized_dead_letter(value: bytes) -> None:
    parsed = parse_batch([value], [0], LIMIT)
    assert parsed.events.num_rows + len(parsed.rejects) == 1

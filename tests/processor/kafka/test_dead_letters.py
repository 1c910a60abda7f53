"""A dead letter too large for its topic is kept as a truncated copy, with headers saying so."""

from __future__ import annotations

import hashlib

from processor.kafka.dead_letters import OVERHEAD, fit

HEADERS = [("dlq.reason", b"JSON is malformed"), ("dlq.category", b"not_json")]


def test_a_dead_letter_that_fits_is_kept_whole() -> None:
    value = b"x" * 1000
    assert fit(value, HEADERS, 1_048_588) == (value, HEADERS)
    assert fit(None, HEADERS, 100) == (None, HEADERS)


def test_a_dead_letter_too_large_is_truncated_to_fit_with_its_size_and_digest() -> None:
    value = bytes(range(256)) * 6000  # 1.5 MB
    kept, headers = fit(value, HEADERS, 1_048_588)
    assert kept is not None and value.startswith(kept)
    assert len(kept) + sum(len(k) + len(v) for k, v in headers) + OVERHEAD <= 1_048_588
    extra = dict(headers[len(HEADERS):])
    assert extra == {"dlq.truncated": b"true", "dlq.original.bytes": str(len(value)).encode(),
                     "dlq.original.sha256": hashlib.sha256(value).hexdigest().encode()}

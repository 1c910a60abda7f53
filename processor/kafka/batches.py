"""Quix's per-message step, one batch of fetched messages at a time.

Quix's own step (``Application._process_message``) polls one message, builds a ``Row``, copies two
contexts and runs the dataframe's wrappers around the sink's ``add`` for it: about three quarters of
the consume loop's cost per message (BENCHMARKS.md, issue 19 item 4). ``step`` takes instead what
librdkafka has already fetched, up to ``BATCH`` messages in one ``consume`` that never waits (when
nothing is there, one ``poll`` waits up to Quix's poll timeout for the next message, so an idle
processor sleeps and a lone message is not held back), hands them to the sink in one call
(``SpeedLayerSink.take``: two appends per message) and stores each partition's first and last offset
in Quix's checkpoint, which Quix then commits after the sink's flush as before.

What Quix's loop does around the step is unchanged (rebalance callbacks, the checkpoint by time,
the revoke's commit). What its step did per message is done here per batch: the producer's poll,
the run tracker, the brokers' availability, the early checkpoint (``Cadence``, asked once per
batch with the count of messages taken, so its counts stay messages), and ``COMMIT_EVERY`` and
``COMMIT_BYTES`` (the sink counts both; a checkpoint may overshoot them by at most one batch). A fetched error (the offset
to read is gone, say) is handled as Quix's poll would, after the messages fetched before it are in
the sink and their offsets stored. A partition revoked or lost while ``consume`` ran: librdkafka
purges its messages from the batch (the unassignment's barrier), so none reaches the sink after
its buffer was dropped. Pinned to quixstreams 3.28.1 (``tests/processor/kafka/test_quix_coupling.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from quixstreams.exceptions import PartitionAssignmentError
from quixstreams.kafka.exceptions import KafkaConsumerException

from ..records import Message
from .cadence import Cadence
from .sink import SpeedLayerSink

log = logging.getLogger("processor")
BATCH = 2_000  # at most this many fetched messages per step
OnError = Callable[[Exception, Any, logging.Logger], bool]


def fetch(consumer: Any, timeout: float, on_error: OnError) -> list[Message]:
    """What librdkafka holds, up to ``BATCH`` messages, without waiting; when it holds nothing, the next
    message within ``timeout``. A consumer error is Quix's: raised, unless ``on_error`` suppresses it."""
    try:
        messages: list[Message] = consumer.consume(num_messages=BATCH, timeout=0)
        if not messages:
            message = consumer.poll(timeout=timeout)
            messages = [] if message is None else [message]
    except PartitionAssignmentError:
        raise  # as Quix's own poll: an error of a rebalance callback always propagates
    except Exception as e:
        if not on_error(e, None, log):
            raise
        return []
    return messages


def step(app: Any, sink: SpeedLayerSink, cadence: Cadence, commit_every: int, on_error: OnError) -> None:
    """One step of Quix's loop (``app``: a ``quixstreams.Application``): fetch, hand to ``sink``, store
    the offsets; then checkpoint at once when the sink is full or the cadence says so."""
    app._producer.poll(app._config.producer_poll_timeout)
    messages = fetch(app._consumer, app._config.consumer_poll_timeout, on_error)
    app._run_tracker.set_message_consumed(bool(messages))
    if not messages:
        if sink.buffered and cadence.checkpoint_now(0):  # caught up: the last burst need not wait for the interval
            app._processing_context.commit_checkpoint(force=True)
        return
    context, start, taken = app._processing_context, 0, 0
    while start < len(messages):
        firsts, stop = sink.take(messages, start)
        for i in range(stop - 1, start - 1, -1):  # each partition's last offset taken: walk back from the end
            tp = messages[i].topic(), messages[i].partition()
            if tp in firsts:
                first = firsts.pop(tp)
                # as Quix's own step stores every offset: the first sets the checkpoint's starting offset
                # (where Quix seeks back to under a sink's backpressure), the last is what it commits
                context.store_offset(topic=tp[0], partition=tp[1], offset=first)
                if messages[i].offset() != first:
                    context.store_offset(topic=tp[0], partition=tp[1], offset=messages[i].offset())
                if not firsts:
                    break
        taken += stop - start
        if stop < len(messages):  # an error fetched: handled as Quix's poll would, after what came before it
            error = KafkaConsumerException(error=messages[stop].error())
            if not on_error(error, messages[stop], log):
                raise error
        start = stop + 1
    app._producer._broker_available()
    app._consumer._broker_available()
    if taken and (sink.full or 0 < commit_every <= sink.messages or cadence.checkpoint_now(taken)):
        context.commit_checkpoint(force=True)

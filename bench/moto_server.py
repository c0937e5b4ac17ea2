"""moto's server as the sending benchmarks run it, with its SQS made to cost the same whatever the queue
holds. moto keeps a queue's messages in one list and works through all of it on every call:

- each message sent works out the queue's attributes, whose three approximate counts ask every message
  whether it is visible and whether it is delayed, and moto's clock helper builds two datetimes per
  question (with 1,500 delayed messages queued one SendMessageBatch took 0.6 s, with 3,000 0.8 s);
- each message received reads the attributes again (its retention period), and a receive first lists
  every visible message before it takes ten;
- each message deleted is looked for through the whole list twice, then the list is copied.

An import of 100,000 queues that many messages, and every call would take seconds. Here the clock is
read with `time.time()`, the counts are worked out at most every 30 s (SQS calls them approximate too,
and the benchmarks never read them), a receive looks through the list only until it has its ten, and a
delete finds its message by its receipt handle and leaves it out of the list until the next tidy. What
a call answers is unchanged; nothing else differs.

With BENCH_FAIR_QUEUES=1 a standard queue also serves its message groups as AWS documents SQS's fair
queues ("How Amazon SQS fair queues work"). A group is noisy while its share of the consumers' recent
processing time (here: the last 60 s, receive to delete, in flight included) is over 10 %, or while it
holds over 10 % of the messages in flight and at least 30 of them. A receive gets the quiet groups'
messages first, in arrival order, then the noisy groups', the one with the fewest in flight first. AWS
calls its thresholds approximate; these are the documented ones. moto keeps the group but serves
arrival order; the benchmarks run both."""
import itertools
import os
import sys
import threading
import time

import moto.sqs.models as sqs_models
from moto.server import main

_exact = sqs_models.unix_time_millis


def _millis(dt=None):
    return time.time() * 1000.0 if dt is None else _exact(dt)


sqs_models.unix_time_millis = _millis

Queue, Message = sqs_models.Queue, sqs_models.Message
# Each receipt handle handed out, to its message; a message deleted is marked `_gone` and skipped until
# the list is tidied.
_BY_HANDLE = {}
_COUNTS_EVERY_S = 30
_TIDY_AFTER = 1000
_ARRIVALS = itertools.count()
FAIR = os.environ.get("BENCH_FAIR_QUEUES") == "1"

_mark_received = Message.mark_received


def mark_received(self, *args, **kwargs):
    _mark_received(self, *args, **kwargs)
    _BY_HANDLE[self.receipt_handle] = self
    self._received_at = time.time()


_add_message = Queue.add_message


def add_message(self, message):
    # The queue's identity, not the queue: a receive deep-copies its messages.
    message._queue = id(self)
    message._seq = next(_ARRIVALS)
    _add_message(self, message)
    if FAIR:
        groups(self).setdefault(message.group_id, []).append(message)


def groups(self):
    """Each group's messages in arrival order (a message without a group is its own group, as in SQS)."""
    if not hasattr(self, "_groups"):
        self._groups = {}
    return self._groups


def live(self):
    return (m for m in self._messages if not getattr(m, "_gone", False))


def ready(held):
    return (m for m in held if not getattr(m, "_gone", False) and m.visible and not m.delayed)


def messages(self):
    # Lazy: a receive stops after its ten.
    if not FAIR or self.fifo_queue:
        return ready(self._messages)
    return fair(self)


# SQS's documented thresholds for a noisy group, and the window read here as "recent".
_NOISY_SHARE = 0.10
_NOISY_IN_FLIGHT = 30
_RECENT_S = 60
_PROCESSED_LOCK = threading.Lock()


def noisy_groups(self, in_flight):
    """The groups over either documented threshold."""
    now = time.time()
    with _PROCESSED_LOCK:
        done = getattr(self, "_processed", [])
        self._processed = done = [(end, group, spent) for end, group, spent in done if now - end < _RECENT_S]
    spent = {}
    for _, group, seconds in done:
        spent[group] = spent.get(group, 0.0) + seconds
    for m in list(self.pending_messages):
        if not m.visible:
            spent[m.group_id] = spent.get(m.group_id, 0.0) + now - getattr(m, "_received_at", now)
    total_time, total_in_flight = sum(spent.values()), sum(in_flight.values())
    noisy = {g for g, t in spent.items() if total_time and t / total_time > _NOISY_SHARE}
    noisy |= {g for g, n in in_flight.items() if n >= _NOISY_IN_FLIGHT and n / total_in_flight > _NOISY_SHARE}
    return noisy


def fair(self):
    """Visible messages: the quiet groups' in arrival order, then the noisy groups', each of the one with the
    fewest in flight (counting those handed out so far)."""
    in_flight = {}
    for m in list(self.pending_messages):
        if not m.visible:
            in_flight[m.group_id] = in_flight.get(m.group_id, 0) + 1
    noisy = noisy_groups(self, in_flight)
    heads = {}
    for group, held in list(groups(self).items()):
        it = ready(held)
        first = next(it, None)
        if first is not None:
            heads[group] = (first, it)
    while heads:
        def turn(g):
            return (g in noisy, in_flight.get(g, 0) if g in noisy else 0, heads[g][0]._seq)
        group = min(heads, key=turn)
        message, it = heads[group]
        yield message
        in_flight[group] = in_flight.get(group, 0) + 1
        following = next(it, None)
        if following is None:
            del heads[group]
        else:
            heads[group] = (following, it)


def wait_for_messages(self, timeout):
    with self._messages_lock:
        self._messages_lock.wait_for(lambda: next(messages(self), None) is not None, timeout=timeout)


def delete_message(self, receipt_handle):
    if receipt_handle in self.deleted_messages:
        return
    message = _BY_HANDLE.get(receipt_handle)
    if message is None or getattr(message, "_queue", None) != id(self) or getattr(message, "_gone", False):
        raise sqs_models.ReceiptHandleIsInvalid()
    message._gone = True
    if FAIR:
        now = time.time()
        with _PROCESSED_LOCK:
            processed = getattr(self, "_processed", [])
            processed.append((now, message.group_id, now - getattr(message, "_received_at", now)))
            self._processed = processed
    self.pending_messages.discard(message)
    self.deleted_messages.update(message.all_receipt_handles)
    for handle in message.all_receipt_handles:
        _BY_HANDLE.pop(handle, None)
    self._gone_count = getattr(self, "_gone_count", 0) + 1
    if self._gone_count >= _TIDY_AFTER:
        self._messages = list(live(self))
        if FAIR:
            self._groups = {g: [m for m in held if not getattr(m, "_gone", False)] for g, held in groups(self).items()}
            self._groups = {g: held for g, held in self._groups.items() if held}
        self._gone_count = 0


def counts(self):
    now = time.time()
    cached = getattr(self, "_counts", None)
    if cached is None or now - cached[0] > _COUNTS_EVERY_S:
        held = list(live(self))
        cached = (now, sum(1 for m in held if m.delayed), sum(1 for m in held if not m.visible),
                  sum(1 for m in held if m.visible and not m.delayed))
        self._counts = cached
    return cached


Message.mark_received = mark_received
Queue.add_message = add_message
Queue.messages = property(messages)
Queue.wait_for_messages = wait_for_messages
Queue.delete_message = delete_message
Queue.approximate_number_of_messages_delayed = property(lambda self: counts(self)[1])
Queue.approximate_number_of_messages_not_visible = property(lambda self: counts(self)[2])
Queue.approximate_number_of_messages = property(lambda self: counts(self)[3])

if __name__ == "__main__":
    sys.exit(main())

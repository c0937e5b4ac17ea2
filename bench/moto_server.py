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
a call answers is unchanged; nothing else differs."""
import sys
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

_mark_received = Message.mark_received


def mark_received(self, *args, **kwargs):
    _mark_received(self, *args, **kwargs)
    _BY_HANDLE[self.receipt_handle] = self


_add_message = Queue.add_message


def add_message(self, message):
    # The queue's identity, not the queue: a receive deep-copies its messages.
    message._queue = id(self)
    _add_message(self, message)


def live(self):
    return (m for m in self._messages if not getattr(m, "_gone", False))


def messages(self):
    # Lazy: a receive stops after its ten.
    return (m for m in live(self) if m.visible and not m.delayed)


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
    self.pending_messages.discard(message)
    self.deleted_messages.update(message.all_receipt_handles)
    for handle in message.all_receipt_handles:
        _BY_HANDLE.pop(handle, None)
    self._gone_count = getattr(self, "_gone_count", 0) + 1
    if self._gone_count >= _TIDY_AFTER:
        self._messages = list(live(self))
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

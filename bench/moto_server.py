"""moto's server as the sending benchmarks run it, with one change: its SQS reads the clock with
`time.time()`. moto works out every queue's attributes on each message sent, which asks each message
held whether it is visible and whether it is delayed, and its own clock helper builds two datetimes
per question: with 1,500 delayed messages queued, one SendMessageBatch took 0.6 s, with 3,000 0.8 s,
so five accounts' invites outlasted the SDK's 10 s on the queue. With the plain clock the same batch
takes 0.03 s. The time it reads is the same; nothing else differs."""
import sys
import time

import moto.sqs.models as sqs_models
from moto.server import main

_exact = sqs_models.unix_time_millis


def _millis(dt=None):
    return time.time() * 1000.0 if dt is None else _exact(dt)


sqs_models.unix_time_millis = _millis

if __name__ == "__main__":
    sys.exit(main())

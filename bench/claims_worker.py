"""`manage.py db_worker` with every outbox claim timed, for bench/claims.py.

The worker is the one production runs; only `outbox.sender.claim` is wrapped, in this
process, so that each call appends a line to the file named by BENCH_CLAIMS_LOG:
the wall-clock time it started, its duration in seconds, the channel and the rows it
claimed. Nothing else changes: the claim's SQL, the batches, the transports.

    BENCH_CLAIMS_LOG=/tmp/w0.claims python -m bench.claims_worker --interval 0.2 …
"""

import os
import sys
import time


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from monquartier.outbox import sender

    original = sender.claim
    # Line-buffered: a worker stopped by SIGTERM has written every claim it made.
    log = open(os.environ["BENCH_CLAIMS_LOG"], "a", buffering=1, encoding="ascii")  # noqa: SIM115

    def timed_claim(channel: str, limit: int) -> list:
        started_at = time.time()
        began = time.perf_counter()
        claimed = original(channel, limit)
        log.write(f"{started_at:.6f} {time.perf_counter() - began:.6f} {channel} {len(claimed)}\n")
        return claimed

    # sender.deliver looks the name up in its module at each call.
    sender.claim = timed_claim
    execute_from_command_line(["manage.py", "db_worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])

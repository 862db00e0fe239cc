"""Where the senders' time goes, in this process (issue 16, item 2).

Not a benchmark of its own (`make bench` does not run it): a tool to read before changing
the outbox's senders. It loads bench/fanout.py's communities into BENCH_DATABASE_URL (its
own rows only, wiped at the start and at the end), starts the fan-out's sinks (the fast
SMTP sink and the push sink, in a child process), and then, in this process, with no
worker and no task queue in between:

- **alert**: one alert to the alerting community and its twins (6,000 members), fanned
  out, then its e-mails and its pushes handed over by `sender.deliver`, channel after
  channel, until none is queued;
- **peak**: `--alerts` alerts of the peak day's communities (57 members each), each
  fanned out, then the same.

For each it prints the messages, the CPU (this process's and PostgreSQL's) and wall time
of a message per channel, and the fan-out's CPU an alert; with `--profile`, cProfile's share of the senders' time in a few
places (claim, carry, render, skeletons, links, SMTP, pushes, recording) and its top
functions. cProfile follows this thread only: the SMTP connections' and the pushes'
threads show as the time the sender waited for them. `--rounds` repeats each scenario (the first round warms the caches up, as
a worker that has run for a while has them). The senders' own log lines go to standard
error, as a worker's do (`2>/dev/null` to read the figures alone).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/monquartier_bench \\
        .venv/bin/python bench/profile_senders.py --alerts 60 --rounds 2 --profile
"""

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHANNELS = ("email", "push")

# The places a sender's time goes: (file's path ends with, function).
_PLACES: dict[str, tuple[str, str]] = {
    "claim (one statement)": ("outbox/sender.py", "claim"),
    "carry: the alerts of the batch": ("outbox/sender.py", "_carry"),
    "obsolete rows": ("outbox/sender.py", "_obsolete"),
    "e-mail: rendering (templates)": ("outbox/rendering.py", "render_email"),
    "e-mail: the signed link": ("notifications/links.py", "absolute_link"),
    "e-mail: the transport (SMTP threads included)": ("outbox/transports.py", "send"),
    "push: the payload": ("alerts/outbox.py", "alert_push_payload"),
    # The pushes are encrypted and posted in threads, which cProfile does not follow.
    "push: the sender (its threads waited for)": ("outbox/sender.py", "_send_push"),
    "recording the outcomes": ("outbox/sender.py", "_record"),
}


def sink_settings(sinks_info: dict) -> dict:
    """What a worker of the fan-out benchmark gets (fanout.Environment), for this process."""
    from bench.lib.push_keys import vapid_key_pair

    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": sinks_info["smtp_port"],
        # The SMS wait for their delay: none goes while the e-mails and pushes are measured.
        "ALERT_SMS_DELAY_SECONDS": 3600,
        "VAPID_PRIVATE_KEY": vapid_key_pair()[0],
        "VAPID_PUBLIC_KEY": "",
    }


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process so far (this tool's backend, autovacuum, the
    WAL writer…): the server is on this machine."""
    from bench.fanout import CpuMeter, _postgres_pids

    meter = CpuMeter({"PostgreSQL": _postgres_pids})
    snapshot = meter.snapshot()
    return sum(snapshot.processes.values()) if snapshot is not None else 0.0


def hand_over(profiler: cProfile.Profile | None) -> dict[str, tuple[int, float, float, float]]:
    """Each channel's queue sent by `deliver` until none is left: messages, CPU, wall and
    PostgreSQL's CPU."""
    from monquartier.outbox import sender

    spent = {}
    for channel in CHANNELS:
        messages = 0
        cpu, wall, database = time.process_time(), time.perf_counter(), _postgres_cpu()
        if profiler is not None:
            profiler.enable()
        while True:
            handled, more = sender.deliver(channel, max_seconds=30.0)
            messages += handled
            if not more:
                break
        if profiler is not None:
            profiler.disable()
        spent[channel] = (
            messages,
            time.process_time() - cpu,
            time.perf_counter() - wall,
            _postgres_cpu() - database,
        )
    return spent


def scenario(name: str, senders, profiler: cProfile.Profile | None) -> None:
    from monquartier.alerts import fanout
    from monquartier.alerts import services as alert_services
    from monquartier.alerts.models import AlertCategory

    categories = list(AlertCategory.values)
    cpu = time.process_time()
    alerts = []
    for k, member in enumerate(senders):
        alert = alert_services.send_alert(
            member, category=categories[k % len(categories)], text=f"Profil {name} {k}"
        )
        alerts.append(alert)
    sent_cpu = time.process_time() - cpu
    cpu, database = time.process_time(), _postgres_cpu()
    for alert in alerts:
        fanout.fan_out_alert(alert)
    fanned_cpu, fanned_database = time.process_time() - cpu, _postgres_cpu() - database
    spent = hand_over(profiler)
    count = len(alerts)
    print(
        f"   {name}: {count} alert(s), sending {1000 * sent_cpu / count:.1f} ms and fan-out "
        f"{1000 * fanned_cpu / count:.1f} ms of CPU an alert "
        f"(PostgreSQL's for the fan-out: {1000 * fanned_database / count:.1f} ms)"
    )
    for channel, (messages, cpu_s, wall_s, database_s) in spent.items():
        if messages:
            print(
                f"   {name}: {channel:5} {messages:6} messages, a message: "
                f"{1000 * cpu_s / messages:.3f} ms of CPU here, "
                f"{1000 * database_s / messages:.3f} ms of PostgreSQL's, "
                f"{1000 * wall_s / messages:.3f} ms wall ({wall_s:.2f} s)"
            )


def report(profiler: cProfile.Profile, top: int) -> None:
    import inspect

    from bench.lib import profiling
    from monquartier.outbox import transports

    named = dict(_PLACES)
    # cProfile names a method by its function alone: the skeleton's __init__ by its line.
    skeleton_line = inspect.getsourcelines(transports._Skeleton.__init__)[1]
    named["e-mail: skeletons built"] = ("outbox/transports.py", "__init__", skeleton_line)
    total = profiling.total_seconds(profiler)
    print(f"   where ({total:.2f} s profiled; cumulative s, calls):")
    for label, cumulative, calls in profiling.places(profiler, named):
        print(f"   {cumulative:7.3f} s {calls:8.0f}  {label}")
    profiling.print_top(profiler, top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=60, help="peak-day alerts (57 members)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each scenario")
    parser.add_argument("--only", choices=["alert", "peak"], help="one scenario")
    parser.add_argument("--profile", action="store_true", help="cProfile the last round")
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    options = parser.parse_args()

    from bench.run import DEFAULT_DATABASE_URL, configure_environment

    configure_environment(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from bench import fanout
    from monquartier.alerts.models import Alert
    from monquartier.outbox.models import Delivery

    # As bench/run.py does: a new database is migrated first.
    call_command("migrate", interactive=False, verbosity=0)
    sinks = fanout.Sinks("fast")
    try:
        print(f"   database {settings.DATABASES['default']['NAME']}; wiping this tool's rows …")
        fanout.wipe()
        # Each round's alerts come from members who have not alerted yet.
        loaded = fanout.load(options.alerts * options.rounds, sinks.info["push_url"])
        print(f"   loaded in {loaded.seconds:.1f} s: {loaded.counts}")
        scenarios = {
            "alert": lambda round_: [loaded.alert.users[round_]],
            "peak": lambda round_: [
                place.sender
                for place in loaded.peak[round_ * options.alerts : (round_ + 1) * options.alerts]
            ],
        }
        with override_settings(**sink_settings(sinks.info)):
            for name, senders in scenarios.items():
                if options.only and name != options.only:
                    continue
                profiler = cProfile.Profile() if options.profile else None
                for round_ in range(options.rounds):
                    last = round_ == options.rounds - 1
                    profiled = " (profiled)" if last and profiler else ""
                    print(f"== {name}, round {round_ + 1}{profiled}", flush=True)
                    scenario(name, senders(round_), profiler if last else None)
                    # The SMS rows wait for their delay: the next round must not count them.
                    Delivery.objects.filter(
                        alert__in=Alert.objects.filter(text__startswith="Profil ")
                    ).delete()
                if profiler is not None:
                    report(profiler, options.top)
        print(f"   sinks: {sinks.summary()}")
    finally:
        print("   cleaning up …")
        try:
            fanout.wipe()
        finally:
            sinks.close()


if __name__ == "__main__":
    main()

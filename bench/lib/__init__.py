"""What the benchmarks share: the figures table (figures), child processes and ports
(processes), database set-up, wiping and vacuuming (database), and the servers of
docs/deployment.md — gunicorn (gunicorn) and nginx (nginx) — whose command line and
configuration are read from the guide itself (guide)."""

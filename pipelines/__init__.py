"""Infitah: the open-data pipeline of the Moroccan network of open territorial communities."""

import os

__version__ = "0.1.0"

# Without a Prefect server configured, a flow starts Prefect's temporary server, which
# on its first run on a machine migrates a new SQLite database before it answers: on two
# busy cores that took longer than Prefect's 20 seconds, and `make demo` on a fresh
# clone failed. Set before anything imports Prefect (it reads its settings once);
# an operator's own value wins.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

"""What bench/run.py and the parts it drives from its own process share: where things are,
and its log line."""

import datetime
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
WORK_DIR = BASE_DIR / "var" / "bench"
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def log(text):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {text}", flush=True)

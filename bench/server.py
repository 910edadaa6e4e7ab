"""gunicorn on 127.0.0.1 and the load on it: wrk with bench/wrk_report.lua, or
bench/loadgen.py where wrk is not installed (bench/run.py drives them)."""

import http.client
import json
import socket
import subprocess
import sys
import time

from bench.common import BASE_DIR, BENCH_DIR, BIN, WORK_DIR, log


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, cookie="", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


class Gunicorn:
    def __init__(self, env, port, workers):
        self.port = port
        self.log = WORK_DIR / "gunicorn.log"
        command = [
            str(BIN / "gunicorn"),
            "renewal_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log),
        ]
        self.process = subprocess.Popen(command, env=env, cwd=BASE_DIR)  # noqa: S603

    def wait_ready(self, seconds=60):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz in {seconds} s; see {self.log}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def load(port, requests, *, duration, connections, threads, wrk):
    """One load run over the (path, cookie) pairs; the figures wrk_report.lua prints."""
    targets = WORK_DIR / "targets.tsv"
    targets.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in requests))
    if wrk is None:
        sys.path.insert(0, str(BENCH_DIR))
        import loadgen

        return loadgen.run(port, requests, connections=connections, duration=duration)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH_DIR / "wrk_report.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(targets),
    ]
    run = subprocess.run(  # noqa: S603 - wrk on 127.0.0.1 only
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("WRKJSON "))
    return json.loads(line.removeprefix("WRKJSON "))


def measure(name, spec, port, args, wrk):
    """Check every (path, cookie) answers 200 (a redirect to the log-in page would be
    fast and meaningless), warm up, then load."""
    requests = [tuple(r) for r in spec["requests"]]
    for path, cookie in dict.fromkeys(requests):
        status, location = get(port, path, cookie)
        if status != 200:
            return {"error": f"{path} answered {status} (to {location}), not 200"}
    load(port, requests, duration=2, connections=args.connections, threads=args.threads, wrk=wrk)
    raw = load(
        port,
        requests,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        wrk=wrk,
    )
    seconds = raw["duration_us"] / 1_000_000
    errors = sum(raw["errors"].values())
    result = {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "errors": raw["errors"],
        "users": len({cookie for _, cookie in requests}),
        "bytes_per_response": round(raw["bytes"] / max(1, raw["requests"])),
    }
    if errors:
        result["error"] = f"{errors} failed request(s): {raw['errors']}"
    log(
        f"  {name:<20} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>6.1f} ms  "
        f"p99 {result['p99_ms']:>6.1f} ms"
    )
    return result

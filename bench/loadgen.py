"""A small HTTP load generator for bench/run.py when `wrk` is not installed: N threads,
each sending GETs one after another (a new connection when the server closes it), for
a fixed time, against 127.0.0.1 only. Less efficient than wrk (it shares the GIL and the
machine's two cores with the server), so its req/s are a lower bound; the report says
which generator ran."""

import http.client
import statistics
import threading
import time


def run(port, targets, *, connections=8, duration=10.0, timeout=5.0):
    """targets: [(path, cookie)]. Returns the same figures as wrk_report.lua."""
    latencies, errors = [], {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    lock = threading.Lock()
    received = [0]
    deadline = time.perf_counter() + duration

    def worker(offset):
        conn, position, mine, bytes_in = None, offset, [], 0
        while time.perf_counter() < deadline:
            path, cookie = targets[position % len(targets)]
            position += 1
            headers = {"Host": f"127.0.0.1:{port}"}
            if cookie:
                headers["Cookie"] = cookie
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                bytes_in += len(body)
                if response.status >= 400:
                    with lock:
                        errors["status"] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                conn = None
                continue
            except OSError:
                with lock:
                    errors["connect"] += 1
                conn = None
                continue
            mine.append((time.perf_counter() - started) * 1_000_000)
        with lock:
            latencies.extend(mine)
            received[0] += bytes_in

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + timeout + 5)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p):
        if not latencies:
            return 0
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]

    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1_000_000),
        "bytes": received[0],
        "errors": errors,
        "latency_us": {
            "p50": percentile(50),
            "p90": percentile(90),
            "p99": percentile(99),
            "max": latencies[-1] if latencies else 0,
            "mean": statistics.fmean(latencies) if latencies else 0,
        },
    }

"""Run a function in several threads released together, for race tests on PostgreSQL."""

import threading

from django.db import connections


def run_together(function, times):
    """Call `function()` `times` times at once; return (results, errors)."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def call():
        try:
            barrier.wait()
            results.append(function())
        except Exception as error:  # reported to the test, which decides
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors

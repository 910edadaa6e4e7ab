"""The benchmark's verdicts (bench/report.py): pages are judged against the signed-in
reference within one run, holder pages at 0.8x its req/s, staff pages at 0.5x, every p99 at
2x its p99; the signed-in reference against the anonymous one; the PDFs against a bare render."""

import pytest

from bench.report import verdicts

SIGNED_IN = {"rps": 500.0, "p50_ms": 10.0, "p99_ms": 20.0, "query_count": 2}


def run(*, page=None, signed_in=SIGNED_IN, anonymous_rps=800.0, pdf=None):
    refs = {
        "rows": {"title": "rows", "rps": anonymous_rps, "p50_ms": 5.0, "p99_ms": 9.0},
        "rows_signed_in": dict(signed_in, title="signed in"),
    }
    return verdicts({"references": refs, "pages": {"dashboard": page} if page else {}, "pdf": pdf})


def page(*, role="holder", rps, p99_ms=20.0):
    return {
        "title": "Page",
        "role": role,
        "rps": rps,
        "p50_ms": 5.0,
        "p99_ms": p99_ms,
        "query_count": 4,
        "query_count_min": 4,
    }


def verdict(rows, measure):
    (found,) = [row for row in rows if row[0] == measure]
    return found[3]


@pytest.mark.parametrize(
    ("role", "rps", "passes"),
    [("holder", 400.0, True), ("holder", 399.0, False), ("superuser", 250.0, True)],
)
def test_a_page_is_judged_against_the_signed_in_reference(role, rps, passes):
    assert verdict(run(page=page(role=role, rps=rps)), "Page: req/s") is passes


def test_a_staff_page_below_half_the_signed_in_reference_fails():
    assert verdict(run(page=page(role="reviewer", rps=249.0)), "Page: req/s") is False


@pytest.mark.parametrize(("p99_ms", "passes"), [(40.0, True), (40.5, False)])
def test_p99_is_judged_against_twice_the_signed_in_p99(p99_ms, passes):
    rows = run(page=page(rps=450.0, p99_ms=p99_ms))
    assert verdict(rows, "Page: latency") is passes


@pytest.mark.parametrize(("anonymous_rps", "passes"), [(833.0, True), (834.0, False)])
def test_the_signed_in_reference_needs_sixty_percent_of_the_anonymous_one(anonymous_rps, passes):
    measure = "Signed-in reference against the anonymous one: req/s"
    assert verdict(run(anonymous_rps=anonymous_rps), measure) is passes


@pytest.mark.parametrize(("transcript_ms", "passes"), [(30.0, True), (30.5, False)])
def test_the_transcript_may_take_three_bare_renders(transcript_ms, passes):
    pdf = {
        "repeat": 15,
        "pages": {"transcript_entries": 12, "transcript": 1},
        "median_ms": {
            "bare": 10.0,
            "certificate": 15.0,
            "certificate_view": 20.0,
            "transcript": transcript_ms,
            "transcript_view": transcript_ms + 5,
        },
    }
    rows = run(pdf=pdf)
    assert verdict(rows, "Transcript PDF render (12 entries, 1 page(s))") is passes
    assert verdict(rows, "Certificate PDF render (template + WeasyPrint)") is True

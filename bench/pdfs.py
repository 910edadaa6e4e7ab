"""The `pdf` step of `make bench` (bench/steps.py runs it): certificate and transcript PDFs,
rendered and through their views, against a bare one-page WeasyPrint render."""

import statistics
import subprocess
import time

from bench.pages import client_for

BARE_HTML = "<html><body><h1>Certificate</h1><p>One page, no stylesheet.</p></body></html>"


def pdf(args):
    from django.conf import settings
    from weasyprint import HTML

    from bench.seeding.constants import BENCH_HOLDER
    from cecs.models import CecEntry
    from core.pdf import render_pdf
    from holders.models import HolderProfile

    holder = HolderProfile.objects.get(email=BENCH_HOLDER)
    entry = bench_entry(holder)
    client, _ = client_for(holder.user)
    year = entry.earned_on.year
    urls = {
        "certificate": f"/cecs/entries/{entry.pk}/certificate/",
        "transcript": f"/cecs/transcript/{year}/pdf/",
    }

    def bare():
        return HTML(string=BARE_HTML, base_url=str(settings.BASE_DIR)).write_pdf()

    def view(url):
        response = client.get(url)
        if response.status_code != 200 or response["Content-Type"] != "application/pdf":
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response.content

    entries = list(CecEntry.objects.filter(holder=holder, earned_on__year=year))
    counted = sum(e.hours for e in entries if e.status == CecEntry.Status.COUNTED)
    transcript = {"holder": holder, "year": year, "entries": entries, "total": counted}
    runs = {
        "bare": bare,
        # What the views render (template + WeasyPrint), then the views themselves
        # (log-in, queries, template, WeasyPrint, response) as the holder gets them.
        "certificate": lambda: render_pdf(
            "pdf/certificate.html", {"entry": entry, "holder": holder}
        ),
        "transcript": lambda: render_pdf("pdf/transcript.html", transcript),
        **{f"{name}_view": lambda url=url: view(url) for name, url in urls.items()},
    }
    times = timed(runs, repeat=args.repeat)
    pages = {
        "bare": len(HTML(string=BARE_HTML).render().pages),
        "transcript_entries": len(entries),
        "transcript": len(HTML(string=_transcript_html(transcript)).render().pages),
    }
    return {
        "urls": urls,
        "repeat": args.repeat,
        "median_ms": {name: round(statistics.median(t), 1) for name, t in times.items()},
        "p90_ms": {
            name: round(statistics.quantiles(t, n=10)[-1], 1) if len(t) > 1 else t[0]
            for name, t in times.items()
        },
        "pages": pages,
        "harfbuzz_subset": harfbuzz_subset(),
    }


def timed(runs, *, repeat):
    """Milliseconds of each render, `repeat` times, after 3 warm-ups."""
    times = {name: [] for name in runs}
    for _ in range(3):  # warm up fonts and caches
        for render in runs.values():
            render()
    for _ in range(repeat):  # interleaved, so drift hits all alike
        for name, render in runs.items():
            started = time.perf_counter()
            render()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def bench_entry(holder):
    """The bench holder's latest counted AASC class entry (it has a certificate)."""
    from cecs.models import CecEntry

    return (
        CecEntry.objects.filter(
            holder=holder, attendance__isnull=False, status=CecEntry.Status.COUNTED
        )
        .select_related("attendance__aasc_class", "holder")
        .order_by("-earned_on")
        .first()
    )


def _transcript_html(context):
    from django.template.loader import render_to_string

    return render_to_string("pdf/transcript.html", context)


def harfbuzz_subset():
    """Whether Debian's libharfbuzz-subset0 is there (WeasyPrint is slower without it)."""
    try:
        run = subprocess.run(
            ["dpkg", "-s", "libharfbuzz-subset0"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        )
    except OSError:
        return None
    return run.returncode == 0 and "Status: install ok installed" in run.stdout

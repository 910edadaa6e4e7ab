import os

import pytest

from credentials.services import cycle_get_or_create
from renewal_portal.reference_data import ensure_reference_data
from tests.factories import PASSWORD, HolderProfileFactory, reviewer_user, staff_user

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Roles and the CEC schedule come from data migrations; a transactional test
    flushes them, so put them back for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    if marker is None and not fixtures & {"db", "transactional_db", "live_server"}:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or fixtures & {
        "transactional_db",
        "live_server",
    }
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_reference_data()


@pytest.fixture
def cycle(db):
    """The 2027 cycle with design.md's defaults: CECs earned in 2026, due 1 January 2027."""
    return cycle_get_or_create(year=2027)


@pytest.fixture
def holder(db):
    return HolderProfileFactory()


@pytest.fixture
def other_holder(db):
    return HolderProfileFactory()


@pytest.fixture
def holder_client(client, holder):
    client.force_login(holder.user)
    return client


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.fixture
def reviewer(db):
    return reviewer_user()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Real hashing costs ~0.3 s per password; tests check behaviour, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Browser tests: Playwright drives Debian's Chromium, never a downloaded one.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Log-in rate limits live in the cache; start every test with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_media(tmp_path, monkeypatch):
    """Reporting-form uploads go to a temporary directory for one test."""
    from cecs.models import ReportingForm

    storage = ReportingForm._meta.get_field("upload").storage
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    monkeypatch.setattr(storage, "_location", str(tmp_path))
    yield tmp_path
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)


# --- A real ClamAV daemon for upload tests. freshclam cannot download signatures here, so
# the suite writes its own database: the EICAR test string, as a whole-file MD5 (.hdb) and
# as a byte pattern found anywhere in a file (.ndb), e.g. after a PDF header.
CLAMD = "/usr/sbin/clamd"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMD_START_SECONDS = 60  # loading two signatures takes ~1 s; a busy machine may be slower


@pytest.fixture(scope="session")
def clamd_daemon():
    """Start /usr/sbin/clamd on a Unix socket in a temporary folder and on a TCP port of
    127.0.0.1; yield both addresses as CLAMAV_SOCKET takes them."""
    import hashlib
    import shutil
    import socket
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    import clamd

    if not os.path.exists(CLAMD):
        pytest.fail(f"{CLAMD} is missing: install Debian's clamav-daemon package (see .ci/run).")
    folder = tempfile.mkdtemp(prefix="clamd-")  # short: a socket path has at most 107 bytes
    socket_path = os.path.join(folder, "clamd.sock")
    with open(os.path.join(folder, "eicar.hdb"), "w") as database:
        digest = hashlib.md5(EICAR, usedforsecurity=False).hexdigest()  # ClamAV's .hdb format
        database.write(f"{digest}:{len(EICAR)}:Eicar-Test-Signature\n")
    with open(os.path.join(folder, "eicar.ndb"), "w") as database:
        database.write(f"Eicar-Test-Signature-Anywhere:0:*:{EICAR.hex()}\n")
    with socket.socket() as probe:  # a free port for clamd's TCP socket
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = os.path.join(folder, "clamd.conf")
    with open(config, "w") as conf:
        conf.write(
            f"Foreground yes\nLocalSocket {socket_path}\nDatabaseDirectory {folder}\n"
            f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
            f"LogFile {folder}/clamd.log\nOfficialDatabaseOnly no\nBytecode no\n"
            "MaxFileSize 20M\nStreamMaxLength 20M\nMaxScanSize 40M\n"
        )
    process = subprocess.Popen(
        [CLAMD, "-c", config], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + CLAMD_START_SECONDS
        while True:
            try:
                if clamd.ClamdUnixSocket(path=socket_path, timeout=5).ping() == "PONG":
                    break
            except (clamd.ClamdError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = Path(folder) / "clamd.log"
                text = log.read_text(errors="replace") if log.exists() else "(no log)"
                pytest.fail(f"clamd did not answer PING on {socket_path}:\n{text}")
            time.sleep(0.1)
        yield {"socket": socket_path, "tcp": f"tcp://127.0.0.1:{port}"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clamd_socket(clamd_daemon):
    return clamd_daemon["socket"]


@pytest.fixture
def clamav(settings, clamd_socket):
    """Uploads are scanned by the real clamd for one test."""
    settings.CLAMAV_SOCKET = clamd_socket
    return clamd_socket

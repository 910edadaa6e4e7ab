"""The container stack (docker-compose.yml and Dockerfile) points at real code and settings.

No Docker needed. The compose file is parsed with PyYAML and interpolated the way
compose does it, with a dummy value for every variable the operator must supply;
each command an app container runs is resolved against this code base (gunicorn's
WSGI callable, celery's app and subcommand, Django's management commands, each
with its options parsed by that program's own parser); and the environment the
app containers get is loaded into renewal_portal.settings in a subprocess, so the
hosts and ports the settings end up with can be compared with the compose services.
"""

import ast
import functools
import importlib
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import click
import environ
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from celery.utils.imports import symbol_by_name
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from django.http.request import validate_host
from django.urls import Resolver404, resolve
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "renewal_portal" / "settings.py"
PYPROJECT = ROOT / "pyproject.toml"

BASE_IMAGE = "python:3.11-slim-bookworm"
WEASYPRINT_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
)
BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Backing services are recognised by image; each listens on its image's default port.
BACKING_SERVICES = {
    "database": (re.compile(r"^postgres(:|$)"), 5432),
    "broker": (re.compile(r"^redis(:|$)"), 6379),
    "mail": (re.compile(r"^(axllent/mailpit|mailhog/mailhog)(:|$)"), 1025),
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY$")
REQUIRED_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*):\?[^}]*\}")


# --- compose interpolation ------------------------------------------------------


class MissingVariable(Exception):
    """A `${NAME:?message}` variable is unset: compose refuses to start."""


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<sep>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_]\w*))"
)


def interpolate(value, env):
    """Substitute ${NAME}, ${NAME:-default}, ${NAME:?error}, ${NAME:+alt} and $$ like compose."""

    def replace(match):
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        sep = match["sep"] or ""
        current = env.get(name)
        is_set = current is not None and (current != "" or not sep.startswith(":"))
        if sep.endswith("-"):
            return current if is_set else match["arg"]
        if sep.endswith("?"):
            if not is_set:
                raise MissingVariable(f"{name}: {match['arg']}")
            return current
        if sep.endswith("+"):
            return match["arg"] if is_set else ""
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def interpolate_tree(node, env):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    return node


def required_variables(text):
    """Names the operator must set: every ${NAME:?...} / ${NAME?...} in the file."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_]\w*):?\?", text))


def deploy_environment(text):
    """A stand-in for the operator's environment: a distinct dummy for each required name."""
    return {name: f"dummy-{name.lower().replace('_', '-')}" for name in required_variables(text)}


def load_compose(env=None):
    text = COMPOSE_FILE.read_text()
    raw = yaml.safe_load(text)
    return interpolate_tree(raw, deploy_environment(text) if env is None else env)


def compose_str(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def service_environment(service):
    if "env_file" in service:
        raise AssertionError("env_file is not checked here; put the variables under environment")
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {name: None if value is None else compose_str(value) for name, value in env.items()}


def as_argv(value):
    return shlex.split(value) if isinstance(value, str) else [compose_str(v) for v in value]


def app_services(services):
    """Services that run this repository's image: they build it or use the tag it is built as."""
    built = {svc.get("image") for svc in services.values() if "build" in svc} - {None}
    return {
        name: svc
        for name, svc in services.items()
        if "build" in svc or (svc.get("image") is not None and svc.get("image") in built)
    }


def find_backing_service(services, role):
    pattern, _ = BACKING_SERVICES[role]
    names = [name for name, svc in services.items() if pattern.match(str(svc.get("image", "")))]
    assert len(names) == 1, f"expected one {role} service, found {names}"
    return names[0]


def container_ports(service):
    """Ports the container declares: `expose` plus the container side of `ports`."""
    ports = {int(str(port).split("/")[0]) for port in service.get("expose", [])}
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


# --- the Dockerfile -------------------------------------------------------------


def dockerfile_instructions(text):
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage(instructions):
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1] :]


def instruction_argv(arguments):
    """Exec form is a JSON list; shell form runs under /bin/sh -c."""
    if arguments.startswith("["):
        return json.loads(arguments)
    return ["/bin/sh", "-c", arguments]


def image_command(stage):
    entrypoint, cmd = [], []
    for keyword, arguments in stage:
        if keyword == "ENTRYPOINT":
            entrypoint = instruction_argv(arguments)
        elif keyword == "CMD":
            cmd = instruction_argv(arguments)
    return entrypoint, cmd


def service_argv(service, image_entrypoint, image_cmd):
    """What the container runs: compose's entrypoint/command override the image's."""
    if "entrypoint" in service:
        entrypoint = as_argv(service["entrypoint"])
        cmd = as_argv(service["command"]) if "command" in service else []
    else:
        entrypoint = image_entrypoint
        cmd = as_argv(service["command"]) if "command" in service else image_cmd
    return [*entrypoint, *cmd]


# --- command checkers -----------------------------------------------------------


class CommandCheckError(Exception):
    """A container command that would not start the intended code."""


def runtime_distributions():
    """Distributions `uv sync --no-dev` installs directly (the image has nothing else)."""
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    names = (re.match(r"[A-Za-z0-9._-]+", dep).group(0) for dep in dependencies)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def require_runtime_distribution(distribution, argv):
    if distribution not in runtime_distributions():
        raise CommandCheckError(
            f"{argv!r} needs {distribution}, which is not a runtime dependency in pyproject.toml"
        )


def load_wsgi_app(uri):
    """Import gunicorn's APP_MODULE (`module:attribute`) and check it is a WSGI callable."""
    module_name, _, attribute = uri.partition(":")
    try:
        target = importlib.import_module(module_name)
    except ImportError as exc:
        raise CommandCheckError(f"gunicorn cannot import {module_name!r}: {exc}") from exc
    for part in (attribute or "application").split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise CommandCheckError(f"{module_name!r} has no attribute {attribute!r}") from exc
    if not callable(target):
        raise CommandCheckError(f"{uri!r} is not callable, so not a WSGI application")
    try:
        inspect.signature(target).bind({}, lambda status, headers, exc_info=None: None)
    except TypeError as exc:
        raise CommandCheckError(
            f"{uri!r} does not take (environ, start_response), so not a WSGI application: {exc}"
        ) from exc
    return target


def check_gunicorn(argv):
    require_runtime_distribution("gunicorn", argv)
    parser = GunicornConfig(prog="gunicorn").parser()
    try:
        options = parser.parse_args(argv[1:])
    except SystemExit as exc:
        raise CommandCheckError(f"gunicorn rejects the options in {argv!r}") from exc
    if len(options.args) != 1:
        raise CommandCheckError(f"gunicorn needs exactly one APP_MODULE, got {options.args!r}")
    load_wsgi_app(options.args[0])
    return options


def check_celery(argv):
    """Parse with celery's own CLI; find the -A app the way celery does; parse the subcommand."""
    require_runtime_distribution("celery", argv)
    try:
        ctx = celery_cli.make_context("celery", list(argv[1:]))
    except click.ClickException as exc:
        raise CommandCheckError(f"celery rejects {argv!r}: {exc.format_message()}") from exc
    app_name = ctx.params.get("app")
    if not app_name:
        raise CommandCheckError(f"{argv!r} does not name an app with -A/--app")
    try:
        app = find_app(app_name)
    except (ImportError, AttributeError) as exc:
        raise CommandCheckError(f"celery -A {app_name}: no Celery app there ({exc})") from exc
    if not isinstance(app, Celery):
        raise CommandCheckError(f"celery -A {app_name} finds {app!r}, not a Celery app")
    with warnings.catch_warnings():
        # click 8.2 deprecates protected_args; click 9 puts everything in args.
        warnings.simplefilter("ignore", DeprecationWarning)
        rest = [*getattr(ctx, "protected_args", []), *ctx.args]
    if not rest:
        raise CommandCheckError(f"{argv!r} has no celery subcommand")
    ctx.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    try:
        name, command, sub_args = celery_cli.resolve_command(ctx, rest)
        sub_ctx = command.make_context(name, sub_args, parent=ctx)
    except click.ClickException as exc:
        raise CommandCheckError(f"celery rejects {argv!r}: {exc.format_message()}") from exc
    return app, name, sub_ctx.params


def check_manage(argv):
    require_runtime_distribution("django", argv)
    if not (ROOT / argv[1]).is_file():
        raise CommandCheckError(f"{argv[1]} is not in the repository root (the image's WORKDIR)")
    if len(argv) < 3:
        raise CommandCheckError(f"{argv!r} names no management command")
    name, arguments = argv[2], argv[3:]
    commands = get_commands()
    if name not in commands:
        raise CommandCheckError(f"there is no management command {name!r}")
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        return parser.parse_args(arguments)
    except CommandError as exc:
        raise CommandCheckError(f"manage.py {name} rejects {arguments!r}: {exc}") from exc


def check_command(argv):
    """Dispatch on the program; a command we cannot check is an error, not a pass."""
    if not argv:
        raise CommandCheckError("empty command")
    program = Path(argv[0]).name
    if program == "gunicorn":
        return check_gunicorn(argv)
    if program == "celery":
        return check_celery(argv)
    if re.fullmatch(r"python(3(\.\d+)?)?", program) and len(argv) > 1 and argv[1] == "manage.py":
        return check_manage(argv)
    raise CommandCheckError(f"don't know how to check {argv!r}; run gunicorn, celery or manage.py")


# --- settings -------------------------------------------------------------------


def settings_env_reads(source):
    """{name: required} for every env var settings.py reads through django-environ."""
    reads, guarded = {}, set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.ops[0], ast.In)
            and isinstance(node.comparators[0], ast.Name)
            and node.comparators[0].id == "env"
        ):
            guarded.add(node.left.value)  # `if "NAME" in env:` makes the read optional
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if is_env and node.args and isinstance(node.args[0], ast.Constant):
            name = node.args[0].value
            has_default = any(keyword.arg == "default" for keyword in node.keywords)
            reads[name] = reads.get(name, False) or not has_default
    return {name: required and name not in guarded for name, required in reads.items()}


def unread_names(names):
    """Names a container sets that settings.py never reads (typos, stale variables)."""
    return sorted(set(names) - set(settings_env_reads(SETTINGS_FILE.read_text())))


_SETTINGS_DUMP = """
import json
from renewal_portal import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DATABASE": {k: db.get(k) for k in ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")},
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(s, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(s, "EMAIL_PORT", None),
    "SECURE_PROXY_SSL_HEADER": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "STRIPE_SECRET_KEY": s.STRIPE_SECRET_KEY,
    "STRIPE_PUBLISHABLE_KEY": s.STRIPE_PUBLISHABLE_KEY,
    "STRIPE_WEBHOOK_SECRET": s.STRIPE_WEBHOOK_SECRET,
    "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
    "ALLAUTH_TRUSTED_PROXY_COUNT": s.ALLAUTH_TRUSTED_PROXY_COUNT,
}))
"""


@functools.cache
def _settings_under(env_items):
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_ENV_FILE": os.devnull, **dict(env_items)}
    result = subprocess.run(
        [sys.executable, "-c", _SETTINGS_DUMP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"settings do not load with this environment:\n{result.stderr}"
    return json.loads(result.stdout)


def settings_under(env):
    """renewal_portal.settings loaded in a fresh interpreter with only `env` (no .env file)."""
    items = tuple(sorted((k, v) for k, v in env.items() if v is not None))
    return _settings_under(items)


def backing_service_problems(loaded, services):
    """Where the loaded settings point somewhere other than the compose backing services."""
    problems = []

    def expect(role, what, host, port):
        name = find_backing_service(services, role)
        _, default_port = BACKING_SERVICES[role]
        if host != name:
            problems.append(f"{what} host is {host!r}, but the {role} service is {name!r}")
        if port != default_port:
            problems.append(f"{what} port is {port!r}, but {name} listens on {default_port}")
        elif port not in container_ports(services[name]):
            problems.append(f"{what} port {port} is not declared by service {name!r}")
        return services[name]

    db = loaded["DATABASE"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        problems.append(f"DATABASE_URL gives engine {db['ENGINE']!r}, not PostgreSQL")
    postgres = expect("database", "DATABASE_URL", db["HOST"], db["PORT"])
    postgres_env = service_environment(postgres)
    user = postgres_env.get("POSTGRES_USER") or "postgres"
    expected = {
        "USER": user,
        "PASSWORD": postgres_env.get("POSTGRES_PASSWORD"),
        "NAME": postgres_env.get("POSTGRES_DB") or user,
    }
    for key, value in expected.items():
        if db[key] != value:
            problems.append(
                f"DATABASE_URL {key} is {db[key]!r}, the postgres service has {value!r}"
            )

    broker = urlsplit(loaded["CELERY_BROKER_URL"])
    if broker.scheme != "redis":
        problems.append(f"CELERY_BROKER_URL scheme is {broker.scheme!r}, not redis")
    expect("broker", "CELERY_BROKER_URL", broker.hostname, broker.port or 6379)

    if loaded["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        problems.append(f"EMAIL_URL gives backend {loaded['EMAIL_BACKEND']!r}, not SMTP")
    expect("mail", "EMAIL_URL", loaded["EMAIL_HOST"], loaded["EMAIL_PORT"])
    return problems


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_text():
    return COMPOSE_FILE.read_text()


@pytest.fixture(scope="module")
def raw_services(compose_text):
    return yaml.safe_load(compose_text)["services"]


@pytest.fixture(scope="module")
def services():
    return load_compose()["services"]


@pytest.fixture(scope="module")
def image_stage():
    return final_stage(dockerfile_instructions(DOCKERFILE.read_text()))


@pytest.fixture(scope="module")
def image_argv(image_stage):
    return image_command(image_stage)


def argv_of(services, name, image_argv):
    return service_argv(services[name], *image_argv)


APP_SERVICE_NAMES = sorted(app_services(load_compose()["services"]))


# --- the stack ------------------------------------------------------------------


def test_stack_has_the_expected_services(services):
    assert {"web", "worker", "beat"} <= set(app_services(services))
    for role in BACKING_SERVICES:
        find_backing_service(services, role)
    assert find_backing_service(services, "database") == "postgres"
    assert find_backing_service(services, "broker") == "redis"


def test_app_services_build_this_repository_as_one_image(services):
    apps = app_services(services)
    for name, svc in apps.items():
        build = svc.get("build", {"context": "."})
        build = {"context": build} if isinstance(build, str) else build
        context = ROOT / build.get("context", ".")
        assert context.resolve() == ROOT, f"{name} builds {context}, not this repository"
        assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    assert len({svc.get("image") for svc in apps.values()}) == 1, "app services use one image tag"


@pytest.mark.parametrize("name", APP_SERVICE_NAMES)
def test_app_service_command_runs_real_code(services, image_argv, name):
    check_command(argv_of(services, name, image_argv))


def test_dockerfile_cmd_runs_gunicorn_on_the_wsgi_app(image_stage, image_argv):
    entrypoint, cmd = image_argv
    assert entrypoint == [], "no ENTRYPOINT: compose commands replace the CMD as written"
    options = check_command(cmd)
    assert cmd[:2] == ["gunicorn", "renewal_portal.wsgi:application"]
    assert options.bind == ["0.0.0.0:8000"]
    assert options.workers == 3
    exposed = {arg for keyword, args in image_stage if keyword == "EXPOSE" for arg in args.split()}
    assert "8000" in exposed


def test_web_worker_and_beat_do_their_jobs(services, image_argv):
    assert Path(argv_of(services, "web", image_argv)[0]).name == "gunicorn"
    _, worker_sub, _ = check_command(argv_of(services, "worker", image_argv))
    assert worker_sub == "worker"
    beat_app, beat_sub, beat_params = check_command(argv_of(services, "beat", image_argv))
    assert beat_sub == "beat"
    # No -S on the command line: the scheduler comes from settings, and must import.
    assert beat_params["scheduler"] == BEAT_SCHEDULER == beat_app.conf.beat_scheduler
    symbol_by_name(BEAT_SCHEDULER)


def test_migrations_run_once_before_the_app_starts(services, image_argv):
    migrators = [
        name
        for name in app_services(services)
        if argv_of(services, name, image_argv)[1:3] == ["manage.py", "migrate"]
    ]
    assert len(migrators) == 1, f"expected one migrate job, found {migrators}"
    (migrate,) = migrators
    assert services[migrate].get("restart", "no") == "no", "migrate is a one-shot job"
    check_command(argv_of(services, migrate, image_argv))
    for name in ("web", "worker", "beat"):
        depends = services[name].get("depends_on", {})
        assert depends.get(migrate, {}).get("condition") == "service_completed_successfully"


def test_app_waits_for_healthy_backing_services(services):
    # Everything that runs the app needs the database; the long-running ones also the broker.
    waiters = {"database": set(app_services(services)), "broker": {"web", "worker", "beat"}}
    for role, names in waiters.items():
        backing = find_backing_service(services, role)
        assert services[backing].get("healthcheck", {}).get("test"), f"{backing} has no healthcheck"
        for name in sorted(names):
            condition = services[name].get("depends_on", {}).get(backing, {}).get("condition")
            assert condition == "service_healthy", f"{name} does not wait for {backing}"
    postgres = services[find_backing_service(services, "database")]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres.get("volumes", []))


# --- environment ----------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICE_NAMES)
def test_app_environment_is_read_by_settings(services, name):
    env = service_environment(services[name])
    assert env, f"{name} sets no environment"
    assert unread_names(env) == []


@pytest.mark.parametrize("name", APP_SERVICE_NAMES)
def test_required_settings_are_provided_from_required_variables(raw_services, name):
    raw_env = service_environment(raw_services[name])
    required = {n for n, req in settings_env_reads(SETTINGS_FILE.read_text()).items() if req}
    assert "DJANGO_SECRET_KEY" in required
    for setting in required:
        assert setting in raw_env, f"{name} does not set {setting}, which settings require"
        assert REQUIRED_INTERPOLATION.fullmatch(raw_env[setting] or ""), (
            f"{name}: {setting} must come from ${{{setting}:?...}}, not a value in the file"
        )


def test_secrets_are_never_written_into_the_file(compose_text, raw_services, services):
    supplied = set(deploy_environment(compose_text).values())
    for name, raw in raw_services.items():
        raw_env = service_environment(raw)
        for variable, value in raw_env.items():
            if SECRET_NAME.search(variable):
                assert REQUIRED_INTERPOLATION.fullmatch(value or ""), (
                    f"{name}: {variable}={value!r}"
                )
        for variable, value in service_environment(services[name]).items():
            password = urlsplit(value or "").password if "://" in (value or "") else None
            if password:
                assert password in supplied, f"{name}: {variable} has a literal password"


def test_compose_refuses_to_start_without_each_secret(compose_text):
    raw = yaml.safe_load(compose_text)
    deploy_env = deploy_environment(compose_text)
    assert {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DJANGO_ALLOWED_HOSTS"} <= set(deploy_env)
    interpolate_tree(raw, deploy_env)
    for variable in deploy_env:
        env = {k: v for k, v in deploy_env.items() if k != variable}
        with pytest.raises(MissingVariable, match=variable):
            interpolate_tree(raw, env)
        with pytest.raises(MissingVariable, match=variable):
            interpolate_tree(raw, {**env, variable: ""})


@pytest.mark.parametrize("name", APP_SERVICE_NAMES)
def test_settings_loaded_with_the_app_environment_point_at_the_stack(services, name):
    loaded = settings_under(service_environment(services[name]))
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == "dummy-django-secret-key"
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False, "tasks must go to the broker"
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        assert loaded[key], f"{key} is empty in {name}"
    assert backing_service_problems(loaded, services) == []


def test_web_counts_clients_behind_one_proxy_and_the_operator_can_change_it(services):
    """gunicorn sits behind the TLS proxy, so log-in limits must read the client's address
    from the one X-Forwarded-For entry the proxy adds (core.client_ip), not REMOTE_ADDR."""
    loaded = settings_under(service_environment(services["web"]))
    assert loaded["TRUSTED_PROXY_COUNT"] == loaded["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
    text = COMPOSE_FILE.read_text()
    web = load_compose({**deploy_environment(text), "DJANGO_TRUSTED_PROXY_COUNT": "0"})
    assert settings_under(service_environment(web["services"]["web"]))["TRUSTED_PROXY_COUNT"] == 0


def test_uploads_are_scanned_by_the_stacks_clamav(services):
    for name in ("web", "worker"):
        assert service_environment(services[name])["CLAMAV_SOCKET"] == "tcp://clamav:3310"
    clamav = services["clamav"]
    assert "3310" in clamav["expose"]
    assert clamav["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/clamav") for v in clamav["volumes"]), "signatures persist"
    # The site starts without it: only uploads wait (refused until clamd answers).
    assert "clamav" not in services["web"].get("depends_on", {})


def test_media_is_a_volume_where_settings_put_it(services):
    media_root = settings_under(service_environment(services["web"]))["MEDIA_ROOT"]
    for name in ("web", "worker"):
        mounts = [str(v).split(":")[1] for v in services[name].get("volumes", [])]
        assert media_root in mounts, f"{name} does not mount a volume at MEDIA_ROOT {media_root}"


# --- web health check -------------------------------------------------------------


def test_web_healthcheck_asks_healthz_the_way_the_proxy_would(services, image_argv):
    web = services["web"]
    test = web["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], "health check runs Python (no curl in the image)"
    code = test[3]
    compile(code, "<web healthcheck>", "exec")

    url = urlsplit(re.search(r"https?://[^\s\"']+", code).group(0))
    try:
        match = resolve(url.path)
    except Resolver404:
        pytest.fail(f"health check asks {url.path}, which no URL pattern serves")
    assert match.url_name == "health"

    bind = check_command(argv_of(services, "web", image_argv)).bind
    gunicorn_port = int(bind[0].rsplit(":", 1)[1])
    assert url.port == gunicorn_port
    assert gunicorn_port in container_ports(web)

    loaded = settings_under(service_environment(web))
    host = re.search(r"[\"']Host[\"']\s*:\s*[\"']([^\"']+)", code)
    assert host, "health check must send a Host header that settings allow"
    assert validate_host(host.group(1), loaded["ALLOWED_HOSTS"])
    # SSL redirect is on in production: the check must look like a request the proxy
    # forwarded over HTTPS, or it only ever sees a 301.
    header, value = loaded["SECURE_PROXY_SSL_HEADER"]
    header_name = header.removeprefix("HTTP_").replace("_", "-")
    assert re.search(rf"[\"']{header_name}[\"']\s*:\s*[\"']{value}[\"']", code, re.IGNORECASE)


# --- the Dockerfile ---------------------------------------------------------------


def test_dockerfile_builds_a_locked_non_root_image(image_stage):
    instructions = dockerfile_instructions(DOCKERFILE.read_text())
    froms = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    args = dict(a.split("=", 1) for keyword, a in instructions if keyword == "ARG" and "=" in a)
    bases = {re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), f) for f in froms}
    assert bases == {BASE_IMAGE}

    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    final_runs = " ".join(args for keyword, args in image_stage if keyword == "RUN")
    for package in WEASYPRINT_PACKAGES:
        assert re.search(rf"(?<![\w.-]){re.escape(package)}(?![\w.-])", final_runs), package
    assert "manage.py collectstatic --noinput" in final_runs

    users = [args for keyword, args in image_stage if keyword == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}

    for keyword, arguments in instructions:
        if keyword in {"ENV", "ARG"}:
            assert "DJANGO_SECRET_KEY" not in arguments, "no secret key baked into the image"


def test_dockerignore_keeps_secrets_and_local_state_out():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git", "var"} <= patterns


# --- the checkers reject what they should -----------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["gunicorn", "nowhere:app"],
        ["gunicorn", "renewal_portal.wsgi:app"],
        ["gunicorn", "renewal_portal.settings:DEBUG"],  # not callable
        ["gunicorn", "renewal_portal.views:health_view"],  # a view, not WSGI
        ["gunicorn", "renewal_portal.wsgi:application", "--wrokers", "3"],
        ["gunicorn", "--bind", "0.0.0.0:8000"],
        ["celery", "-A", "nowhere", "worker"],
        ["celery", "-A", "renewal_portal.settings", "worker"],
        ["celery", "-A", "renewal_portal", "wrker"],
        ["celery", "-A", "renewal_portal", "worker", "-P", "nonesuch"],
        ["celery", "-A", "renewal_portal"],
        ["celery", "worker"],
        ["python", "manage.py", "migrat"],
        ["python", "manage.py", "migrate", "--no-inptu"],
        ["python", "manage.py"],
        ["sh", "-c", "python manage.py migrate && gunicorn renewal_portal.wsgi"],
        ["pytest"],
        [],
    ],
)
def test_checkers_reject_commands_that_would_not_start(argv):
    with pytest.raises(CommandCheckError):
        check_command(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["gunicorn", "renewal_portal.wsgi"],  # attribute defaults to `application`
        ["/app/.venv/bin/celery", "--app=renewal_portal.celery:app", "worker"],
        ["python3", "manage.py", "check", "--deploy"],
    ],
)
def test_checkers_accept_equivalent_spellings(argv):
    check_command(argv)


def test_unread_names_catch_typos():
    assert unread_names(["DJANGO_SECRET_KEY", "DJANGO_SECRETKEY", "REDIS_URL"]) == [
        "DJANGO_SECRETKEY",
        "REDIS_URL",
    ]


def test_backing_service_check_catches_a_wrong_host_or_port(services):
    loaded = settings_under(service_environment(services["web"]))
    wrong = json.loads(json.dumps(loaded))
    wrong["DATABASE"]["HOST"] = "localhost"
    wrong["DATABASE"]["PASSWORD"] = "hardcoded"
    wrong["CELERY_BROKER_URL"] = "redis://redis:6380/0"
    wrong["EMAIL_HOST"] = "mailhog"
    problems = "\n".join(backing_service_problems(wrong, services))
    assert "DATABASE_URL host is 'localhost'" in problems
    assert "DATABASE_URL PASSWORD" in problems
    assert "CELERY_BROKER_URL port is 6380" in problems
    assert "EMAIL_URL host is 'mailhog'" in problems


def test_interpolation_follows_compose_rules():
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET:-d} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} $$SET $SET", env) == (
        "v d d  $SET v"
    )
    assert interpolate("${SET:+alt}${UNSET:+alt}", env) == "alt"
    with pytest.raises(MissingVariable, match="EMPTY: say so"):
        interpolate("${EMPTY:?say so}", env)
    assert interpolate("${EMPTY?fine}", env) == ""
    assert (
        environ.Env.db_url_config(interpolate("postgres://u:${SET}@h:5432/d", env))["HOST"] == "h"
    )

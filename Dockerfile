# The renewal portal image: one image for web (gunicorn), worker and beat (celery)
# and the one-shot migrate job; docker-compose.yml picks the command per service.
#
#   docker build -t renewal-portal .
#
# Two stages: `build` resolves the locked runtime dependencies into /app/.venv with
# uv, `runtime` copies that venv next to the code, so neither uv nor pip caches end
# up in the final image. Both stages use the same base image, so the venv's
# interpreter path (/usr/local/bin/python3.11) is the same in both.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app
# Only the dependency manifests: this layer is rebuilt when uv.lock changes, not
# on every code change. The project itself is not a package (tool.uv.package =
# false), so nothing else is needed to install it.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev


FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint (PDF receipts and certificates) loads Pango and HarfBuzz at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

ENV PATH=/app/.venv/bin:$PATH \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# Code stays owned by root: the app user can read it but not change it.
COPY . .

# Collect static files into var/staticfiles (served by whitenoise). Settings refuse
# to load without a secret key when DEBUG is off, so give collectstatic a throwaway
# one for this command only; it is not kept in the image. The only directories the
# app user may write are media (uploads, generated PDFs; a volume in compose) and
# mail (the file mail backend, used only when EMAIL_URL is unset).
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-real-key \
        python manage.py collectstatic --noinput \
    && mkdir -p var/media var/mail \
    && chown portal:portal var/media var/mail

USER portal:portal

EXPOSE 8000
CMD ["gunicorn", "renewal_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

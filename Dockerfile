# Production image for web, worker, beat and the one-shot migrate service (docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    RECOURSE_DATA_DIR=/app/var

# libmagic1: upload type checks (python-magic).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first (cached while only the code changes).
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Static files are baked into the image (whitenoise serves them with far-future cache headers).
# Throwaway key and data dir: nothing from this step may end up as the running app's secret.
RUN SECRET_KEY=collectstatic-only-not-a-secret DEBUG=false RECOURSE_DATA_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var

RUN useradd --system --uid 10001 --home-dir /app --no-create-home recourse \
    && mkdir -p /app/var \
    && chown recourse:recourse /app/var
USER recourse

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--no-control-socket"]

# The image the Prefect worker runs flows in: prodpack and its dependencies.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY prodpack prodpack
COPY flows flows
COPY tasks tasks
COPY schemas schemas
COPY deployments deployments
COPY sql sql
RUN pip install --no-cache-dir .

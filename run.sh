#!/usr/bin/env bash
# Runs the whole system: PostgreSQL, Redis, RabbitMQ, the three services and the dashboard, through the app host.
# Installs the Debian packages it needs first (as root or through sudo), or says what to install.
# Extra arguments go to the app host, e.g. ./run.sh --runtime process
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh run
exec dotnet run --project AppHost -- "$@"

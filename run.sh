#!/usr/bin/env bash
# Runs the whole system through the Aspire app host: PostgreSQL, Redis, RabbitMQ, the three services and Aspire's
# dashboard (the app host logs its login link). Installs the Debian packages it needs first (as root or through sudo),
# or says what to install. Extra arguments go to the app host, e.g. ./run.sh --AppHost:Servers=Processes
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh run
scripts/build-viewer.sh
dotnet tool restore >/dev/null
exec dotnet run --project AppHost -- "$@"

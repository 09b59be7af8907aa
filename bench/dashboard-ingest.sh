#!/usr/bin/env bash
# The dashboard's OTLP receiver: spans/s over HTTP/protobuf and gRPC beside a parse-and-discard receiver, and the
# store's memory when full at the default limits. Writes docs/benchmarks/dashboard-ingest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/DashboardIngest -c Release -nologo -clp:ErrorsOnly
dotnet run -c Release --no-build --project bench/DashboardIngest -- "${SECONDS_PER_RUN:-10}" docs/benchmarks/dashboard-ingest.md

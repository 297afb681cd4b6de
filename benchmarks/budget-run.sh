#!/usr/bin/env bash
# Budget acceptance run: the exporter's poller against an in-process simulator at Starter tier,
# budget_share 0.5, 2,000 open alerts, for 3 simulated minutes (FakeTimeProvider; takes seconds).
# Prints total requests, 429s, the most requests in any 60-s and any 1-s window, and the requests per cycle.
# Usage: benchmarks/budget-run.sh [minutes] [--real-time]   Exit code 1 if any 429 was seen.
#   --real-time runs on the system clock instead (the run then really takes that many minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project benchmarks/CyberVault.Exporter.Benchmarks -c Release -- "${@:-3}"

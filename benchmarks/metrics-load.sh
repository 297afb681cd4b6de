#!/usr/bin/env bash
# /metrics under load: the exporter process in --demo mode (polling the in-process simulator all the while) is
# scraped by N concurrent connections for S seconds on 127.0.0.1 (defaults 200 and 30, after a 5-s warm-up).
# Prints requests, errors, throughput, latency p50/p99/max, the exporter's resident memory (from /proc) after
# warm-up, at the peak, at the end and its change over the second half, then the time from SIGTERM to exit.
# Usage: benchmarks/metrics-load.sh [connections] [seconds]   Exit code 1 on any failed scrape.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project benchmarks/CyberVault.Exporter.Benchmarks -c Release -- metrics-load "${1:-200}" "${2:-30}"

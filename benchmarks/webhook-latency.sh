#!/usr/bin/env bash
# Webhook-to-/metrics latency: the whole exporter and the in-process simulator on loopback, in real time. The
# simulator raises alerts one at a time and delivers each signed alert.created to the exporter's webhook; the clock
# stops when a scrape of /metrics shows it. Prints p50, p90, p99, max and mean over N events (default 1,000).
# Usage: benchmarks/webhook-latency.sh [events]   Exit code 1 if p99 >= 50 ms, an event timed out or a delivery failed.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project benchmarks/CyberVault.Exporter.Benchmarks -c Release -- webhook-latency "${1:-1000}"

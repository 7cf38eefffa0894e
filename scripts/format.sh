#!/usr/bin/env bash
# Formats the Swift sources in place with the toolchain's swift-format (`--lint` only checks).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=format
if [ "${1:-}" = "--lint" ]; then mode=lint; fi
args=(--configuration .swift-format --recursive --parallel)
if [ "$mode" = format ]; then args+=(--in-place); else args+=(--strict); fi
exec swift format "$mode" "${args[@]}" Sources Tests

#!/usr/bin/env bash
# Headless Chromium for the report's browser test (tests/test_report.py); installed when missing.
set -euo pipefail
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

#!/usr/bin/env bash
# Installs the system tools that the fault tests use (network namespaces, tc netem).
# Best effort: the fault suite itself reports loudly when the environment refuses them.
set -uo pipefail
if command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2) >/dev/null 2>&1 \
    || echo "system-tests-setup: could not install iproute2; namespace fault tests will report as unavailable"
fi
exit 0

#!/usr/bin/env bash
# Installs the system tools that the network-namespace fault suite (tests/faults/netns) uses:
# iproute2 (ip netns, veth, bridge, tc) and nftables (packet loss and partitions); dnsmasq
# (package dnsmasq-base, no service), the DNS server of gossip's real-DNS seed discovery tests; and
# Debian's chromium, which the web console test (tests/e2e/console.test.ts) drives through
# playwright-core.
# Best effort: where they cannot be installed, or the kernel refuses namespaces, the suite's
# capability test says so loudly instead of passing silently.
set -uo pipefail
# Root's tools live in sbin, which a CI user's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

missing=()
if ! command -v ip >/dev/null 2>&1 || ! command -v tc >/dev/null 2>&1; then missing+=(iproute2); fi
if ! command -v nft >/dev/null 2>&1; then missing+=(nftables); fi
if ! command -v dnsmasq >/dev/null 2>&1; then missing+=(dnsmasq-base); fi
if ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "system-tests-setup: not root, cannot install ${missing[*]}; the suites needing them report themselves skipped"
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "system-tests-setup: no apt-get, cannot install ${missing[*]}; the suites needing them report what is missing"
  elif ! apt-get update -qq >/dev/null 2>&1; then
    echo "system-tests-setup: apt-get update failed, cannot install ${missing[*]}"
  else
    # One package at a time, so a failing one (e.g. chromium) does not keep the others out.
    for package in "${missing[@]}"; do
      if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; then
        echo "system-tests-setup: installed $package"
      else
        echo "system-tests-setup: could not install $package; the suite needing it reports what is missing"
      fi
    done
  fi
fi

# tc netem (delay and jitter) is a kernel module; load it where the kernel ships it. Without it the
# suite reports delay/jitter injection as unavailable.
if [ "$(id -u)" = "0" ] && command -v modprobe >/dev/null 2>&1; then
  modprobe sch_netem >/dev/null 2>&1 || true
fi
for tool in ip tc nft dnsmasq chromium; do
  if command -v "$tool" >/dev/null 2>&1; then echo "system-tests-setup: $tool present"; else echo "system-tests-setup: $tool MISSING"; fi
done
exit 0

#!/usr/bin/env bash
# System packages the test suite needs, from Debian's archive (CI runs as root on a fresh machine).
#   prometheus: the real remote-write receiver the Prometheus provider is tested against
#               (bookworm ships 2.42; the tests start their own instance on a free loopback port).
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)

if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the package's own service from starting (it would hold :9090 and scrape itself).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# If a service manager did start it anyway, stop it: the tests never use the Debian service.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl disable --now prometheus || true
fi

echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"

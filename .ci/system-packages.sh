#!/usr/bin/env bash
# Install the Debian packages vmwidgets needs (graphviz's `dot` for static SVG export,
# chromium for the browser tests, driven by Playwright: never `playwright install`),
# with apt-get when we are root and they are missing; otherwise say exactly what to run.
set -euo pipefail
need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
    echo "vmwidgets needs these system packages: ${need[*]}" >&2
    echo "Install them with:  sudo apt-get install ${need[*]}   (or your system's package manager)" >&2
    exit 1
fi

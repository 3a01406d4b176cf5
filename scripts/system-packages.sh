#!/usr/bin/env bash
# Debian packages jinshu needs beyond Python: Chromium (browser tests; Playwright's own download is
# not used), a CJK font (Chinese in PDF reports and static charts), Pango (WeasyPrint's PDFs) and a
# Java runtime (pyspark's local mode in the Spark tests).
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail
missing=()
for pkg in chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

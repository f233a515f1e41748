#!/usr/bin/env bash
# Make sure the Debian packages the toolkit needs are present.
#   system_deps.sh fonts   a CJK font for PDF reports and charts (fonts-noto-cjk)
#   system_deps.sh test    fonts plus PostgreSQL, Chromium and poppler-utils for the tests
# As root, missing packages are installed with apt-get; otherwise the exact command is printed.
set -euo pipefail
want=(fonts-noto-cjk)
if [ "${1:-fonts}" = "test" ]; then
  want+=(postgresql chromium poppler-utils)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
  if [[ " ${missing[*]} " == *" fonts-noto-cjk "* ]]; then
    echo "(without a CJK font, PDF reports cannot be built; HTML, XLSX, CSV and JSON still work)" >&2
  fi
fi

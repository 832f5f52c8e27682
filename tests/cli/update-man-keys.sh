#!/bin/sh
# Replaces the generated KEYS block of trunkctl(1) with the generator's output.
set -eu
gen=$1 page=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk -v gen="$gen" '
/^\.\\" keys:begin/ { while ((gen | getline line) > 0) print line; skip = 1; next }
/^\.\\" keys:end/ { skip = 0; next }
!skip { print }
' "$page" >"$tmp"
cat "$tmp" >"$page"

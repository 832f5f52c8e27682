#!/bin/sh
# Replaces the generated blocks of trunkctl(1) with the generator's output.
set -eu
gen=$1 page=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for block in keys attributes legend; do
	awk -v gen="$gen $block" -v begin="^\\\\.\\\\\\\\\" $block:begin" -v end="^\\\\.\\\\\\\\\" $block:end" '
	$0 ~ begin { while ((gen | getline line) > 0) print line; skip = 1; next }
	$0 ~ end { skip = 0; next }
	!skip { print }
	' "$page" >"$tmp"
	cat "$tmp" >"$page"
done

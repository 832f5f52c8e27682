#!/bin/sh
# Test wrapper for `meson test --setup valgrind`. Criterion fork/execs its
# workers and ignores their exit codes, so valgrind follows children and
# writes one log per process; the test fails when any log has content
# (an error or a definite leak in any process, the fake API included).
# Scripts (shell tests) run unwrapped: valgrind would only trace the shell.
set -u
if [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ]; then
	exec "$@"
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/trunkctl-vg.XXXXXX") || exit 1
valgrind -q --trace-children=yes \
	--trace-children-skip='/bin/*,/usr/bin/*,/usr/sbin/*' \
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=99 --log-file="$logs/vg.%p" "$@"
rc=$?
for f in "$logs"/vg.*; do
	if [ -s "$f" ]; then
		cat "$f" >&2
		[ "$rc" -eq 0 ] && rc=1
	fi
done
rm -rf "$logs"
exit "$rc"

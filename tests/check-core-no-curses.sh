#!/bin/sh
# The core (src/, include/) must never include curses: ui/ is the only front end
# that may. Fails, naming the files, when one does.
top=${1:-$(dirname "$0")/..}
hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](n?curses(w)?/)?(n?curses|form|menu|panel|term)\.h' \
	"$top/src" "$top/include" 2>/dev/null)
if [ -n "$hits" ]; then
	echo "curses included in the core: $hits" >&2
	exit 1
fi
echo "1..1"
echo "ok 1 - no curses header in src/ or include/"

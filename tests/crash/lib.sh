# Shared by the shell tests of tests/crash (sourced, not run): the fake Carrier
# API on 127.0.0.1 and the server's state read back through its API.
# The caller sets work (a scratch directory), fake (the fake's binary), token
# and seed, and defines fail MESSAGE.

# Starts the fake on a free port of 127.0.0.1; sets fake_pid and url. Waits on
# its "listening on PORT" line, polling only as a guard against it hanging.
start_fake() {
	"$fake" --port 0 --bind 127.0.0.1 --any-host --token "$token" --seed "$seed" \
		>"$work/fake.out" 2>"$work/fake.err" &
	fake_pid=$!
	local port=""
	# Until it says where it listens or dies: meson's timeout is the hang guard,
	# not a count of tries that a loaded sanitizer run can exhaust.
	while [ -z "$port" ]; do
		port=$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/fake.out" 2>/dev/null || true)
		[ -n "$port" ] && break
		kill -0 "$fake_pid" 2>/dev/null || { cat "$work/fake.err" >&2; exit 1; }
		sleep 0.05
	done
	url="http://127.0.0.1:$port"
	printf 'Authorization: Bearer %s\n' "$token" >"$work/auth-header"
}

stop_fake() {
	if [ -n "${fake_pid:-}" ]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
		fake_pid=""
	fi
}

# The server's trunks as "id name max_channels" lines, sorted.
server_state() {
	local next="$url/carrier/v1/sip_trunks?page%5Bsize%5D=100" page
	: >"$work/server.jsonl"
	while [ -n "$next" ]; do
		page=$(curl -sSf -H @"$work/auth-header" "$next") || fail "listing the server failed"
		printf '%s' "$page" | jq -c '.data[]' >>"$work/server.jsonl"
		next=$(printf '%s' "$page" | jq -r '.links.next // empty')
	done
	jq -r '"\(.id) \(.attributes.name) \(.attributes.max_channels // "null")"' "$work/server.jsonl" | sort
}

# PRAGMA integrity_check's first lines, on one line: "ok " when intact. The
# sqlite3 shell exits 11 on a malformed file: a verdict to report, not a
# failed command for set -e to end the test on without a word.
integrity_check() {
	{ sqlite3 "$1" "PRAGMA integrity_check" 2>&1 || true; } | head -5 | tr '\n' ' '
}

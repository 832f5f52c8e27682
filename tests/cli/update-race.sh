#!/bin/sh
# TAP: two `trunkctl update` processes started at once on one trunk, each
# changing its own attribute, lose neither change (issue 11): after every
# round both values are in the local version and in the queued PATCH. No
# sleeps: each round starts both and waits for both.
# usage: update-race.sh TRUNKCTL FAKE_API [ROUNDS]
set -u
bin=$1 fake=$2 rounds=${3:-30}
T=$(mktemp -d)
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkfifo "$T/ready"
"$fake" --port 0 --any-host --sample 1 --seed 11 >"$T/ready" 2>"$T/fake.log" &
fake_pid=$!
read -r _ _ port <"$T/ready"
printf 'fake-token\n' >"$T/token"
chmod 600 "$T/token"
mkdir -p "$T/home"
san="${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS}"
san="$san ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS}"
t() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $san "$bin" \
		--api-url "http://127.0.0.1:$port" --data-dir "$T/data" --token-file "$T/token" "$@"
}
echo "1..$((rounds + 1))"
if t sync >/dev/null 2>"$T/err" && id=$(t list --json | jq -r '.[0].id') && [ -n "$id" ]; then
	echo "ok 1 - one trunk pulled from the fake Carrier API"
else
	echo "not ok 1 - one trunk pulled from the fake Carrier API"
	sed 's/^/# /' "$T/err"
	exit 1
fi
failed=0
r=1
while [ "$r" -le "$rounds" ]; do
	# values the pulled trunk cannot already hold, so each is a change to send
	ch=$((1000 + r)) prefix=77$r
	t --offline update "$id" --set max_channels="$ch" >"$T/a.out" 2>"$T/a.err" &
	a=$!
	t --offline update "$id" --set outbound_dial_string_prefix="$prefix" >"$T/b.out" 2>"$T/b.err" &
	b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	local=$(t show "$id" --json | jq -c '[.max_channels, .outbound_dial_string_prefix]')
	queued=$(t pending --json |
		jq -c '[.[] | .body.data.attributes | .max_channels, .outbound_dial_string_prefix]')
	want="[$ch,\"$prefix\"]"
	if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && [ "$local" = "$want" ] && [ "$queued" = "$want" ]; then
		echo "ok $((r + 1)) - round $r: both changes kept"
	else
		failed=1
		echo "not ok $((r + 1)) - round $r: both changes kept"
		echo "# exits $ra $rb; local $local, queued $queued, wanted $want"
		sed 's/^/# /' "$T/a.err" "$T/b.err"
	fi
	r=$((r + 1))
done
exit $failed

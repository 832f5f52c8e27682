# The set-up the CLI contract scripts share; sourced after bin and fake are
# set. Makes the scratch dir $T (removed on exit), sources the TAP helpers,
# and gives:
#   start_fake ARGS...  the fake Carrier API on 127.0.0.1 with those options;
#                       sets $port and $url, stopped on exit
#   $T/home, $T/token   a home and a 0600 token file ("fake-token")
#   $san                the sanitizer settings, for env -i command lines
T=$(mktemp -d)
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"

start_fake() {
	mkfifo "$T/ready"
	"$fake" --port 0 --any-host "$@" >"$T/ready" 2>"$T/fake.log" &
	fake_pid=$!
	read -r _ _ port <"$T/ready"
	url=http://127.0.0.1:$port
}

mkdir -p "$T/home"
printf 'fake-token\n' >"$T/token"
chmod 600 "$T/token"
san="${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS}"
san="$san ${LSAN_OPTIONS:+LSAN_OPTIONS=$LSAN_OPTIONS}"

# TAP helpers for the CLI contract scripts; sourced after $T (a scratch dir)
# is set. Each failure prints the command's stderr and stdout as comments.
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=1; echo "not ok $n - $1"
	sed 's/^/# /' "$T/err" 2>/dev/null | head -20
	sed 's/^/# out: /' "$T/out" 2>/dev/null | head -20
}
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() { d=$1; shift; if "$@" >/dev/null; then ok "$d"; else not_ok "$d"; fi; }
# expect STATUS DESCRIPTION COMMAND...: stdout to $T/out, stderr to $T/err.
expect() {
	want=$1 d=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$d (exit $want)"; else
		echo "exit $got, wanted $want" >>"$T/err"; not_ok "$d (exit $want)"; fi
}
has() { grep -q -- "$1" "$2"; }

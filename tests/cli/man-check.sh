#!/bin/sh
# TAP: trunkctl --help and every COMMAND --help against trunkctl(1); the
# configuration keys against trunkctl.conf(5); the KEYS and attribute lists
# against the TUI's action table and the field table; both pages lint-clean.
# usage: man-check.sh TRUNKCTL MAN_GEN MANDIR
set -u
bin=$1 gen=$2 mandir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# Empty environment and config: help must not depend on the caller's setup.
run() { env -i HOME="$tmp" PATH=/usr/bin:/bin "$bin" "$@"; }

run --help >"$tmp/help" 2>&1
commands=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NF > 1 && !/^Commands:/ { print $1 }')
for c in $commands; do
	run "$c" --help >>"$tmp/help" 2>&1 || not_ok "$c --help exits 0"
done
grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u >"$tmp/help-opts"
mandoc -Tascii "$mandir/trunkctl.1" | col -b >"$tmp/man"
grep -o -- '--[a-z][a-z-]*' "$tmp/man" | sort -u >"$tmp/man-opts"
missing=$(comm -23 "$tmp/help-opts" "$tmp/man-opts" | tr '\n' ' ')
[ -z "$missing" ] && ok "every option of --help is in trunkctl(1)" ||
	not_ok "every option of --help is in trunkctl(1)" "missing: $missing"
extra=$(comm -13 "$tmp/help-opts" "$tmp/man-opts" | tr '\n' ' ')
[ -z "$extra" ] && ok "every option of trunkctl(1) is in --help" ||
	not_ok "every option of trunkctl(1) is in --help" "not in --help: $extra"
[ -n "$commands" ] && ok "--help lists commands" || not_ok "--help lists commands"
for c in $commands; do
	grep -q "^\.It Cm $c\( \|$\)" "$mandir/trunkctl.1" && ok "command $c is in trunkctl(1)" ||
		not_ok "command $c is in trunkctl(1)"
	# The command's own options, each in its man entry's synopsis line.
	line=$(grep "^\.It Cm $c\( \|$\)" "$mandir/trunkctl.1")
	for o in $(run "$c" --help 2>/dev/null | sed -n '/^Options:/,/^$/p' |
		grep -o -- '--[a-z][a-z-]*' | sort -u); do
		echo "$line" | grep -q -- "Fl -${o#--}\( \|$\)" || not_ok "$c $o is in its trunkctl(1) entry"
	done
done

run config >"$tmp/config" 2>&1
for k in $(awk '{ print $1 }' "$tmp/config"); do
	case $k in profile | config | token) continue ;; esac
	grep -q "^\.It Cm $k No" "$mandir/trunkctl.conf.5" && ok "key $k is in trunkctl.conf(5)" ||
		not_ok "key $k is in trunkctl.conf(5)"
done

for block in keys attributes legend; do
	"$gen" $block >"$tmp/$block"
	sed -n "/^\\.\\\\\" $block:begin/,/^\\.\\\\\" $block:end/p" "$mandir/trunkctl.1" >"$tmp/$block-man"
	if diff -u "$tmp/$block" "$tmp/$block-man" >"$tmp/$block-diff"; then
		ok "the $block block matches its table"
	else
		not_ok "the $block block matches its table (run: ninja -C build man-update)" \
			"$(cat "$tmp/$block-diff")"
	fi
done

for page in trunkctl.1 trunkctl.conf.5; do
	out=$(mandoc -Tlint -W warning "$mandir/$page" 2>&1)
	[ -z "$out" ] && ok "$page is mandoc -Tlint clean" || not_ok "$page is mandoc -Tlint clean" "$out"
done
echo "1..$n"
exit $failed

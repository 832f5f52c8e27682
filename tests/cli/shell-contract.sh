#!/bin/sh
# TAP: the shell side of trunkctl(1) against the fake Carrier API:
# --token-file - (the token on standard input), messages that say what is
# true (sync without an API URL, list before any sync), `log --jsonl`, the
# hidden `__complete` command and the bash, zsh and fish scripts over it (each
# run by its shell when installed), and doctor's terminal checks.
# usage: shell-contract.sh TRUNKCTL FAKE_API
set -u
bin=$1 fake=$2
. "$(dirname "$0")/fake.sh"

start_fake --sample 5 --seed 7
token=fake-token
export T bin url san
tc() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $san ${TC_ENV:-} "$bin" "$@"
}
t() { tc --api-url "$url" --data-dir "$T/data" --token-file "$T/token" "$@"; }
# piped INPUT ARGS...: trunkctl with INPUT on its standard input.
piped() {
	input=$1; shift
	printf '%b' "$input" | tc "$@"
}

# ---- --token-file - ----
expect 0 "--token-file - reads the token from a pipe" \
	piped "$token\n" --api-url "$url" --data-dir "$T/data" --token-file - sync
check "and pulls" has "pulled 5," "$T/err"
expect 0 "the rest of stdin stays for the command" \
	piped "$token\n{\"name\":\"Stdin trunk\",\"region\":\"helium\",\"authentication_mode\":\"ip_address\"}" \
	--api-url "$url" --data-dir "$T/data" --token-file - create --json -
check "the trunk from the rest of stdin was created" \
	[ "$(t list --json | jq -r '.[] | select(.name == "Stdin trunk") | .id')" = "$(cat "$T/out")" ]
expect 4 "a wrong token on stdin is refused by the server" \
	piped "wrong\n" --api-url "$url" --data-dir "$T/data" --token-file - sync
expect 1 "an empty stdin is no token" \
	piped "" --api-url "$url" --data-dir "$T/data" --token-file - sync
check "the message says the first line must be the token" \
	has "first line of standard input must be the token" "$T/err"
if command -v script >/dev/null 2>&1; then
	# script(1) gives trunkctl a terminal on stdin; it must refuse, not wait.
	expect 0 "a terminal on stdin" script -qec \
		"env -i HOME=$T/home PATH=/usr/bin:/bin $san $bin --api-url $url --data-dir $T/data --token-file - sync; echo rc=\$?" /dev/null
	check "is refused with how to pipe the token" has "which is a terminal; pipe it in" "$T/out"
	check "with exit status 1" has "rc=1" "$T/out"
else
	ok "# SKIP no script(1) for a terminal on stdin"
fi
# ---- messages that say what is true ----
# no api_url anywhere: sync names what is missing and every way to set it
expect 1 "sync with no API URL" tc --data-dir "$T/fresh" sync
check "names the profile's section of the configuration file" \
	has "set api_url in the \[default\] section of $T/home/.config/trunkctl/config" "$T/err"
check "names TRUNKCTL_API_URL, --api-url and --sandbox" \
	sh -c "grep -q TRUNKCTL_API_URL '$T/err' && grep -q -- --api-url '$T/err' && grep -q -- --sandbox '$T/err'"
check "prints no counts before the error" [ "$(grep -c pulled "$T/err")" = 0 ]
expect 1 "sync to a port nobody listens on" \
	tc --api-url http://127.0.0.1:1 --data-dir "$T/fresh" --token-file "$T/token" sync
check "says why" has "cannot be reached\|refused\|connect" "$T/err"
check "and no 'pulled 0' before it" [ "$(grep -c "pulled 0" "$T/err")" = 0 ]
expect 0 "list on a store that never synced" \
	tc --api-url "$url" --data-dir "$T/fresh" --token-file "$T/token" list --json
check "says so on stderr" has "never synced with the Carrier API; .trunkctl sync. pulls" "$T/err"
check "stdout is still the JSON array" [ "$(jq length "$T/out")" = 0 ]
expect 0 "list with no API URL on a store that never synced" tc --data-dir "$T/fresh" list --csv
check "says the store never synced and how to set the URL" \
	has "never synced: no Carrier API URL is configured" "$T/err"
check "stdout is still the CSV header" has "^id,sync_state," "$T/out"
expect 0 "list on a synced store" t list
check "says nothing about syncing" [ ! -s "$T/err" ]

# ---- log --jsonl ----
was=$(t show "Sample trunk 1" --json | jq .max_channels)
expect 0 "update a trunk" t update "Sample trunk 1" --set max_channels=7 --set password=n3w-secret
expect 0 "delete a trunk" t delete "Sample trunk 2" --yes
expect 0 "log --jsonl" t log --jsonl
check "one JSON object per line" \
	[ "$(jq -c . "$T/out" | wc -l)" = "$(wc -l <"$T/out")" ]
check "every line is an object" [ "$(jq -s 'map(type) | unique | join(",")' -r "$T/out")" = object ]
jq -c 'select(.method == "PATCH")' "$T/out" | head -1 >"$T/patch"
check "a PATCH names its trunk" [ "$(jq -r .trunk_name "$T/patch")" = "Sample trunk 1" ]
check "with the value it replaced and the value sent" \
	[ "$(jq -c .changes.max_channels "$T/patch")" = "{\"before\":$was,\"after\":7}" ]
check "a password sent is masked" [ "$(jq -r .changes.password.after "$T/patch")" = "********" ]
check "the secret is nowhere in the log" [ "$(grep -c n3w-secret "$T/out")" = 0 ]
check "says who: profile, user and host" \
	[ "$(jq -r '[.profile, .user, .host] | join(" ")' "$T/patch")" = "default $(id -un) $(uname -n)" ]
jq -c 'select(.method == "DELETE")' "$T/out" >"$T/delete"
check "a DELETE gives what was deleted" \
	[ "$(jq -c .changes.name "$T/delete")" = '{"before":"Sample trunk 2","after":null}' ]
jq -c 'select(.method == "POST")' "$T/out" | head -1 >"$T/post"
check "a POST has no before" [ "$(jq -r '[.changes[].before] | unique | join(",")' "$T/post")" = "" ]
expect 2 "log --json --jsonl" t log --json --jsonl

# ---- __complete: what the completion scripts offer ----
cat >"$T/home/profiles.ini" <<EOF
[default]
api_url = $url

[profile staging]
offline = true

[profile prod]
read_only = true
EOF
cmp_() { tc --data-dir "$T/data" --config "$T/home/profiles.ini" __complete "$@"; }
expect 0 "__complete with nothing typed" cmp_ ""
check "offers the commands" sh -c "grep -qx list '$T/out' && grep -qx doctor '$T/out'"
check "but not itself" [ "$(grep -c __complete "$T/out")" = 0 ]
expect 0 "__complete a command's prefix" cmp_ st
check "offers the commands it starts" [ "$(tr '\n' ' ' <"$T/out")" = "status " ]
expect 0 "__complete an option" cmp_ list --s
check "offers the command's options" [ "$(tr '\n' ' ' <"$T/out")" = "--sandbox --sort " ]
check "--token is never offered" [ "$(cmp_ list --to | grep -c -- --token\$)" = 0 ]
expect 0 "__complete --set" cmp_ update X --set max_
check "offers attributes from the field table with =" [ "$(cat "$T/out")" = "max_channels=" ]
expect 0 "__complete --set KEY= of a closed set" cmp_ update X --set authentication_mode=
check "offers the field's choices, from the field table" [ "$(tr '\n' ' ' <"$T/out")" = \
	"authentication_mode=ip_address authentication_mode=client_credentials authentication_mode=outbound_registration " ]
check "a free-text value gets nothing" [ "$(cmp_ update X --set outbound_host= | wc -l)" = 0 ]
check "read-only attributes are not offered" [ "$(cmp_ create --set created | wc -l)" = 0 ]
expect 0 "__complete --profile" cmp_ -p ""
check "offers the profiles of the configuration" \
	[ "$(sort "$T/out" | tr '\n' ' ')" = "default prod staging " ]
expect 0 "__complete a trunk name" cmp_ show "Sample trunk "
check "offers the stored names" has "^Sample trunk 1$" "$T/out"
check "a deleted trunk is not offered" [ "$(grep -c "Sample trunk 2" "$T/out")" = 0 ]
# A name the terminal's sanitiser would escape (a right-to-left override) is never offered.
bidi=$(printf 'Sample trunk \342\200\256evil')
expect 0 "a local trunk with a bidi override in its name" t --offline create \
	--set "name=$bidi" --set authentication_mode=ip_address --set region=hydrogen \
	--set inbound_source_ips=203.0.113.9
expect 0 "__complete among hostile names" cmp_ show "Sample trunk "
check "the hostile name is not offered" [ "$(grep -c evil "$T/out")" = 0 ]
id1=$(t show "Sample trunk 1" --json | jq -r .id)
expect 0 "__complete an id's prefix" cmp_ show "$(printf %.6s "$id1")"
check "offers the id" has "^$id1$" "$T/out"
expect 0 "__complete a second operand" cmp_ show "Sample trunk 1" ""
check "offers nothing (the shell completes file names)" [ ! -s "$T/out" ]
expect 0 "__complete --format" cmp_ export --format ""
check "offers the formats" [ "$(tr '\n' ' ' <"$T/out")" = "json csv yaml " ]
expect 0 "__complete --sort=PREFIX" cmp_ list --sort=na
check "offers the whole word" [ "$(cat "$T/out")" = "--sort=name" ]
expect 0 "__complete with no store" tc --data-dir "$T/none" __complete show ""
check "offers nothing" [ ! -s "$T/out" ]
check "and creates no store" [ ! -e "$T/none" ]
expect 0 "__complete for the store the words name" \
	tc --config "$T/home/profiles.ini" __complete --data-dir "$T/data" show "Sam"
check "reads that store" has "^Sample trunk 1$" "$T/out"
check "__complete is not in --help" [ "$(t --help | grep -c __complete)" = 0 ]

# ---- the bash script, as bash runs it ----
src=$(cd "$(dirname "$0")/../.." && pwd)
bindir=$(cd "$(dirname "$bin")" && pwd)
# comp_bash WORD...: COMPREPLY for COMP_WORDS as bash splits them, the last under the cursor
comp_bash() {
	env -i HOME="$T/home" PATH="$bindir:/usr/bin:/bin" TRUNKCTL_DATA_DIR="$T/data" \
		TRUNKCTL_CONFIG="$T/home/profiles.ini" $san bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_trunkctl; printf "%s\n" "${COMPREPLY[@]}"' comp "$src/completions/trunkctl.bash" \
		trunkctl "$@"
}
if command -v bash >/dev/null 2>&1 && [ "$(basename "$bin")" = trunkctl ]; then
	check "bash: a command" [ "$(comp_bash up)" = "update" ]
	check "bash: an option" [ "$(comp_bash list --re | tr '\n' ' ')" = "--resolve --read-only --refresh --reveal " ]
	check "bash: a name with spaces comes back quoted" \
		[ "$(comp_bash show 'Sample\ trunk\ 1')" = 'Sample\ trunk\ 1' ]
	check "bash: --set offers key=" [ "$(comp_bash update X --set max_ch)" = "max_channels=" ]
	# bash splits "--set outbound_host=" at the "="
	check "bash: after key= nothing is offered for the value" \
		[ -z "$(comp_bash update X --set outbound_host = "")" ]
	check "bash: a value after key= (split at =)" \
		[ "$(comp_bash update X --set outbound_plus_prefix = "" | tr '\n' ' ')" = "true false " ]
	check "bash: a profile" [ "$(comp_bash -p st)" = staging ]
	check "bash: --sort=na (split at =) offers the rest of the word" \
		[ "$(comp_bash list --sort = na)" = name ]
else
	ok "# SKIP bash is not installed or the binary is not named trunkctl"
fi

# ---- the zsh and fish scripts, where those shells are installed ----
cenv() {
	env -i HOME="$T/home" PATH="$bindir:/usr/bin:/bin" TRUNKCTL_DATA_DIR="$T/data" \
		TRUNKCTL_CONFIG="$T/home/profiles.ini" $san "$@"
}
if command -v zsh >/dev/null 2>&1 && [ "$(basename "$bin")" = trunkctl ]; then
	comp_zsh() { cenv zsh -f "$src/tests/cli/complete-zsh.zsh" "$src/completions/_trunkctl" trunkctl "$@"; }
	check "zsh: a command" [ "$(comp_zsh up)" = update ]
	check "zsh: a quoted name" [ "$(comp_zsh show 'Sample\ trunk\ 1')" = "Sample trunk 1" ]
	check "zsh: --set offers key=" [ "$(comp_zsh update X --set max_ch)" = "max_channels=" ]
	check "zsh: no candidates falls back to files" [ "$(comp_zsh import x)" = FILES ]
else
	ok "# SKIP zsh is not installed"
fi
if command -v fish >/dev/null 2>&1 && [ "$(basename "$bin")" = trunkctl ]; then
	comp_fish() {
		cenv fish --no-config -c "source '$src/completions/trunkctl.fish'; complete -C '$1'"
	}
	check "fish: a command" [ "$(comp_fish "trunkctl up")" = update ]
	comp_fish "trunkctl show Sam" >"$T/fish"
	check "fish: a trunk name" has "^Sample trunk 1" "$T/fish"
	check "fish: --set offers key=" [ "$(comp_fish "trunkctl update X --set max_ch")" = "max_channels=" ]
else
	ok "# SKIP fish is not installed"
fi

# ---- doctor's terminal checks ----
# dr ENV...: doctor --json with only ENV in the environment
dr() {
	env -i HOME="$T/home" PATH=/usr/bin:/bin $san "$@" "$bin" --data-dir "$T/data" \
		--token-file "$T/token" --offline doctor --json
}
# verdict CHECK: "result detail" of one check in $T/out
verdict() { jq -r --arg c "$1" '.[] | select(.check == $c) | .result + " " + .detail' "$T/out"; }
if infocmp xterm-256color >/dev/null 2>&1; then
	expect 0 "doctor --json under xterm-256color" dr TERM=xterm-256color LC_ALL=C.UTF-8
	check "terminfo found" has '"check": "terminfo"' "$T/out"
	check "TERM is in terminfo" [ "$(verdict terminfo)" = "ok TERM=xterm-256color is in terminfo" ]
	check "the colours come from terminfo" [ "$(verdict colors)" = "ok $(tput -T xterm-256color colors) colours" ]
	check "a UTF-8 locale" [ "$(verdict utf8 | cut -c1-14)" = "ok a UTF-8 loc" ]
	check "the Esc delay in effect is the default" [ "$(verdict escdelay)" = "ok 25 ms (the esc_delay setting)" ]
	check "the keys are defined" [ "$(verdict keys | cut -d' ' -f1)" = ok ]
	if infocmp -x xterm-256color | grep -q 'Ms='; then
		check "OSC 52 is supported by terminfo's word" [ "$(verdict osc52 | cut -d: -f1)" = "ok supported" ]
	fi
	expect 0 "doctor with NO_COLOR and ESCDELAY" dr TERM=xterm-256color NO_COLOR=1 ESCDELAY=300
	check "says NO_COLOR turns colour off" [ "$(verdict colors)" = "ok $(tput -T xterm-256color colors) colours; NO_COLOR is set: the interface draws without colour" ]
	check "the Esc delay from the environment, with a warning" \
		[ "$(verdict escdelay)" = "warn 300 ms (ESCDELAY in the environment): Esc will feel slow" ]
	# NO_COLOR only changes the default: color = always in the file keeps the colours.
	printf '[default]\ncolor = always\n' >"$T/always.conf"
	expect 0 "doctor with NO_COLOR and color = always" dr TERM=xterm-256color NO_COLOR=1 TRUNKCTL_CONFIG="$T/always.conf"
	check "says color = always keeps the colours" [ "$(verdict colors)" = "ok $(tput -T xterm-256color colors) colours; NO_COLOR is set, but color = always ($T/always.conf:2) keeps the colours" ]
	expect 0 "doctor with color = always and --no-color" env -i HOME="$T/home" PATH=/usr/bin:/bin $san TERM=xterm-256color TRUNKCTL_CONFIG="$T/always.conf" "$bin" --no-color --data-dir "$T/data" --token-file "$T/token" --offline doctor --json
	check "says --no-color wins" [ "$(verdict colors)" = "ok $(tput -T xterm-256color colors) colours; color = never (--no-color): the interface draws without colour" ]
else
	ok "# SKIP no terminfo entry for xterm-256color"
fi
expect 0 "doctor with an unknown TERM" dr TERM=no-such-terminal LC_ALL=C
check "warns that TERM has no terminfo entry" \
	[ "$(verdict terminfo | cut -d: -f1)" = "warn TERM=no-such-terminal has no terminfo entry" ]
check "colours are unknown, not guessed" [ "$(verdict colors | cut -d: -f1)" = "ok unknown" ]
check "OSC 52 is unknown, not guessed" [ "$(verdict osc52 | cut -d: -f1)" = "ok unknown" ]
check "a non-UTF-8 locale is a warning" [ "$(verdict utf8 | cut -d' ' -f1)" = warn ]
expect 0 "doctor with TERM unset" dr
check "says TERM is unset" [ "$(verdict terminfo | cut -c1-22)" = "warn TERM is unset or " ]

echo "1..$n"
exit $failed

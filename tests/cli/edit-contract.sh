#!/bin/sh
# TAP: trunkctl edit (trunkctl(1)): the trunk as YAML in $EDITOR with each
# field's rule, only the changed fields saved and pushed, an unchanged file
# changing nothing, and an invalid value reopened with the error on top, with
# scripted editors against the fake Carrier API on 127.0.0.1.
# usage: edit-contract.sh TRUNKCTL FAKE_API
set -u
bin=$1 fake=$2
. "$(dirname "$0")/fake.sh"

start_fake --sample 2 --seed 7
# t EDITOR ARGS...: trunkctl with that editor
t() {
	ed=$1; shift
	env -i HOME="$T/home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 EDITOR="$ed" $san "$bin" \
		--api-url "$url" --data-dir "$T/data" --token-file "$T/token" "$@"
}

expect 0 "sync the samples" t true sync
# An editor that keeps a copy of what it was shown and sets max_channels.
cat >"$T/set-channels" <<EOF
#!/bin/sh
cp "\$1" "$T/shown.yaml"
sed -i 's/^  max_channels: .*/  max_channels: 7/' "\$1"
EOF
chmod +x "$T/set-channels"
expect 0 "edit sets a field and pushes it" t "$T/set-channels" edit "Sample trunk 1"
check "the update names the changed field only" has "updated Sample trunk 1: max_channels" "$T/out"
check "the file shows each field's rule as a comment" grep -q '^  # ' "$T/shown.yaml"
check "the file holds the trunk's values" grep -q 'name: "Sample trunk 1"' "$T/shown.yaml"
expect 0 "show" t true show "Sample trunk 1" --json
check "the server has the new value" jq -e '.max_channels == 7' "$T/out"
expect 0 "pending after the push" t true pending --json
check "nothing is left queued" jq -e 'length == 0' "$T/out"

# An editor that changes nothing: nothing saved, and it says so.
expect 0 "an unchanged file changes nothing" t true edit "Sample trunk 2"
check "it says the edit was cancelled" has "edit cancelled" "$T/err"

# An invalid value: the file comes back with the error on top; the second round fixes it.
cat >"$T/bad-then-good" <<EOF
#!/bin/sh
if grep -q '^# error: ' "\$1"; then
	cp "\$1" "$T/second.yaml"
	sed -i 's/^  max_channels: .*/  max_channels: 9/' "\$1"
else
	sed -i 's/^  max_channels: .*/  max_channels: -3/' "\$1"
fi
EOF
chmod +x "$T/bad-then-good"
expect 0 "an invalid value is reopened, then fixed" t "$T/bad-then-good" edit "Sample trunk 2"
check "the reopened file names the field and the rule" grep -q '^# error: max_channels: ' "$T/second.yaml"
check "the reopened file keeps the operator's text" grep -q 'max_channels: -3' "$T/second.yaml"
expect 0 "show trunk 2" t true show "Sample trunk 2" --json
check "the fixed value was saved" jq -e '.max_channels == 9' "$T/out"

# An editor that fails: nothing saved, a clear error.
expect 1 "a failing editor changes nothing" t false edit "Sample trunk 2"
check "it names the editor's status" has "exited with status 1" "$T/err"
expect 5 "edit of an unknown trunk" t true edit "No such trunk"

echo "1..$n"
exit $failed

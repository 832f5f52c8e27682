# fish completion for trunkctl(1). The candidates come from the hidden
# `trunkctl __complete WORDS...`, which reads the command, option and field
# tables, the configuration's profiles and the local store, offline. An empty
# answer falls back to file names.
function __trunkctl_candidates
    set -l words (commandline -opc) (commandline -ct)
    command trunkctl __complete $words[2..-1] 2>/dev/null
end

function __trunkctl_wants_files
    set -l found (__trunkctl_candidates)
    test (count $found) -eq 0
end

complete -c trunkctl -f -a '(__trunkctl_candidates)'
complete -c trunkctl -n __trunkctl_wants_files -F

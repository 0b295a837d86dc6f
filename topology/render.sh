# shellcheck shell=bash
# Sourced by topology/demo and topology/compose/bootstrap.sh.
#
# render TEMPLATE: prints TEMPLATE with every @NAME@ replaced by the value of
# the shell variable NAME; a placeholder whose variable is unset stops with
# the template and the name, so a typo never reaches a tetherd config.
render() {
    local template="$1" text name
    text="$(cat "$template")" || return 1
    for name in $(grep -o '@[A-Z_][A-Z0-9_]*@' "$template" | sort -u | tr -d @); do
        if [ -z "${!name+set}" ]; then
            echo "render: $template uses @$name@ but \$$name is not set" >&2
            return 1
        fi
        text="${text//"@$name@"/"${!name}"}"  # quoted: "&" in a value stays "&"
    done
    printf '%s\n' "$text"
}

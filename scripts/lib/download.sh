# shellcheck shell=bash
# Bounded, checked downloads for scripts/fetch-model, scripts/fetch-voice and scripts/install
# (sourced, not run). Bash 3.2 (macOS's /bin/bash) compatible.
#
#   dl_check_url URL [loopback-http]   is URL acceptable? Sets dl_opts (curl options) and
#                                      dl_error (why not) and returns 1 when it is not
#   dl_fetch URL FILE CAP [OFFSET]     download URL into FILE, at most CAP bytes in all
#
# Every download is bounded: by size (curl --max-filesize, and the bytes written: a chunked
# body has no length for curl to refuse up front), by stalling (under 1 KB/s for
# SPEAKJA_STALL_TIMEOUT seconds, default 30) and by a 15 s connect timeout.

# shellcheck disable=SC2034 # dl_opts, dl_error, dl_status, dl_curl_rc: for the caller
dl_stall=${SPEAKJA_STALL_TIMEOUT:-30}
[[ $dl_stall =~ ^[1-9][0-9]{0,4}$ ]] || dl_stall=30

dl_size() { wc -c <"$1" | tr -d ' '; }
dl_sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

# https anywhere; plain http only with `loopback-http` and only to this machine (a test's
# stand-in server). The host is taken from the parsed URL: no user name or password
# (`http://127.0.0.1:@elsewhere/` names the host `elsewhere`), no characters that curl and
# this check might read differently. A loopback URL never goes through a proxy.
dl_check_url() {
    local url=$1 allow=${2:-} scheme rest authority host port loopback=
    local LC_ALL=C bad='[^]A-Za-z0-9._~:/?#@!$&()*+,;=%[-]'
    dl_error='' dl_opts=()
    if [[ $url =~ $bad ]]; then
        dl_error="$url: characters that have no place in a URL"
        return 1
    fi
    case $url in
        https://*) scheme=https ;;
        http://*) scheme=http ;;
        *) dl_error="$url: https only" && return 1 ;;
    esac
    rest=${url#*://}
    authority=${rest%%[/?#]*}
    if [[ $authority == *@* ]]; then
        dl_error="$url: a user name or password in the URL is refused"
        return 1
    fi
    if [[ $authority == \[* ]]; then
        host=${authority%%]*}]
    else
        host=${authority%%:*}
    fi
    port=${authority#"$host"}
    host=$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]')
    if ! [[ $port =~ ^(:[0-9]{1,5})?$ ]] ||
        ! [[ $host =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ || $host =~ ^\[[0-9a-f:.]+\]$ ]]; then
        dl_error="$url: not a host name or address: $authority"
        return 1
    fi
    case $host in 127.0.0.1 | localhost | "[::1]") loopback=1 ;; esac
    if [[ $scheme == http && ! ($allow == loopback-http && -n $loopback) ]]; then
        if [[ $allow == loopback-http ]]; then
            dl_error="$url: https only (plain http only to 127.0.0.1, ::1 or localhost)"
        else
            dl_error="$url: https only"
        fi
        return 1
    fi
    dl_opts=(--proto "=$scheme" --proto-redir "=$scheme")
    [[ -z $loopback ]] || dl_opts+=(--noproxy '*')
    return 0
}

# Download URL ($1, checked by dl_check_url first: dl_opts) into FILE ($2): a new file, or
# with OFFSET ($4) bytes already in it, the rest appended (a range request). FILE must be a
# regular file, never a link (nothing is written through one). CAP ($3) bounds the bytes
# written in all. On failure returns 1 with dl_error saying why, dl_status holding the HTTP
# status (404 when there is no such file) and dl_curl_rc curl's exit code (33: the server
# cannot resume); FILE is left as it is (a .part to resume).
dl_fetch() {
    local url=$1 out=$2 cap=$3 offset=${4:-0} budget headers rc_curl rc_head had_e='' size
    dl_error='' dl_status='' dl_curl_rc=''
    if [[ -L $out || (-e $out && ! -f $out) ]]; then
        dl_error="$out is a link or not a regular file; refusing to write to it"
        return 1
    fi
    if [[ $offset == 0 ]]; then
        # A new file, created here (noclobber: never an existing file or link).
        rm -f "$out"
        (set -C && : >"$out") 2>/dev/null || {
            dl_error="cannot create $out"
            return 1
        }
    fi
    budget=$((cap - offset + 1))
    headers=$(mktemp "${TMPDIR:-/tmp}/speakja-headers.XXXXXX")
    local curl_args=(--fail --location --connect-timeout 15 --speed-limit 1024 --speed-time "$dl_stall"
        --max-filesize "$cap" --dump-header "$headers")
    # A progress bar in a terminal; otherwise (lazy.nvim's build, a test) errors only.
    if [[ -t 2 ]]; then curl_args+=(--progress-bar); else curl_args+=(--silent --show-error); fi
    [[ $offset == 0 ]] || curl_args+=(--continue-at "$offset")
    [[ $- == *e* ]] && had_e=1
    set +e
    curl ${dl_opts[@]+"${dl_opts[@]}"} "${curl_args[@]}" "$url" | head -c "$budget" >>"$out"
    rc_curl=${PIPESTATUS[0]} rc_head=${PIPESTATUS[1]}
    dl_curl_rc=$rc_curl
    [[ -z $had_e ]] || set -e
    dl_status=$(awk '/^HTTP\// {s = $2} END {print s}' "$headers" 2>/dev/null)
    rm -f "$headers"
    size=$(dl_size "$out")
    if ((size > cap)); then
        dl_error="$url: more than the $cap bytes expected; stopped"
    elif [[ $rc_curl == 63 ]]; then
        dl_error="$url: the server announced more than the $cap bytes expected; refused"
    elif [[ $rc_curl == 28 ]]; then
        dl_error="$url: timed out (no connection in 15 s, or under 1 KB/s for ${dl_stall} s)"
    elif [[ $rc_curl == 18 ]]; then
        dl_error="$url: the connection closed before the whole file came"
    elif [[ $rc_curl == 22 ]]; then
        dl_error="$url: HTTP ${dl_status:-error}"
    elif [[ $rc_curl != 0 ]]; then
        dl_error="$url: download failed (curl exit $rc_curl)"
    elif [[ $rc_head != 0 ]]; then
        dl_error="$url: cannot write $out"
    fi
    [[ -z $dl_error ]]
}

# shellcheck shell=bash
# Prints the Debian archive mirror this machine's apt is configured with (deb822 .sources files or
# the one-line sources.list format), skipping the security archive. The project never writes a mirror
# name into its files: it asks the machine every time. CB_DEBIAN_MIRROR wins: where apt's sources are
# not a plain Debian archive (GitHub's Ubuntu runners list `mirror+file:` URIs of Ubuntu's archive,
# which has no Debian suites and which debootstrap cannot read), the caller names one.
apt_mirror() {
  local f uri=""
  if [[ -n ${CB_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "${CB_DEBIAN_MIRROR%/}"
    return
  fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [[ -n $uri ]] && break
  done
  if [[ -z $uri && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } break } }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || return 1
  # debootstrap reads http(s) and file: archives only.
  [[ $uri =~ ^(https?|file):// ]] || {
    printf 'apt lists %s, which debootstrap cannot read: set CB_DEBIAN_MIRROR to a Debian archive\n' "$uri" >&2
    return 1
  }
  printf '%s\n' "${uri%/}"
}

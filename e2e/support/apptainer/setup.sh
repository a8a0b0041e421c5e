#!/usr/bin/env bash
# Provides a real Apptainer for the e2e tests on a Debian host that has no
# apptainer package: builds a Debian sid root folder holding Apptainer 1.4
# once, into a cache folder, and checks that the wrapper in ./bin can run it.
#
# Safe to run again and again: an existing, complete root is reused.
#
# Environment:
#   NX_PEPPY_APPTAINER_ROOT    where the root lives
#                              (default /var/cache/nx-peppy/apptainer-root)
#   NX_PEPPY_DEBIAN_MIRROR     Debian mirror for debootstrap
#                              (default: the first one in the host's apt sources)
#   NX_PEPPY_APPTAINER_SUITE   Debian suite for the root (default sid)
#   NX_PEPPY_APPTAINER_REBUILD set to 1 to throw the root away and build it anew
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
wrapper="$here/bin/apptainer"
root=${NX_PEPPY_APPTAINER_ROOT:-/var/cache/nx-peppy/apptainer-root}
suite=${NX_PEPPY_APPTAINER_SUITE:-sid}
marker_name=.nx-peppy-apptainer-ready
host_packages=(bubblewrap debootstrap busybox-static)
root_packages=apptainer,ca-certificates,debootstrap,squashfuse,fuse3,busybox-static

say() { printf '[apptainer setup] %s\n' "$*"; }
fail() {
  printf '[apptainer setup] FAILED: %s\n' "$*" >&2
  exit 1
}

case $root in
  /*) ;;
  *) fail "NX_PEPPY_APPTAINER_ROOT must be an absolute path, got '$root'" ;;
esac
root=${root%/}
[[ -n $root && $root != / ]] || fail "NX_PEPPY_APPTAINER_ROOT must not be /"

# 1. A native apptainer (not our wrapper) makes all of this unnecessary.
if native=$(command -v apptainer 2>/dev/null) && [[ -n $native ]]; then
  # Any copy of this wrapper (this clone or another) names its root variable.
  if [[ $(readlink -f "$native") != "$(readlink -f "$wrapper")" ]] &&
    ! grep -q NX_PEPPY_APPTAINER_ROOT "$native" 2>/dev/null; then
    say "native apptainer found at $native ($("$native" --version 2>/dev/null || echo 'version unknown')); nothing to do"
    exit 0
  fi
fi

# 2. Host packages.
missing=()
for pkg in "${host_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  ((EUID == 0)) || fail "host packages missing (${missing[*]}) and not running as root: install them with apt-get first"
  say "installing host packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null >/tmp/nx-peppy-apt.log 2>&1 ||
    { cat /tmp/nx-peppy-apt.log >&2; fail "apt-get update"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>/tmp/nx-peppy-apt.log 2>&1 ||
    { cat /tmp/nx-peppy-apt.log >&2; fail "apt-get install ${missing[*]}"; }
  rm -f /tmp/nx-peppy-apt.log
else
  say "host packages present: ${host_packages[*]}"
fi

# The Debian mirror the host's apt already uses (deb822 .sources first,
# then one-line lists), unless set by the caller.
find_mirror() {
  local file uri
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    uri=$(awk 'tolower($1) == "uris:" { print $2; exit }' "$file")
    if [[ $uri == http*://* && $uri != *security* ]]; then
      printf '%s\n' "${uri%/}"
      return
    fi
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }' "$file")
    if [[ -n $uri && $uri != *security* ]]; then
      printf '%s\n' "${uri%/}"
      return
    fi
  done
  printf '%s\n' http://deb.debian.org/debian
}

root_ready() { [[ -f $root/$marker_name && -x $root/usr/bin/apptainer ]]; }

# Removes a folder that may still have mounts in it (an interrupted
# debootstrap can leave proc or sys mounted) without crossing into them.
remove_tree() {
  local dir=$1 mnt
  [[ -e $dir ]] || return 0
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$dir"
}

# 3. The root. A lock keeps two runs from building at the same time.
mkdir -p "$(dirname "$root")" || fail "cannot create $(dirname "$root")"
exec 9>"$root.lock" || fail "cannot write the lock file $root.lock"
if ! flock -n 9; then
  say "another setup run is building the root; waiting for it"
  flock 9
fi

if [[ ${NX_PEPPY_APPTAINER_REBUILD:-} == 1 && -e $root ]]; then
  say "rebuild asked for: removing $root"
  ((EUID == 0)) || fail "removing $root needs root"
  remove_tree "$root"
fi

if root_ready; then
  say "root ready at $root ($(cat "$root/$marker_name"))"
else
  ((EUID == 0)) || fail "the Apptainer root $root is missing and building it needs root (debootstrap)"
  # Leftovers of interrupted runs: half-made roots never carry the marker.
  for stale in "$root".partial.*; do
    [[ -e $stale ]] || continue
    say "removing leftover $stale"
    remove_tree "$stale"
  done
  if [[ -e $root ]]; then
    say "removing incomplete root $root"
    remove_tree "$root"
  fi

  mirror=${NX_PEPPY_DEBIAN_MIRROR:-$(find_mirror)}
  work="$root.partial.$$"
  started=$SECONDS
  say "building the Debian $suite root with Apptainer from $mirror (takes about a minute)"
  trap 'remove_tree "$work"' EXIT
  if ! debootstrap --variant=minbase --include="$root_packages" "$suite" "$work" "$mirror" \
    </dev/null >"$work.log" 2>&1; then
    tail -n 30 "$work.log" >&2
    [[ -f $work/debootstrap/debootstrap.log ]] && tail -n 30 "$work/debootstrap/debootstrap.log" >&2
    rm -f "$work.log"
    fail "debootstrap of Debian $suite into $work (mirror $mirror)"
  fi
  rm -f "$work.log"

  say "configuring the root"
  cp -L /etc/hosts "$work/etc/hosts" || fail "copying /etc/hosts into the root"
  rm -f "$work/etc/resolv.conf"
  cp -L /etc/resolv.conf "$work/etc/resolv.conf" || fail "copying /etc/resolv.conf into the root"
  # Subordinate ids so that `apptainer build --fakeroot` works as root.
  for idfile in subuid subgid; do
    grep -q '^root:' "$work/etc/$idfile" 2>/dev/null || echo 'root:100000:65536' >>"$work/etc/$idfile"
  done
  conf="$work/etc/apptainer/apptainer.conf"
  [[ -f $conf ]] || fail "the root has no $conf: did the apptainer package install?"
  # The default asks for every capability for root, and the bounding set of
  # some CI machines lacks some of them (CAP_SYS_RESOURCE), so runs fail.
  if grep -q '^root default capabilities' "$conf"; then
    sed -i 's/^root default capabilities.*/root default capabilities = no/' "$conf"
  else
    echo 'root default capabilities = no' >>"$conf"
  fi
  # The root's binaries need its newer C library, so ask its dpkg database.
  version=$(dpkg-query --admindir="$work/var/lib/dpkg" -W -f='apptainer ${Version}' apptainer 2>/dev/null) ||
    version="apptainer (version unknown)"
  printf '%s, Debian %s, built %s\n' "$version" "$suite" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    >"$work/$marker_name"
  mv -T "$work" "$root" || fail "renaming $work to $root"
  trap - EXIT
  say "root built in $((SECONDS - started)) s: $root"
fi

# 4. Prove that the wrapper runs it.
if ! out=$(NX_PEPPY_APPTAINER_ROOT=$root "$wrapper" --version 2>&1); then
  printf '%s\n' "$out" >&2
  fail "'$wrapper --version' did not run"
fi
say "ready: $out"
say "use $wrapper, or put $(dirname "$wrapper") first on PATH"

#!/usr/bin/env bash
# Tessera set-up: system packages (apt), a virtual environment in .venv, then run or test.
#
#   ./packaging/setup.sh run  [tessera args...]   set up, then start the console (demo hub)
#   ./packaging/setup.sh test [pytest args...]    set up, then ruff, ruff format, mypy, lint-imports, pytest
#   ./packaging/setup.sh setup                    set up only
#
# Environment: TESSERA_SKIP_APT=1 skips the system-package step entirely.
# See packaging/README.md.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
STAMP="$VENV/.tessera-installed"
# Bump when the pip install line below changes, so existing stamps stop matching.
INSTALL_RECIPE="pip install -e .[test] v2"

# System packages. "a|b" means: either is fine; when neither is installed, install the first one
# the apt sources offer (Ubuntu 24.04 and Debian 13 renamed some libraries with a t64 suffix).
APT_PACKAGES=(
  # libvlc: decoding (video callbacks) and rendering into a native window
  libvlc5 vlc-plugin-base vlc-plugin-video-output
  # a virtual X display for the native-window tests
  xvfb xauth
  # Qt 6 runtime libraries for the xcb and offscreen platform plugins
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1 libxcb-render-util0
  libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0
  "libglib2.0-0t64|libglib2.0-0"
  # alarm sounds (aplay) and desktop notifications (notify-send); the tests deliver them to a
  # real notification daemon (dunst) on a private session bus
  alsa-utils libnotify-bin "dbus-daemon|dbus" dunst
)
PYTHON_APT_PACKAGES=(python3 python3-venv python3-pip)
# Only for the tests (modes test and setup): the third-party peers the drivers are tested against.
TEST_APT_PACKAGES=(
  # a real RTSP server (GStreamer's, driven by Debian's python3: gi does not load in a venv),
  # serving H.264 (x264enc, ugly), H.265 (x265enc, bad) and MJPEG (good)
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
  # ipycam, the ONVIF camera the tests run, streams RTSP through the ffmpeg binary
  ffmpeg
)
# The ONVIF test camera (PyPI's only ONVIF device) needs the full opencv-python wheel, which
# bundles Qt 5: it gets a virtual environment of its own, never the project's .venv.
PEERS_DIR_NAME=".peers"
IPYCAM_REQUIREMENT="ipycam==1.3.0"
WITH_TEST_PEERS=0

say() { printf '==> %s\n' "$*"; }
warn() { printf '==> warning: %s\n' "$*" >&2; }
die() {
  printf '==> error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Usage: ./packaging/setup.sh MODE [ARGS...]

Modes:
  run  [ARGS...]   install what is missing, then start the console (.venv/bin/tessera ARGS...)
                   e.g. ./packaging/setup.sh run --layout 2x2
                        ./packaging/setup.sh run --screenshot wall.png --after 5
  test [ARGS...]   install what is missing, then run ruff check, ruff format --check, mypy,
                   lint-imports and pytest ARGS... (under QT_QPA_PLATFORM=offscreen)
  setup            install what is missing, nothing else
  -h, --help       this text

System packages come from apt (as root, or through sudo); set TESSERA_SKIP_APT=1 to skip that
step on machines where packages are managed otherwise. Python packages go to .venv in the
repository root. See packaging/README.md.
EOF
}

# ---------------------------------------------------------------------------------------------
# System packages

is_installed() { # PKG: true when dpkg knows it as installed
  local status
  status="$(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null || true)"
  [[ "$status" == *"install ok installed"* ]]
}

entry_installed() { # "a|b|c": true when any alternative is installed
  local alt
  local -a alts
  IFS='|' read -r -a alts <<<"$1"
  for alt in "${alts[@]}"; do
    if is_installed "$alt"; then
      return 0
    fi
  done
  return 1
}

apt_candidate() { # PKG: true when the apt sources offer a version of it
  local candidate
  candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')"
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

resolve_entry() { # "a|b|c": print the first alternative that apt can install
  local alt
  local -a alts
  IFS='|' read -r -a alts <<<"$1"
  for alt in "${alts[@]}"; do
    if apt_candidate "$alt"; then
      printf '%s\n' "$alt"
      return 0
    fi
  done
  return 1
}

manual_install_help() { # REASON ENTRY...: say what to install by hand, then exit
  local reason="$1" entry
  local -a names=()
  shift
  for entry in "$@"; do
    names+=("$(resolve_entry "${entry}" || printf '%s\n' "${entry%%|*}")")
  done
  {
    printf '==> error: %s; these system packages are missing:\n' "${reason}"
    printf '      %s\n' "${*//|/ or }"
    printf '    Install them as root:\n'
    printf '      apt-get update && apt-get install -y --no-install-recommends %s\n' "${names[*]}"
    printf '    then run this again, or set TESSERA_SKIP_APT=1 if they come from elsewhere.\n'
  } >&2
  exit 1
}

install_system_packages() { # ENTRY...: install the entries that are missing
  local entry pick
  local -a missing=() resolved=() as_root=()

  for entry in "$@"; do
    if ! entry_installed "${entry}"; then
      missing+=("${entry}")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say "system packages present"
    return 0
  fi

  if ((EUID == 0)); then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    manual_install_help "not root, and no sudo" "${missing[@]}"
  fi

  say "updating apt package lists${as_root:+ (with sudo)}"
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=120 -q update >/dev/null; then
    manual_install_help "apt-get update failed${as_root:+ (no sudo rights?)}" "${missing[@]}"
  fi

  for entry in "${missing[@]}"; do
    pick="$(resolve_entry "${entry}")" ||
      die "no apt source offers ${entry//|/ or }; install it by hand, or set TESSERA_SKIP_APT=1"
    resolved+=("${pick}")
  done

  say "installing system packages: ${resolved[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=120 -q install -y --no-install-recommends "${resolved[@]}"
}

# ---------------------------------------------------------------------------------------------
# Python

python_usable() { # PYTHON: >= 3.10 and able to create a virtual environment with pip
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1 &&
    "$1" -m venv --help >/dev/null 2>&1 &&
    "$1" -c 'import ensurepip' >/dev/null 2>&1
}

venv_python_works() {
  [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

install_hash() {
  {
    cat "$REPO_ROOT/pyproject.toml"
    "$VENV/bin/python" -c 'import sys; print(sys.version)'
    printf '%s\n%s\n' "$INSTALL_RECIPE" "$REPO_ROOT"
  } | sha256sum | cut -d' ' -f1
}

setup_venv() { # PYTHON
  local python="$1" want
  if [[ -e "$VENV" ]] && ! venv_python_works; then
    say "$VENV is broken (no working python): recreating it"
    rm -rf "$VENV"
  fi
  if [[ ! -e "$VENV" ]]; then
    say "creating virtual environment .venv with $("$python" --version 2>&1) ($python)"
    "$python" -m venv "$VENV"
  fi
  want="$(install_hash)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$VENV/bin/tessera" ]]; then
    say "python packages up to date"
    return 0
  fi
  if [[ ! -w "$VENV" ]]; then
    die "$VENV is not writable by $(id -un) (created with sudo?); remove it and run again"
  fi
  say "installing python packages into .venv: pip install -e '.[test]' (first time: a few minutes)"
  rm -f "$STAMP"
  (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
    -e '.[test]')
  printf '%s\n' "$want" >"$STAMP"
  say "python packages installed"
}

setup() {
  local python="" packages=("${APT_PACKAGES[@]}")
  if ((WITH_TEST_PEERS)); then
    packages+=("${TEST_APT_PACKAGES[@]}")
  fi

  if command -v python3 >/dev/null 2>&1 && python_usable python3; then
    python="$(command -v python3)"
  else
    say "no python3 >= 3.10 with venv on PATH: using Debian's python3"
    packages=("${PYTHON_APT_PACKAGES[@]}" "${packages[@]}")
  fi

  if [[ "${TESSERA_SKIP_APT:-0}" == 1 ]]; then
    say "TESSERA_SKIP_APT=1: not checking system packages"
  elif ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    die "no dpkg/apt here; install the equivalents of: ${packages[*]//|/ or }, then run again with TESSERA_SKIP_APT=1"
  else
    if ((EUID == 0)) && [[ -n "${SUDO_USER:-}" && ! -e "$VENV" ]]; then
      warn "running under sudo: .venv will belong to root, not $SUDO_USER (run without sudo to avoid that)"
    fi
    install_system_packages "${packages[@]}"
  fi

  if [[ -z "$python" ]]; then
    python=/usr/bin/python3
    python_usable "$python" ||
      die "no usable python3 >= 3.10 with venv (tried python3 on PATH and $python)"
  fi
  setup_venv "$python"
  if ((WITH_TEST_PEERS)); then
    setup_peer_venv "$python"
  fi
}

setup_peer_venv() { # PYTHON: the ONVIF test camera's own virtual environment, .peers/ipycam
  local peer="$REPO_ROOT/$PEERS_DIR_NAME/ipycam" stamp
  stamp="$peer/.tessera-installed"
  if [[ -x "$peer/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$IPYCAM_REQUIREMENT" ]]; then
    return 0
  fi
  say "creating the ONVIF test camera's environment $PEERS_DIR_NAME/ipycam ($IPYCAM_REQUIREMENT)"
  rm -rf "$peer"
  "$1" -m venv "$peer"
  "$peer/bin/python" -m pip install --disable-pip-version-check -q "$IPYCAM_REQUIREMENT" ||
    die "pip install $IPYCAM_REQUIREMENT failed (see above)"
  printf '%s\n' "$IPYCAM_REQUIREMENT" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# Modes

mode_run() {
  local arg screenshot=0
  for arg in "$@"; do
    case "$arg" in
      --screenshot | --screenshot=*) screenshot=1 ;;
    esac
  done
  if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    if ((screenshot == 0)); then
      say "no display (DISPLAY and WAYLAND_DISPLAY are unset): the console runs offscreen, unseen."
      say "to see the wall, take a screenshot instead, e.g.:"
      say "  ./packaging/setup.sh run --screenshot wall.png --after 5"
    fi
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
  fi
  say "starting: tessera $*"
  exec "$VENV/bin/tessera" "$@"
}

# The suite in two passes: every test not marked `serial` on TESSERA_TEST_WORKERS pytest-xdist
# workers (default 3: the suite mostly waits on sockets, players and child processes, so a
# third worker still gains on two cores), then the `serial` ones in one process, alone (they
# assert wall-clock bounds or load every core on purpose). ARGS go to both passes; a pass that
# selects no test (exit 5) is no failure unless both do. TESSERA_TEST_WORKERS=0 (or 1): one
# pass, one process, everything in it, as with `python -m pytest ARGS` (use that with your own
# -m, which would replace the passes' own).
run_pytest() { # ARGS...
  local workers="${TESSERA_TEST_WORKERS:-3}" parallel_rc=0 serial_rc=0
  if ! [[ "$workers" =~ ^[0-9]+$ ]]; then
    die "TESSERA_TEST_WORKERS must be a number of workers, not '$workers'"
  fi
  if ((workers <= 1)); then
    say "step: pytest $*"
    "$VENV/bin/python" -m pytest "$@"
    return
  fi
  say "step: pytest, parallel pass: -n $workers --dist loadgroup -m 'not serial' $*"
  "$VENV/bin/python" -m pytest -n "$workers" --dist loadgroup -m "not serial" "$@" ||
    parallel_rc=$?
  say "step: pytest, serial pass: -p no:xdist -m serial $*"
  "$VENV/bin/python" -m pytest -p no:xdist -m serial "$@" || serial_rc=$?
  if ((parallel_rc == 5 && serial_rc == 5)); then
    return 5
  fi
  ((parallel_rc == 5)) && parallel_rc=0
  ((serial_rc == 5)) && serial_rc=0
  if ((parallel_rc != 0)); then
    return "$parallel_rc"
  fi
  return "$serial_rc"
}

mode_test() {
  local rc=0 pytest_rc=0
  local -a failed=()
  export QT_QPA_PLATFORM=offscreen
  cd "$REPO_ROOT"

  say "step: ruff check ."
  "$VENV/bin/ruff" check . || failed+=("ruff check")
  say "step: ruff format --check ."
  "$VENV/bin/ruff" format --check . || failed+=("ruff format")
  say "step: mypy"
  "$VENV/bin/mypy" || failed+=("mypy")
  say "step: lint-imports (layer and adapter contracts, pyproject.toml)"
  "$VENV/bin/lint-imports" --no-cache || failed+=("lint-imports")
  run_pytest "$@" || pytest_rc=$?
  if ((pytest_rc != 0)); then
    failed+=("pytest (exit $pytest_rc)")
  fi

  if ((${#failed[@]} == 0)); then
    say "all steps passed"
    return 0
  fi
  say "failed: $(printf '%s, ' "${failed[@]}" | sed 's/, $//')"
  # pytest's own exit code wins (5 = no tests collected stays an error); else 1.
  rc=$((pytest_rc != 0 ? pytest_rc : 1))
  return "$rc"
}

main() {
  local mode="${1:-}"
  case "$mode" in
    run | test | setup) shift ;;
    -h | --help | help)
      usage
      return 0
      ;;
    *)
      usage >&2
      [[ -z "$mode" ]] || printf '\n==> error: unknown mode: %s\n' "$mode" >&2
      return 2
      ;;
  esac

  cd "$REPO_ROOT"
  if [[ "$mode" != run ]]; then
    WITH_TEST_PEERS=1
  fi
  setup
  case "$mode" in
    run) mode_run "$@" ;;
    test) mode_test "$@" ;;
    setup) say "set-up done" ;;
  esac
}

main "$@"

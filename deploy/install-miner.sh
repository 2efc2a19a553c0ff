#!/bin/bash
# Installs the Pithead compute miner as a systemd service:
#   - the config /etc/pithead/miner.conf, written (mode 600) only when missing: an edited
#     config is never overwritten, so running the installer again is safe;
#   - a dedicated system user and its WORK_DIR (mode 700);
#   - the hardened unit, a GPU drop-in when nvidia-smi answers, and the logrotate file;
#   - the app itself under --app-dir (a copy of this checkout), unless --skip-app.
# With --root DIR (or DESTDIR=DIR) everything is written below DIR and the system is not
# touched (no user created, no systemctl): that is how the tests run it.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: install-miner.sh [options]
  --root DIR          install below DIR instead of / (default: $DESTDIR or /)
  --app-dir DIR       where the Pithead app lives (default /opt/pithead)
  --skip-app          do not copy this checkout to --app-dir (it is already there)
  --work-dir DIR      the miner's WORK_DIR (default /var/lib/pithead-miner)
  --user NAME         service user (default pithead-miner)
  --node PATH         node binary for ExecStart (default: node on PATH)
  --gpu auto|yes|no   add the NVIDIA device drop-in (default auto: when nvidia-smi answers)
  --coord-url URL     COORD_URL for a new config
  --wallet ADDR       WALLET_ADDR for a new config
  --api-key KEY       API_KEY for a new config (else CHANGE_ME)
  --start             enable and start the service now (system installs only)
  -h, --help          this help
USAGE
}

ROOT="${DESTDIR:-/}"
APP_DIR=/opt/pithead
SKIP_APP=0
WORK_DIR=/var/lib/pithead-miner
SVC_USER=pithead-miner
NODE_BIN="$(command -v node || true)"
GPU=auto
COORD_URL="http://127.0.0.1:8080"
WALLET="wallet_demo"
API_KEY="CHANGE_ME"
START=0

need() { [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) need "$@"; ROOT="$2"; shift 2 ;;
    --app-dir) need "$@"; APP_DIR="$2"; shift 2 ;;
    --skip-app) SKIP_APP=1; shift ;;
    --work-dir) need "$@"; WORK_DIR="$2"; shift 2 ;;
    --user) need "$@"; SVC_USER="$2"; shift 2 ;;
    --node) need "$@"; NODE_BIN="$2"; shift 2 ;;
    --gpu) need "$@"; GPU="$2"; shift 2 ;;
    --coord-url) need "$@"; COORD_URL="$2"; shift 2 ;;
    --wallet) need "$@"; WALLET="$2"; shift 2 ;;
    --api-key) need "$@"; API_KEY="$2"; shift 2 ;;
    --start) START=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$GPU" in auto|yes|no) ;; *) echo "error: --gpu must be auto, yes or no" >&2; exit 2 ;; esac
case "$WORK_DIR$APP_DIR" in *[[:space:]]*) echo "error: --work-dir and --app-dir must not contain spaces" >&2; exit 2 ;; esac
case "$WORK_DIR" in /*) ;; *) echo "error: --work-dir must be an absolute path" >&2; exit 2 ;; esac
case "$APP_DIR" in /*) ;; *) echo "error: --app-dir must be an absolute path" >&2; exit 2 ;; esac
[[ "$SVC_USER" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || { echo "error: --user must be a plain user name" >&2; exit 2; }
[ -n "$NODE_BIN" ] || { echo "error: node not found on PATH; pass --node /path/to/node (Node 24+)" >&2; exit 1; }
case "$NODE_BIN" in
  /home/*|/root/*) echo "warning: $NODE_BIN is under a home directory, which ProtectHome=yes hides from the service" >&2 ;;
esac
# Values go into a KEY="value" file: refuse what would break its quoting.
for value in "$COORD_URL" "$WALLET" "$API_KEY"; do
  case "$value" in *[\"\\\$\`]*|*$'\n'*) echo "error: config values must not contain quotes, backslashes, \$ or backticks" >&2; exit 2 ;; esac
done

ROOT="${ROOT%/}"
SYSTEM=0
[ -z "$ROOT" ] && SYSTEM=1
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SRC/.." && pwd)"
say() { echo "[install-miner] $*"; }

user_exists() { id -u "$SVC_USER" >/dev/null 2>&1; }

# 1. The service user (system installs only).
if [ "$SYSTEM" = 1 ] && ! user_exists; then
  useradd --system --home-dir "$WORK_DIR" --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
  say "created system user $SVC_USER"
fi

# 2. WORK_DIR, private to the service user.
install -d -m 700 "$ROOT$WORK_DIR"
if [ "$SYSTEM" = 1 ]; then chown "$SVC_USER:$SVC_USER" "$ROOT$WORK_DIR"; fi

# 3. The config: only when missing, mode 600 (it holds API_KEY).
CONF="$ROOT/etc/pithead/miner.conf"
install -d -m 755 "$ROOT/etc/pithead"
if [ -e "$CONF" ]; then
  say "keeping existing $CONF"
else
  old_umask="$(umask)"
  umask 077
  tmp="$(mktemp "$ROOT/etc/pithead/.miner.conf.XXXXXX")"
  sed -e "s|^COORD_URL=.*|COORD_URL=\"$COORD_URL\"|" \
      -e "s|^WALLET_ADDR=.*|WALLET_ADDR=\"$WALLET\"|" \
      -e "s|^API_KEY=.*|API_KEY=\"$API_KEY\"|" \
      -e "s|^WORK_DIR=.*|WORK_DIR=\"$WORK_DIR\"|" \
      "$SRC/miner.conf.example" >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$CONF"
  umask "$old_umask"
  say "wrote $CONF (mode 600); set API_KEY and WALLET_ADDR in it"
fi
chmod 600 "$CONF"

# 4. The app.
if [ "$SKIP_APP" = 0 ]; then
  if [ "$REPO" -ef "$ROOT$APP_DIR" ]; then
    say "app already at $APP_DIR"
  else
    install -d -m 755 "$ROOT$APP_DIR"
    cp -a "$REPO/package.json" "$REPO/packages" "$REPO/node_modules" "$ROOT$APP_DIR/"
    say "copied the app to $APP_DIR"
  fi
fi

# 5. The unit, its GPU drop-in, logrotate.
UNIT_DIR="$ROOT/etc/systemd/system"
install -d -m 755 "$UNIT_DIR"
sed -e "s|@USER@|$SVC_USER|g" -e "s|@WORK_DIR@|$WORK_DIR|g" -e "s|@NODE@|$NODE_BIN|g" -e "s|@APP_DIR@|$APP_DIR|g" \
  "$SRC/pithead-miner.service" >"$UNIT_DIR/pithead-miner.service"
chmod 644 "$UNIT_DIR/pithead-miner.service"
if [ "$GPU" = yes ] || { [ "$GPU" = auto ] && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; }; then
  install -d -m 755 "$UNIT_DIR/pithead-miner.service.d"
  install -m 644 "$SRC/pithead-miner-gpu.conf" "$UNIT_DIR/pithead-miner.service.d/gpu.conf"
  say "NVIDIA GPU: installed the device drop-in"
fi
install -d -m 755 "$ROOT/etc/logrotate.d"
sed -e "s|pithead-miner pithead-miner|$SVC_USER $SVC_USER|g" "$SRC/pithead-miner.logrotate" >"$ROOT/etc/logrotate.d/pithead-miner"
chmod 644 "$ROOT/etc/logrotate.d/pithead-miner"
say "installed $UNIT_DIR/pithead-miner.service and /etc/logrotate.d/pithead-miner"

# 6. systemd (system installs only).
if [ "$SYSTEM" = 1 ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  if [ "$START" = 1 ]; then
    systemctl enable --now pithead-miner.service
    say "started: journalctl -u pithead-miner -f, or tail -f /var/log/pithead-miner/miner.log"
  else
    say "next: edit /etc/pithead/miner.conf, then: systemctl enable --now pithead-miner"
  fi
fi

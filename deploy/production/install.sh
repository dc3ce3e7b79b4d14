#!/usr/bin/env bash
# Install the course on one server with real system users (run as root).
#
#   sudo deploy/production/install.sh                 # defaults below
#   sudo PREFIX=/opt/pich TRAINEES="ana ben" TUTORS="dr_lee" deploy/production/install.sh
#
# What it does, every step safe to repeat (run it again to add people or update the course):
#   1. a Python environment from requirements.lock in $PREFIX/venv, readable by all users
#      (a Python inside root's home folder cannot be run by other users);
#   2. system accounts: $GRADER owns the course folder and runs the formgrader service;
#      each name in $TUTORS and $TRAINEES gets an account (skip if your logins create them)
#      and joins the tutors' or trainees' group; it sets no passwords (see the admin guide);
#   3. the course folder $COURSE_DIR (source, release, data, notebooks, config), owned by
#      $GRADER and readable by the tutors' group only;
#   4. nbgrader's exchange $EXCHANGE (world-writable with the sticky bit, as nbgrader asks;
#      nbgrader itself makes the inbound folder unlistable and feedback unguessable);
#   5. settings: $PREFIX/etc/pich.env (root-only; lines already there are kept, new ones
#      added), the hub's configuration and systemd unit in $PREFIX/etc, the hub's own state
#      folder $HUB_DIR (root-only), /etc/jupyter/nbgrader_config.py for every user;
#   6. every assignment not yet in the exchange generated and released, as $GRADER, and
#      00_start_here.ipynb in the home of each new tutor and trainee.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=${PREFIX:-/opt/pich}
SETTINGS=$PREFIX/etc/pich.env

# A value already in the settings file wins over the default (the admin may have edited it).
setting() { { [ -f "$SETTINGS" ] && sed -n "s/^$1=//p" "$SETTINGS" | tail -n 1; } || true; }
COURSE_ID=${COURSE_ID:-$(setting CHANGEKIT_COURSE_ID)}; COURSE_ID=${COURSE_ID:-pich-leadership}
COURSE_DIR=${COURSE_DIR:-$(setting CHANGEKIT_COURSE_ROOT)}; COURSE_DIR=${COURSE_DIR:-/srv/pich/course}
EXCHANGE=${EXCHANGE:-$(setting CHANGEKIT_EXCHANGE)}; EXCHANGE=${EXCHANGE:-/srv/nbgrader/exchange}
GRADER=${GRADER:-$(setting CHANGEKIT_GRADER)}; GRADER=${GRADER:-grader-$COURSE_ID}
HUB_DIR=${HUB_DIR:-$(setting CHANGEKIT_HUB_DIR)}; HUB_DIR=${HUB_DIR:-$PREFIX/hub}
TUTORS_GROUP=${TUTORS_GROUP:-$(setting CHANGEKIT_TUTORS_GROUP)}; TUTORS_GROUP=${TUTORS_GROUP:-formgrade-$COURSE_ID}
TRAINEES_GROUP=${TRAINEES_GROUP:-$(setting CHANGEKIT_TRAINEES_GROUP)}; TRAINEES_GROUP=${TRAINEES_GROUP:-nbgrader-$COURSE_ID}
TUTORS=${TUTORS:-}
TRAINEES=${TRAINEES:-}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}
JUPYTER_ETC=${JUPYTER_ETC:-/etc/jupyter}
VENV_BIN=$PREFIX/venv/bin

[ "$(id -u)" = 0 ] || { echo "Run this as root (it creates users and folders)." >&2; exit 1; }
[ -x "$SYSTEM_PYTHON" ] || { echo "No $SYSTEM_PYTHON: install Debian's python3 and python3-venv." >&2; exit 1; }
umask 022

echo "1. Python environment in $PREFIX/venv"
mkdir -p "$PREFIX/etc" "$PREFIX/bin"
chmod 755 "$PREFIX" "$PREFIX/etc" "$PREFIX/bin"
[ -x "$VENV_BIN/python" ] || "$SYSTEM_PYTHON" -m venv "$PREFIX/venv"
"$VENV_BIN/python" -m pip install -q --disable-pip-version-check --no-deps -r "$REPO/requirements.lock"
"$VENV_BIN/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation "$REPO"
chmod -R a+rX "$PREFIX/venv"

echo "2. Accounts"
getent group "$TUTORS_GROUP" >/dev/null || groupadd "$TUTORS_GROUP"
getent group "$TRAINEES_GROUP" >/dev/null || groupadd "$TRAINEES_GROUP"
id "$GRADER" >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin "$GRADER"
for user in $TUTORS; do
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  usermod -aG "$TUTORS_GROUP" "$user"
done
for user in $TRAINEES; do
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  usermod -aG "$TRAINEES_GROUP" "$user"
  chmod 700 "$(getent passwd "$user" | cut -d: -f6)"
done

echo "3. Course folder $COURSE_DIR"
mkdir -p "$COURSE_DIR/var"
for part in source release data notebooks nbgrader_config.py; do
  rm -rf "${COURSE_DIR:?}/$part"
  cp -r "$REPO/$part" "$COURSE_DIR/$part"
done
# What nbgrader run by hand in the course folder needs to find this server's exchange
# (nbgrader_config.py reads it; nothing secret).
cat > "$COURSE_DIR/server.env" <<COURSE_SETTINGS
# Written by deploy/production/install.sh on every run: this server's paths for nbgrader.
CHANGEKIT_COURSE_ID=$COURSE_ID
CHANGEKIT_EXCHANGE=$EXCHANGE
CHANGEKIT_STATE_DIR=$COURSE_DIR/var
COURSE_SETTINGS
chown -R "$GRADER:$TUTORS_GROUP" "$COURSE_DIR"
chmod -R u+rwX,g+rX,g-w,o-rwx "$COURSE_DIR"

echo "4. Exchange $EXCHANGE"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"

echo "5. Settings and configuration"
( umask 077; touch "$SETTINGS" )
chown root:root "$SETTINGS"
chmod 600 "$SETTINGS"
add_setting() {  # KEY VALUE: add the line unless the file already sets KEY (then say which value stays)
  local kept
  kept=$(setting "$1")
  if ! grep -q "^$1=" "$SETTINGS"; then
    echo "$1=$2" >> "$SETTINGS"
  elif [ "$kept" != "$2" ]; then
    echo "   $SETTINGS keeps $1=$kept (not $2)"
  fi
}
add_setting CHANGEKIT_PREFIX "$PREFIX"
add_setting CHANGEKIT_COURSE_ID "$COURSE_ID"
add_setting CHANGEKIT_COURSE_ROOT "$COURSE_DIR"
add_setting CHANGEKIT_STATE_DIR "$COURSE_DIR/var"
add_setting CHANGEKIT_EXCHANGE "$EXCHANGE"
add_setting CHANGEKIT_GRADER "$GRADER"
add_setting CHANGEKIT_HUB_DIR "$HUB_DIR"
add_setting CHANGEKIT_TUTORS_GROUP "$TUTORS_GROUP"
add_setting CHANGEKIT_TRAINEES_GROUP "$TRAINEES_GROUP"
add_setting CHANGEKIT_AUTH pam
add_setting CHANGEKIT_PORT 8000

install -d -o root -g root -m 700 "$HUB_DIR"
# Installs before this one kept the hub's state in the course folder, where the grader and
# tutors could read it: move the database here and drop that cookie secret (a new one is made).
if [ -f "$COURSE_DIR/var/jupyterhub.sqlite" ] && [ ! -L "$COURSE_DIR/var/jupyterhub.sqlite" ] &&
   [ ! -e "$HUB_DIR/jupyterhub.sqlite" ]; then
  mv "$COURSE_DIR/var/jupyterhub.sqlite" "$HUB_DIR/jupyterhub.sqlite"
  echo "   moved the hub's database from $COURSE_DIR/var to $HUB_DIR"
fi
rm -f "$COURSE_DIR/var/jupyterhub.sqlite" "$COURSE_DIR/var/jupyterhub_cookie_secret"
chown -R root:root "$HUB_DIR"
chmod -R go-rwx "$HUB_DIR"

mkdir -p "$JUPYTER_ETC"
cat > "$JUPYTER_ETC/nbgrader_config.py" <<CONFIG
# Written by deploy/production/install.sh: the course every user of this server sees.
c = get_config()
c.CourseDirectory.course_id = "$COURSE_ID"
c.Exchange.root = "$EXCHANGE"
c.Exchange.path_includes_course = True
CONFIG
chmod 644 "$JUPYTER_ETC/nbgrader_config.py"
# Every user's own server: course and exchange, and no formgrader or assignment-creation tools.
"$VENV_BIN/python" -c 'import sys; from pathlib import Path; from changekit.hub.local import write_user_config
write_user_config(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))' "$PREFIX/etc/user-config" "$COURSE_ID" "$EXCHANGE"
chmod -R a+rX "$PREFIX/etc/user-config"

CONFIG_FILE=$PREFIX/etc/jupyterhub_config.py
if [ -f "$CONFIG_FILE" ] && ! cmp -s "$REPO/deploy/production/jupyterhub_config.py" "$CONFIG_FILE"; then
  saved=$CONFIG_FILE.replaced-$(date +%Y%m%d-%H%M%S)
  cp -p "$CONFIG_FILE" "$saved"
  echo "   $CONFIG_FILE replaced by this version; the previous one is saved as $saved."
  echo "   Put local changes in $PREFIX/etc/jupyterhub_config_local.py (read last, never replaced)."
fi
install -o root -g root -m 644 "$REPO/deploy/production/jupyterhub_config.py" "$CONFIG_FILE"
sed "s|@PREFIX@|$PREFIX|g" "$REPO/deploy/production/jupyterhub.service" > "$PREFIX/etc/jupyterhub.service"

# Course commands as the grader account, in the course folder (for root; tutors use the
# Terminal of the course's grading server, which already runs as the grader there).
GRADER_HOME=$(getent passwd "$GRADER" | cut -d: -f6)
cat > "$PREFIX/bin/as-grader" <<WRAPPER
#!/bin/sh
# Written by deploy/production/install.sh. Runs one course command as $GRADER in the course
# folder, e.g.  $PREFIX/bin/as-grader nbgrader collect quantify_a_service_problem
cd "$COURSE_DIR" && exec runuser -u "$GRADER" -- env -i HOME="$GRADER_HOME" LANG=C.UTF-8 \\
  PATH="$VENV_BIN:/usr/bin:/bin" CHANGEKIT_COURSE_ROOT="$COURSE_DIR" "\$@"
WRAPPER
chmod 755 "$PREFIX/bin/as-grader"

echo "6. Release and start pages"
unreleased=""
for folder in "$COURSE_DIR"/source/*/; do
  assignment=$(basename "$folder")
  [ -d "$EXCHANGE/$COURSE_ID/outbound/$assignment" ] || unreleased="$unreleased $assignment"
done
if [ -n "$unreleased" ]; then
  # shellcheck disable=SC2086  # one argument per assignment
  "$PREFIX/bin/as-grader" changekit publish $unreleased
else
  echo "   every assignment is released already (re-release one: $PREFIX/bin/as-grader changekit publish NAME)"
fi
for user in $TUTORS $TRAINEES; do
  home=$(getent passwd "$user" | cut -d: -f6)
  [ -e "$home/00_start_here.ipynb" ] || [ -L "$home/00_start_here.ipynb" ] ||
    install -o "$user" -g "$(id -gn "$user")" -m 644 "$COURSE_DIR/notebooks/00_start_here.ipynb" "$home/"
done

echo "Installed. Set passwords (passwd NAME), then start the hub: systemctl enable --now $PREFIX/etc/jupyterhub.service"

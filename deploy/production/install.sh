#!/usr/bin/env bash
# Install the course on one server with real system users (run as root).
#
#   sudo deploy/production/install.sh                 # defaults below
#   sudo PREFIX=/opt/pich TRAINEES="ana ben" TUTORS="dr_lee" deploy/production/install.sh
#
# What it does, every step safe to repeat:
#   1. a Python environment from requirements.lock in $PREFIX/venv, readable by all users
#      (a Python inside root's home folder cannot be run by other users);
#   2. system accounts: $GRADER owns the course folder and runs the formgrader service;
#      each name in $TUTORS and $TRAINEES gets an account (skip if your logins create them);
#   3. the course folder $COURSE_DIR (source, release, data, notebooks, config), owned by
#      $GRADER and readable by the tutors' group only;
#   4. nbgrader's exchange $EXCHANGE (world-writable with the sticky bit, as nbgrader asks;
#      nbgrader itself makes the inbound folder unlistable and feedback unguessable);
#   5. /etc/jupyter/nbgrader_config.py for every user (course id and exchange), and the
#      hub's configuration in $PREFIX/etc.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=${PREFIX:-/opt/pich}
COURSE_ID=${COURSE_ID:-pich-leadership}
COURSE_DIR=${COURSE_DIR:-/srv/pich/course}
EXCHANGE=${EXCHANGE:-/srv/nbgrader/exchange}
GRADER=${GRADER:-grader-$COURSE_ID}
TUTORS_GROUP=${TUTORS_GROUP:-formgrade-$COURSE_ID}
TRAINEES_GROUP=${TRAINEES_GROUP:-nbgrader-$COURSE_ID}
TUTORS=${TUTORS:-}
TRAINEES=${TRAINEES:-}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}
JUPYTER_ETC=${JUPYTER_ETC:-/etc/jupyter}

[ "$(id -u)" = 0 ] || { echo "Run this as root (it creates users and folders)." >&2; exit 1; }
[ -x "$SYSTEM_PYTHON" ] || { echo "No $SYSTEM_PYTHON: install Debian's python3 and python3-venv." >&2; exit 1; }

echo "1. Python environment in $PREFIX/venv"
mkdir -p "$PREFIX/etc"
chmod 755 "$PREFIX"
[ -x "$PREFIX/venv/bin/python" ] || "$SYSTEM_PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$REPO/requirements.lock"
"$PREFIX/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation "$REPO"
chmod -R a+rX "$PREFIX"

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
mkdir -p "$COURSE_DIR"
for part in source release data notebooks nbgrader_config.py; do
  rm -rf "${COURSE_DIR:?}/$part"
  cp -r "$REPO/$part" "$COURSE_DIR/$part"
done
chown -R "$GRADER:$TUTORS_GROUP" "$COURSE_DIR"
chmod -R u+rwX,g+rX,o-rwx "$COURSE_DIR"

echo "4. Exchange $EXCHANGE"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"

echo "5. Configuration"
mkdir -p "$JUPYTER_ETC"
cat > "$JUPYTER_ETC/nbgrader_config.py" <<CONFIG
# Written by deploy/production/install.sh: the course every user of this server sees.
c = get_config()
c.CourseDirectory.course_id = "$COURSE_ID"
c.Exchange.root = "$EXCHANGE"
c.Exchange.path_includes_course = True
CONFIG
chmod 644 "$JUPYTER_ETC/nbgrader_config.py"
cp "$REPO/deploy/production/jupyterhub_config.py" "$PREFIX/etc/jupyterhub_config.py"
cat > "$PREFIX/etc/pich.env" <<ENV
CHANGEKIT_PREFIX=$PREFIX
CHANGEKIT_COURSE_ID=$COURSE_ID
CHANGEKIT_COURSE_ROOT=$COURSE_DIR
CHANGEKIT_STATE_DIR=$COURSE_DIR/var
CHANGEKIT_EXCHANGE=$EXCHANGE
CHANGEKIT_GRADER=$GRADER
ENV
mkdir -p "$COURSE_DIR/var" && chown "$GRADER:$TUTORS_GROUP" "$COURSE_DIR/var" && chmod 750 "$COURSE_DIR/var"
echo "Installed. Start the hub with: systemctl enable --now $PREFIX/etc/jupyterhub.service"
sed "s|@PREFIX@|$PREFIX|g" "$REPO/deploy/production/jupyterhub.service" > "$PREFIX/etc/jupyterhub.service"

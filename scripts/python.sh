# Sourced by the other scripts: picks an interpreter and makes every pyenv version visible to tox.
# Django 6 needs Python >= 3.12, so the newest installed CPython from 3.13 down to 3.11 wins.
for v in "$HOME"/.pyenv/versions/3.1[0-9]*/bin; do
  [ -d "$v" ] && PATH="$PATH:$v"
done
export PATH
if [ -z "${PYTHON:-}" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$(command -v "$cand"); break
    fi
  done
fi
[ -n "${PYTHON:-}" ] || { echo "need Python >= 3.11 on PATH" >&2; exit 1; }
export UV_PYTHON_DOWNLOADS=never

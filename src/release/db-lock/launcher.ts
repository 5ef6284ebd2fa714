// The database lock's launcher: a small Python program shipped as a string and run as
// `python -c <source> <mode> <alias> <holder> <command...>`, so the app installs nothing and the
// same argv works in a local child and in an ECS container override. It sets Django up from
// manage.py's settings module, opens its own connection on the alias (the lock lives as long
// as the process — gone even on SIGKILL, when the server sees the session end), waits for the
// lock printing who holds it, then runs migrate in-process (call_command) or, for any other
// command, runs it as a child while holding the lock. Python 3.6+.
import { basename } from "node:path";
import { deflateSync } from "node:zlib";

/** The PostgreSQL advisory lock key: the bytes of "eb-migra", the same in every environment and version. */
export const PG_ADVISORY_LOCK_KEY = 7305451493491438177n;
/** MySQL's GET_LOCK names are server-wide, so the name carries the database: `eb-migrate/<NAME>` (64 characters at most). */
export const MYSQL_LOCK_PREFIX = "eb-migrate/";
/** Each line the launcher prints about the lock starts with this, then one JSON object. */
export const MARKER_PREFIX = "eb-migrate db-lock: ";

export const LAUNCHER_SOURCE = String.raw`
import json, os, re, signal, subprocess, sys, time
M = "${MARKER_PREFIX}"
def note(event, **kw):
    kw["event"] = event
    sys.stderr.write(M + json.dumps(kw, sort_keys=True) + "\n")
    sys.stderr.flush()
mode, alias, holder = sys.argv[1:4]
cmd = sys.argv[4:]
manage = os.path.abspath(cmd[0] if mode == "migrate" else "manage.py")
if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    try:
        m = re.search(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)""", open(manage).read())
    except OSError:
        m = None
    if not m:
        note("error", message="no DJANGO_SETTINGS_MODULE: set it as an environment property or in " + manage)
        sys.exit(2)
    os.environ["DJANGO_SETTINGS_MODULE"] = m.group(1)
sys.path.insert(0, os.path.dirname(manage))
import django
django.setup()
from django.db import connections
from django.db.utils import load_backend
s = connections[alias].settings_dict
# A connection of its own: the lock lives as long as this process, whatever migrate does to its connections.
c = load_backend(s["ENGINE"]).DatabaseWrapper(s, alias)
v = c.vendor
def q(sql, p=()):
    with c.cursor() as cur:
        cur.execute(sql, p)
        return cur.fetchall()
K = ${PG_ADVISORY_LOCK_KEY}
N = ("${MYSQL_LOCK_PREFIX}" + str(s.get("NAME")))[:64]
if v == "postgresql":
    q("SELECT set_config('application_name', %s, false)", [holder[:63]])
    take = lambda: q("SELECT pg_try_advisory_lock(%s)", [K])[0][0]
    def who():
        for r in q("SELECT a.application_name, a.pid, host(a.client_addr), a.backend_start::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                   " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1"
                   " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())", [K >> 32, K & 0xFFFFFFFF]):
            return "%s (pid %s from %s, connected since %s)" % (r[0] or "an unnamed session", r[1], r[2] or "local socket", r[3])
    lock = "PostgreSQL advisory lock %d" % K
elif v == "mysql":
    take = lambda: q("SELECT GET_LOCK(%s, 0)", [N])[0][0] == 1
    # MySQL has no application_name: the holder is its connection as the processlist shows it.
    def who():
        for r in q("SELECT ID, USER, HOST, TIME FROM information_schema.PROCESSLIST WHERE ID = IS_USED_LOCK(%s)", [N]):
            return "connection %s (%s@%s, connected for %s s)" % r
    lock = "MySQL lock '%s' (GET_LOCK)" % N
else:
    take = None
    if v == "sqlite":
        note("no-lock", vendor=v, message="SQLite is one file that only this host uses: no database lock taken")
    else:
        note("no-lock", vendor=v, warning=True, message="no database lock for the %s backend: two migrations on this database are not kept apart" % v)
if take:
    t0 = time.monotonic()
    last = None
    while not take():
        waited = time.monotonic() - t0
        if last is None or waited - last >= 10:
            last = waited
            note("waiting", lock=lock, holder=who() or "a session that just let go", waited_s=round(waited, 1))
        time.sleep(0.5)
    note("acquired", lock=lock, holder=holder, waited_s=round(time.monotonic() - t0, 1))
if mode == "migrate":
    from django.core.management import call_command
    from django.core.management.base import CommandError
    try:
        call_command("migrate", *cmd[2:], interactive=False)
    except CommandError as e:
        sys.stderr.write("CommandError: %s\n" % e)
        sys.exit(1)
else:
    def orphan_guard():
        # The child dies with us (Linux PR_SET_PDEATHSIG): it must not outlive the lock.
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)
        except Exception:
            pass
    p = subprocess.Popen(cmd, preexec_fn=orphan_guard)
    for n in (signal.SIGTERM, signal.SIGINT):
        signal.signal(n, lambda n, f: p.send_signal(n))
    r = p.wait()
    sys.exit(128 - r if r < 0 else r)
`.trim();

/** Bytes of the source as it travels in an argv (ECS counts override bytes, 8 KiB in all). */
export const LAUNCHER_BYTES = Buffer.byteLength(LAUNCHER_SOURCE, "utf8");

/**
 * The launcher as an ECS command override carries it (8192 characters for the command and every
 * environment property together): LAUNCHER_SOURCE zlib-compressed and base64-encoded behind a
 * one-line loader — about 2.5 KB instead of 4.1 KB once JSON-escaped (it has nothing to escape).
 * Made here from the one source, never kept by hand; under exec, sys.argv is the same.
 */
export const COMPACT_LAUNCHER_SOURCE = `import base64,zlib;exec(zlib.decompress(base64.b64decode('${deflateSync(LAUNCHER_SOURCE, { level: 9 }).toString("base64")}')))`;

export interface LockContext {
  /** The Django database alias to take the lock on (EB_MIGRATE_DB_ALIAS). */
  alias: string;
  environment: string;
  instance: string;
  deployment: string;
}

/** `application_name` of the holder's session (PostgreSQL keeps 63 bytes of it). */
export function holderName(context: Omit<LockContext, "alias">): string {
  return `eb-migrate ${context.environment} ${context.instance} ${context.deployment}`;
}

/**
 * The argv that runs `command` under the database lock with `python` (one that can import the
 * app's Django). A `<python> manage.py migrate …` command runs in-process, any other as a child.
 * `source` is LAUNCHER_SOURCE, or COMPACT_LAUNCHER_SOURCE where the argv's size counts (ECS).
 */
export function dbLockedArgv(python: string, command: readonly string[], context: LockContext, migrate = isDjangoMigrate(command), source = LAUNCHER_SOURCE): string[] {
  const rest = migrate ? command.slice(1) : [...command];
  return [python, "-c", source, migrate ? "migrate" : "exec", context.alias, holderName(context), ...rest];
}

/**
 * Whether an argv is Django's migrate as the default command spells it: a python
 * (`python`, `python3`, `python3.11`, a path to one), then `manage.py` (or a path ending in it),
 * then `migrate`. Anything else — a wrapper script, `django-admin`, a shell line — is not.
 */
export function isDjangoMigrate(argv: readonly string[]): boolean {
  const [python, manage, subcommand] = argv;
  if (python === undefined || manage === undefined) return false;
  return /^python(\d+(\.\d+)*)?$/.test(basename(python)) && basename(manage) === "manage.py" && subcommand === "migrate";
}

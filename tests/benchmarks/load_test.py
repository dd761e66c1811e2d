"""Load test of the cases app: gunicorn on PostgreSQL with 1,000,000 cases (issue 6, "Load").

Not a test: pytest does not collect it. It

1. seeds PostgreSQL (the database is created when missing and migrated) with ``--cases`` cases
   (default 1,000,000; 20 % open) across ``--partners`` partners (default 200) with set-based
   inserts (the generator of ``bench_cases.py``), one partner user with an API token per
   partner and one staff user; ``--reuse`` keeps the cases already there when there are enough;
2. starts ``gunicorn portal.wsgi -w 2`` on a free loopback port with production settings
   (DEBUG off, a throw-away SECRET_KEY, no TLS redirect, login lockout off, a high API throttle
   rate, persistent database connections, Redis as the shared cache as in README's production
   settings — ``LOAD_TEST_CACHE_URL``, default ``redis://127.0.0.1:6379/3`` — and deliveries
   left in the outbox);
3. runs wrk, bounded in time (``--duration``) and connections (``--connections``), for each
   scenario:

   - ``api-mix``: across all partner tokens, 40 % case list ``GET /api/v1/cases/`` (pages 1-5),
     40 % case detail ``GET /api/v1/cases/{id}/`` of the partner's own cases, 10 % create
     ``POST /api/v1/cases/``, 10 % escalation request
     ``POST /api/v1/cases/{id}/request-escalation/`` (each on a different open case, one
     severity up, so every request is valid);
   - ``api-list``, ``api-detail``, ``api-create``, ``api-escalate``: each call alone
     (``--part-duration``, default 10 s), as wrk cannot time the calls of a mix apart;
   - ``portal-list``: ``GET /cases/`` (pages 1-5) with the session cookie of a partner user;
   - ``admin-changelist``: ``GET /admin/cases/case/`` as staff: pages 1-5 of the whole table
     and page 1 of one partner;

4. prints per scenario: requests, throughput, p50/p95/p99 latency, non-2xx/3xx responses and
   socket errors (goal: none, p95 under 100 ms), the cores in use on average during the run by
   gunicorn, by PostgreSQL (this database's backends), by wrk and by everything else on the
   machine, and the CPU milliseconds gunicorn and PostgreSQL spent per request. wrk keeps
   every connection busy (a closed loop): once the server is saturated the latency is about
   connections / throughput, so ``--connections 2`` (one request per worker) shows the
   service time and 16 the queueing on top of it;
5. stops gunicorn at the end, also on Ctrl-C or an error.

Needs wrk (Debian: ``apt-get install -y wrk``), Redis and PostgreSQL::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_portal \\
        .venv/bin/python tests/benchmarks/load_test.py [--reuse] [--duration 30] [--connections 16]

Seeding a million cases takes about two minutes; ``--reuse`` skips it on later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cases  # noqa: E402  (sets sys.path to the project and DJANGO_SETTINGS_MODULE)
from bench_cases import ROOT, case_count, ensure_database, generate  # noqa: E402

# The server and this process share these settings: a session made here must verify there
# (its hash is keyed by SECRET_KEY).
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "load-test-only-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "AXES_ENABLED": "false",
    # DEBUG off turns the staff second factor on: the staff sessions made here have none, so
    # the admin scenario measured the redirect to the sign-in page, not the changelist.
    "STAFF_2FA": "false",
    "API_THROTTLE_USER": "1000000/min",
    "DB_CONN_MAX_AGE": "600",
    # Deliveries stay in the outbox: the load test measures the web tier, not e-mail.
    "CELERY_BROKER_URL": "memory://localhost/",
    "LOG_LEVEL": "WARNING",
    # The shared cache of README's production settings (sessions, throttling): Redis.
    "CACHE_URL": os.environ.get("LOAD_TEST_CACHE_URL", "redis://127.0.0.1:6379/3"),
}
USER_PREFIX = "load-"
STAFF_USERNAME = "load-staff"
DETAIL_IDS_PER_PARTNER = 50
ESCALATIONS_PER_PARTNER = 200
NEXT_SEVERITY = {"S4": "S3", "S3": "S2", "S2": "S1"}


# --- seeding ------------------------------------------------------------------------------------


def seed(*, partners: int, cases: int, reuse: bool) -> None:
    from django.db import connection

    bench_cases.PARTNERS = partners
    bench_cases.setup_tenants()
    if not reuse:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cases_caseevent, cases_case, portal_notification RESTART IDENTITY CASCADE"
            )
    existing = case_count()
    if existing >= cases:
        print(f"  {existing:,} cases already there: seeding skipped (--reuse)")
    else:
        print(f"  generating cases {existing + 1:,} … {cases:,}")
        generate(existing + 1, cases)
    seed_users(partners)


def seed_users(partners: int) -> None:
    """One partner admin with an API token per partner, and one superuser (set-based)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from portal.choices import Role
    from portal.models import Partner, PartnerMembership

    User = get_user_model()
    bench = list(Partner.objects.filter(slug__startswith="bench-").order_by("pk")[:partners])
    names = {f"{USER_PREFIX}{p.slug}": p for p in bench}
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, password="!", email=f"{n}@load.example") for n in names if n not in have]
    )
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    PartnerMembership.objects.bulk_create(
        [PartnerMembership(user=users[n], partner=p, role=Role.ADMIN) for n, p in names.items()],
        ignore_conflicts=True,
    )
    with_token = set(
        Token.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
    )
    missing = [u for u in users.values() if u.pk not in with_token]
    Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in missing])
    staff, created = User.objects.get_or_create(
        username=STAFF_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "email": "staff@load.example"},
    )
    if created:
        staff.set_unusable_password()
        staff.save()
    print(f"  {len(users)} partner users with API tokens, staff user {STAFF_USERNAME!r}")


def _session_store():
    """The server's session engine (with Redis as the cache: sessions in the cache and the
    database), so what is made and deleted here is made and deleted there."""
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore


def session_for(user) -> str:
    """A logged-in session, as django.contrib.auth.login would store it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    session = _session_store()()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def write_load_data(directory: Path, partners: int, total: int) -> dict:
    """Tokens, sessions, own case ids and fresh escalation targets, one line each, for Lua."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    tokens = {
        t.user.username: t.key
        for t in Token.objects.select_related("user").filter(
            user__username__startswith=f"{USER_PREFIX}bench-"
        )
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, p.slug, c.id, c.contract_number FROM portal_partner p
            JOIN LATERAL (SELECT id, contract_number FROM portal_customer
                          WHERE partner_id = p.id ORDER BY id LIMIT 1) c ON true
            WHERE p.slug LIKE 'bench-%%' ORDER BY p.id LIMIT %s
            """,
            [partners],
        )
        rows = cursor.fetchall()
        ids = [r[0] for r in rows]
        sample_percent = min(100.0, 300.0 * DETAIL_IDS_PER_PARTNER * len(ids) / max(total, 1))
        # A spread sample of every partner's cases (old and new pages alike).
        cursor.execute(
            """
            SELECT partner_id, id FROM (
                SELECT partner_id, id, row_number() OVER (PARTITION BY partner_id ORDER BY id) AS n
                FROM cases_case TABLESAMPLE BERNOULLI (%s) WHERE partner_id = ANY(%s)) s
            WHERE n <= %s
            """,
            [sample_percent, ids, DETAIL_IDS_PER_PARTNER],
        )
        own: dict[int, list[int]] = {}
        for partner_id, case_id in cursor.fetchall():
            own.setdefault(partner_id, []).append(case_id)
        # Open cases below S1, newest first: each is escalated once, one step up.
        cursor.execute(
            """
            SELECT p, c.id, c.severity FROM unnest(%s::bigint[]) AS p
            CROSS JOIN LATERAL (
                SELECT id, severity FROM cases_case
                WHERE partner_id = p AND status NOT IN ('resolved', 'closed') AND severity <> 'S1'
                ORDER BY opened_at DESC, id DESC LIMIT %s) c
            """,
            [ids, ESCALATIONS_PER_PARTNER],
        )
        escalations = cursor.fetchall()
    slugs = {r[0]: r[1] for r in rows}
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__startswith=f"{USER_PREFIX}bench-")
    }
    with open(directory / "partners.tsv", "w") as out:
        for partner_id, slug, customer_id, contract in rows:
            case_ids = ",".join(map(str, own.get(partner_id, []))) or "0"
            out.write(f"{tokens[USER_PREFIX + slug]}\t{customer_id}\t{contract}\t{case_ids}\n")
    # Interleave the partners, so that each wrk thread escalates across all of them.
    rank: dict[int, int] = {}
    ranked = []
    for row in escalations:
        rank[row[0]] = rank.get(row[0], 0) + 1
        ranked.append((rank[row[0]], row[0], row))
    escalations = [row for *_, row in sorted(ranked)]
    with open(directory / "escalations.tsv", "w") as out:
        for partner_id, case_id, severity in escalations:
            token = tokens[USER_PREFIX + slugs[partner_id]]
            out.write(f"{token}\t{case_id}\t{NEXT_SEVERITY[severity]}\n")
    sessions = []
    with open(directory / "sessions.tsv", "w") as out:
        for _partner_id, slug, *_ in rows:
            sessions.append(session_for(users[USER_PREFIX + slug]))
            out.write(sessions[-1] + "\n")
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    with open(directory / "staff.tsv", "w") as out:
        for partner_id in ids[:20]:
            sessions.append(session_for(staff))
            out.write(f"{sessions[-1]}\t{partner_id}\n")
    return {
        "partners": len(rows),
        "detail_ids": sum(len(v) for v in own.values()),
        "escalations": len(escalations),
        "sessions": sessions,
    }


# --- wrk scripts --------------------------------------------------------------------------------

LUA_COMMON = r"""
local DATA = "%(data)s"
local THREADS = %(threads)d
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function split(line)
  local out = {}
  for field in string.gmatch(line, "[^\t]+") do out[#out + 1] = field end
  return out
end

local function read(name)
  local rows = {}
  for line in io.lines(DATA .. "/" .. name) do rows[#rows + 1] = split(line) end
  return rows
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = string.format('"%%s": %%d', k, v) end
  local e = summary.errors
  io.write(string.format(
    'LOADRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, ' ..
    '"p50": %%d, "p95": %%d, "p99": %%d, "mean": %%f, "max": %%d, "statuses": {%%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, table.concat(parts, ", ")))
end
"""

LUA_API = r"""
local partners, escalations = {}, {}
local next_escalation = 0
local MIX = {list = %(list)d, detail = %(detail)d, create = %(create)d, escalate = %(escalate)d}

function init(args)
  math.randomseed(tid * 7919)
  for _, row in ipairs(read("partners.tsv")) do
    local ids = {}
    for id in string.gmatch(row[4], "%%d+") do ids[#ids + 1] = id end
    partners[#partners + 1] = {token = row[1], customer = row[2], contract = row[3], ids = ids}
  end
  -- Each thread of each scenario escalates its own share of the targets: each case once,
  -- one step up, so every escalation request is valid.
  local slots = THREADS * %(slots)d
  for i, row in ipairs(read("escalations.tsv")) do
    if (i - 1) %% slots == %(slot)d * THREADS + tid - 1 then escalations[#escalations + 1] = row end
  end
end

local function headers(token, json)
  local h = {["Authorization"] = "Token " .. token, ["Accept"] = "application/json"}
  if json then h["Content-Type"] = "application/json" end
  return h
end

local function list(p)
  return wrk.format("GET", "/api/v1/cases/?page=" .. math.random(5), headers(p.token))
end

local function detail(p)
  return wrk.format("GET", "/api/v1/cases/" .. p.ids[math.random(#p.ids)] .. "/", headers(p.token))
end

local function create(p)
  local body = string.format(
    '{"customer": %%s, "title": "Load test: calls drop", "description": "Calls drop after ' ..
    'thirty seconds.", "category": "bug", "urgency": "medium", "impact": "localized", ' ..
    '"contract_number": "%%s", "contact_name": "Load Test", "contact_phone": "+1 555 0100", ' ..
    '"contact_email": "load@example.com"}', p.customer, p.contract)
  return wrk.format("POST", "/api/v1/cases/", headers(p.token, true), body)
end

local function escalate(p)
  next_escalation = next_escalation + 1
  local e = escalations[next_escalation]
  if e == nil then return list(p) end  -- targets used up: a list call instead
  return wrk.format("POST", "/api/v1/cases/" .. e[2] .. "/request-escalation/",
    headers(e[1], true), string.format('{"severity": "%%s", "reason": "Load test"}', e[3]))
end

function request()
  local p = partners[math.random(#partners)]
  local r = math.random(100)
  if r <= MIX.list then return list(p) end
  r = r - MIX.list
  if r <= MIX.detail then return detail(p) end
  r = r - MIX.detail
  if r <= MIX.create then return create(p) end
  return escalate(p)
end
"""

LUA_PORTAL = r"""
local sessions = {}

function init(args)
  math.randomseed(tid * 7919)
  for _, row in ipairs(read("sessions.tsv")) do sessions[#sessions + 1] = row[1] end
end

function request()
  local s = sessions[math.random(#sessions)]
  return wrk.format("GET", "/cases/?page=" .. math.random(5), {["Cookie"] = "sessionid=" .. s})
end
"""

LUA_ADMIN = r"""
local staff = {}

function init(args)
  math.randomseed(tid * 7919)
  for _, row in ipairs(read("staff.tsv")) do staff[#staff + 1] = row end
end

function request()
  local s = staff[math.random(#staff)]
  local path = "/admin/cases/case/?p=" .. math.random(5)
  if math.random(5) == 1 then path = "/admin/cases/case/?partner__id__exact=" .. s[2] end
  return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. s[1]})
end
"""

MIXES = {
    "api-mix": {"list": 40, "detail": 40, "create": 10, "escalate": 10},
    "api-list": {"list": 100, "detail": 0, "create": 0, "escalate": 0},
    "api-detail": {"list": 0, "detail": 100, "create": 0, "escalate": 0},
    "api-create": {"list": 0, "detail": 0, "create": 100, "escalate": 0},
    "api-escalate": {"list": 0, "detail": 0, "create": 0, "escalate": 100},
}

ESCALATING = [name for name, mix in MIXES.items() if mix["escalate"]]


def lua_for(scenario: str, data: Path, threads: int) -> str:
    common = LUA_COMMON % {"data": data, "threads": threads}
    if scenario in MIXES:
        slot = ESCALATING.index(scenario) if scenario in ESCALATING else 0
        return common + LUA_API % {**MIXES[scenario], "slot": slot, "slots": len(ESCALATING)}
    return common + {"portal-list": LUA_PORTAL, "admin-changelist": LUA_ADMIN}[scenario] % {}


# --- server and load ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV}
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "portal.wsgi",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log),
        "--graceful-timeout",
        "10",
    ]
    print(f"  {' '.join(command[1:])}")
    # Its own process group: Ctrl-C reaches this script, which then stops the server cleanly.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(server: subprocess.Popen, port: int, token: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/cases/?page_size=1",
        headers={"Authorization": f"Token {token}"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    print(f"gunicorn stopped (exit code {server.returncode})")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid: int, db_name: str) -> dict[str, float]:
    """CPU seconds so far: the machine's busy time, gunicorn's, and the backends of this
    database (the machine is shared: whatever else runs shows as "other")."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    gunicorn = postgres = 0
    marker = f" {db_name} ".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        used = int(fields[11]) + int(fields[12])  # utime + stime
        if server_pid in (int(entry.name), int(fields[1])):
            gunicorn += used
        elif cmdline.startswith(b"postgres: ") and marker in cmdline:
            postgres += used
    return {
        "busy": busy / CLOCK_TICKS,
        "gunicorn": gunicorn / CLOCK_TICKS,
        "postgres": postgres / CLOCK_TICKS,
        "wrk": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),
    }


# Scenarios that write nothing: they are warmed up before they are measured.
READ_ONLY = {"api-list", "api-detail", "portal-list", "admin-changelist"}


def run_wrk(*, scenario: str, port: int, data: Path, args, duration: int, cpu) -> dict:
    threads = min(args.threads, args.connections)
    script = data / f"{scenario}.lua"
    script.write_text(lua_for(scenario, data, threads))

    def command(seconds: int) -> list[str]:
        return [
            "wrk",
            f"-t{threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ]

    if args.warmup and scenario in READ_ONLY:
        # A long-running server has met every partner before: the per-process caches (each
        # partner's filter fields, each staff member's sidebar) are filled unmeasured first.
        print(f"\n[{scenario}] warm-up ({args.warmup} s, not measured)", flush=True)
        subprocess.run(command(args.warmup), capture_output=True, text=True, check=True)
    print(f"\n[{scenario}] {' '.join(command(duration)[:5])} … ({duration} s)", flush=True)
    before, started = cpu(), time.monotonic()
    out = subprocess.run(command(duration), capture_output=True, text=True, check=True).stdout
    after, elapsed = cpu(), time.monotonic() - started
    line = next((x for x in out.splitlines() if x.startswith("LOADRESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    result = json.loads(line.removeprefix("LOADRESULT "))
    result["scenario"] = scenario
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds if seconds else 0.0
    result["bad_status"] = sum(
        n for code, n in result["statuses"].items() if not 200 <= int(code) < 400
    )
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    # Cores in use on average during the run, by whom.
    cores = {k: (after[k] - before[k]) / elapsed for k in before}
    cores["other"] = max(0.0, cores["busy"] - cores["gunicorn"] - cores["postgres"] - cores["wrk"])
    result["cores"] = cores
    print(format_row(result))
    return result


HEADER = (
    f"{'scenario':17} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
    f"{'non-2xx/3xx':>11} {'socket err':>10}  {'cores: gunicorn/pg/wrk/other':28} "
    f"{'CPU ms/req':>10}  statuses"
)


def format_row(r: dict) -> str:
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items()))
    c = r["cores"]
    cores = f"{c['gunicorn']:.2f} / {c['postgres']:.2f} / {c['wrk']:.2f} / {c['other']:.2f}"
    per_request = 1000 * (c["gunicorn"] + c["postgres"]) / r["rps"] if r["rps"] else 0.0
    return (
        f"{r['scenario']:17} {r['requests']:>8,} {r['rps']:>6.1f} {r['p50'] / 1000:>7.1f} "
        f"{r['p95'] / 1000:>7.1f} {r['p99'] / 1000:>7.1f} {r['bad_status']:>11,} "
        f"{r['socket_errors']:>10,}  {cores:28} {per_request:>10.1f}  {statuses}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the generated cases")
    parser.add_argument("--duration", type=int, default=30, help="seconds per main scenario")
    parser.add_argument("--part-duration", type=int, default=10, help="seconds per API call alone")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="seconds of unmeasured load before each read-only scenario (0: none)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--scenarios",
        default="api-mix,api-list,api-detail,api-create,api-escalate,portal-list,admin-changelist",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install it (Debian: apt-get install -y wrk) and run again.")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The load test needs PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ.update(SERVER_ENV)
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Seeding {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest
    seed(partners=args.partners, cases=args.cases, reuse=args.reuse)
    total = case_count()

    data = Path(tempfile.mkdtemp(prefix="load-test-"))
    figures = write_load_data(data, args.partners, total)
    token = (data / "partners.tsv").read_text().split("\t", 1)[0]
    connection.close()  # the server gets the database to itself
    print(
        f"  {figures['partners']} partners, {figures['detail_ids']:,} case ids for detail calls, "
        f"{figures['escalations']:,} open cases to escalate"
    )

    db_name = connection.settings_dict["NAME"]
    port = free_port()
    print(f"\nStarting gunicorn on 127.0.0.1:{port}")
    server = start_server(port, args.workers, data / "gunicorn.log")
    results = []
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the server on kill, too
    try:
        wait_ready(server, port, token)
        for scenario in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
            is_part = scenario in MIXES and scenario != "api-mix"
            duration = args.part_duration if is_part else args.duration
            if duration > 0:
                result = run_wrk(
                    scenario=scenario,
                    port=port,
                    data=data,
                    args=args,
                    duration=duration,
                    cpu=lambda: cpu_seconds(server.pid, db_name),
                )
                results.append(result)
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        stop_server(server)
    errors = (data / "gunicorn.log").read_text().count("Traceback")
    store = _session_store()
    for key in figures["sessions"]:
        store(key).delete()  # from the cache too: the session ids stop working at once
    print(
        f"\nSummary: {total:,} cases, {args.partners} partners, gunicorn -w {args.workers}, "
        f"wrk -t{min(args.threads, args.connections)} -c{args.connections}, "
        f"{os.cpu_count()} CPUs shared by all (cores: average in use during each run)"
    )
    print(HEADER)
    for r in results:
        print(format_row(r))
    if errors:
        print(f"server tracebacks: {errors} (see {data / 'gunicorn.log'})")
    else:
        print("server tracebacks: 0")
        shutil.rmtree(data)
    if not results:
        return
    slow = [r["scenario"] for r in results if r["p95"] >= 100_000]
    failed = [r["scenario"] for r in results if r["bad_status"] or r["socket_errors"]]
    print(
        f"goal: zero errors ({'met' if not failed else 'missed: ' + ', '.join(failed)}), "
        f"p95 < 100 ms ({'met' if not slow else 'missed: ' + ', '.join(slow)})"
    )


if __name__ == "__main__":
    main()

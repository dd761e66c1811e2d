"""Instructions per request of the three pages of issue 13, counted by valgrind's callgrind.

Not a test: pytest does not collect it. Wall-clock and CPU figures of the load test move with
the machine (two machines of the same kind measured the same code 2.5× apart) and with
whatever else runs on it; the number of instructions the web process executes for a request
does not: the same code on the same data counts the same to a few parts in ten thousand, on a
busy machine too. It is the figure to compare a change with, on any machine; the load test's
CPU milliseconds say what a machine makes of it.

For each page it starts a Python process under ``valgrind --tool=callgrind`` with counting
off, which signs in the way ``load_test.py`` does (its settings: DEBUG off, Redis as the
shared cache), makes ``--warmup`` requests uncounted (the per-process caches fill), turns
counting on (``callgrind_control``) for ``--requests`` requests through Django's test client
(the whole middleware stack and view, no HTTP server), and prints the instructions per
request and the SQL statements of one more request (BEGIN and COMMIT included). Only the web
process is counted: PostgreSQL's own work is not in the figure.

- ``portal``: ``GET /cases/`` as the first seeded partner user;
- ``admin``: ``GET /admin/cases/case/`` as the seeded staff user;
- ``escalation``: ``POST /api/v1/cases/{id}/request-escalation/`` with a partner's API token,
  each on another open case of that partner, one severity up (``--partner``: which seeded
  partner; each run uses up ``--warmup + --requests + 1`` of its open cases below S1).

Needs valgrind (Debian: ``apt-get install -y valgrind``) and the database ``load_test.py``
seeds::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_portal \\
        .venv/bin/python tests/benchmarks/bench_instructions.py [--pages portal,admin,escalation]

About a minute and a half per page (valgrind runs Python some twenty times slower).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NEXT_SEVERITY = {"S4": "S3", "S3": "S2", "S2": "S1"}
PAGES = ("portal", "admin", "escalation")


def _child(page: str, warmup: int, requests: int, partner: int) -> None:
    """Inside valgrind: make the requests, counting only the measured ones."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import load_test  # noqa: F401  (sets DJANGO_SETTINGS_MODULE and the project's path)

    os.environ.update(load_test.SERVER_ENV)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from cases.models import Case

    users = get_user_model().objects
    partners = users.filter(username__startswith=f"{load_test.USER_PREFIX}bench-").order_by("id")
    if page == "escalation":
        user = partners[partner]
        token = Token.objects.get(user=user).key
        client = Client(HTTP_AUTHORIZATION=f"Token {token}")
        own = Case.objects.filter(partner_id=user.membership.partner_id)
        targets = iter(
            own.exclude(status__in=["resolved", "closed"])
            .exclude(severity="S1")
            .order_by("-id")
            .values_list("id", "severity")[: warmup + requests + 1]
        )

        def request() -> None:
            case_id, severity = next(targets)
            response = client.post(
                f"/api/v1/cases/{case_id}/request-escalation/",
                {"severity": NEXT_SEVERITY[severity], "reason": "Instruction count"},
                content_type="application/json",
            )
            assert response.status_code == 200, (response.status_code, response.content[:300])
    else:
        client = Client()
        if page == "admin":
            client.force_login(users.get(username=load_test.STAFF_USERNAME))
            url = "/admin/cases/case/"
        else:
            client.force_login(partners[0])
            url = "/cases/"

        def request() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

    for _ in range(warmup):
        request()
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
    subprocess.run(["callgrind_control", "--instr=on", pid], check=True, capture_output=True)
    for _ in range(requests):
        request()
    subprocess.run(["callgrind_control", "--instr=off", pid], check=True, capture_output=True)
    with CaptureQueriesContext(connection) as queries:
        request()
    print(f"STATEMENTS {len(queries.captured_queries)}")


def _count(page: str, args) -> dict:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        page,
        "--warmup",
        str(args.warmup),
        "--requests",
        str(args.requests),
        "--partner",
        str(args.partner),
    ]
    # The same hash seed each run: dictionaries and sets are laid out the same way.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryFile("w+") as log:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        log.seek(0)
        errors = log.read()
    collected = re.search(r"Collected : (\d+)", errors)
    statements = re.search(r"STATEMENTS (\d+)", done.stdout)
    if done.returncode != 0 or collected is None or statements is None:
        sys.exit(f"{page}: the counted run failed (exit code {done.returncode}):\n{errors[-3000:]}")
    return {
        "page": page,
        "requests": args.requests,
        "instructions_per_request": int(collected.group(1)) // args.requests,
        "statements": int(statements.group(1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--warmup", type=int, default=20, help="uncounted requests first")
    parser.add_argument("--requests", type=int, default=20, help="counted requests")
    parser.add_argument("--partner", type=int, default=0, help="escalation: the nth partner")
    parser.add_argument("--json", action="store_true", help="one JSON line per page")
    parser.add_argument("--child", choices=PAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.warmup, args.requests, args.partner)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Needs the load test's PostgreSQL database: set DATABASE_URL=postgres://…")
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: install valgrind (Debian: apt-get install -y valgrind).")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if unknown := set(pages) - set(PAGES):
        sys.exit(f"unknown pages: {', '.join(sorted(unknown))} (known: {', '.join(PAGES)})")
    print(f"{'page':11} {'instructions/request':>21} {'statements':>10}  (requests counted)")
    for page in pages:
        row = _count(page, args)
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{page:11} {row['instructions_per_request'] / 1e6:>19.2f} M "
                f"{row['statements']:>10}  ({row['requests']})",
                flush=True,
            )


if __name__ == "__main__":
    main()

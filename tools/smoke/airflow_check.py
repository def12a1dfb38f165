"""The smoke test's Airflow check: one run of an example DAG, triggered through Airflow's REST API
(v2, Airflow 3), waited for, and removed again.

Usage: airflow_check.py <api-base-url> <dag_id> <run_id> [--keep] [--timeout SECONDS]
       (in the cluster: piped to `python3 - <args>` in a pod of the platform's Airflow image, the
       base URL being the API server's Service, http://airflow-api-server.airflow.svc.cluster.local:8080)
Credentials: AIRFLOW_SMOKE_USERNAME and AIRFLOW_SMOKE_PASSWORD in the environment (the
airflow-admin-user Secret). The password and the token are never printed.

Standard library only. It prints exactly ONE JSON line on stdout, last, and exits 0 whenever it
printed that line: the verdicts are the caller's; a failed step is in "error" and "failedStep".

Steps: arguments, health, token, version, dag, unpause (only when the DAG is paused), trigger, run,
cleanup. Safety: it refuses any run id that does not start with the smoke prefix below, so it can
never touch a user's runs; it deletes only the run it triggered, and pauses the DAG again only when
it unpaused it. With --keep nothing is cleaned up: the run stays and the DAG stays unpaused.
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

RUN_ID_PREFIX = "spark_k8s_smoke__"
# Airflow's own rule for DAG ids (letters, digits, "_", "-", "."); run ids here use the same
# characters plus ":" and "+" (timestamps), so both are safe path segments once quoted.
DAG_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
RUN_ID = re.compile(r"^[A-Za-z0-9_.:+-]{1,250}$")
POLL_SECONDS = 5
HTTP_TIMEOUT = 30
# Polls of the run that may fail in a row (a restarting API server) before the step fails.
POLL_ERRORS_ALLOWED = 3

started = time.monotonic()
out = {"steps": [], "timings": {}}
secrets = []  # values that must never reach the report: the password and the token


def redact(text):
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


def finish(code=0):
    out["timings"]["total"] = round(time.monotonic() - started, 2)
    print(redact(json.dumps(out)), flush=True)
    sys.exit(code)


class HttpStatusError(Exception):
    """An answer with an unexpected status: the method, path, status and the start of the body."""

    def __init__(self, method, path, status, detail):
        super().__init__(f"{method} {path} answered {status}: {detail}")
        self.status = status


class StepFailed(Exception):
    pass


class RunFailed(Exception):
    pass


def describe(e):
    """'<ExceptionType or HTTP status>: <first line>', at most 2000 characters, secrets removed."""
    text = str(e).strip()
    first = text.splitlines()[0] if text else ""
    kind = f"HTTP {e.status}" if isinstance(e, HttpStatusError) else type(e).__name__
    return redact(f"{kind}: {first}")[:2000]


def step(name, action):
    """Runs one step, timed; a failure ends the check with the step's name and the error."""
    t0 = time.monotonic()
    out["steps"].append(name)
    try:
        value = action()
    except Exception as e:  # noqa: BLE001 - every failure goes to the report
        out["timings"][name] = round(time.monotonic() - t0, 2)
        out["failedStep"] = name
        out["error"] = describe(e)
        raise StepFailed() from e
    out["timings"][name] = round(time.monotonic() - t0, 2)
    return value


def parse_args(argv):
    positional, keep, timeout, problems = [], False, 900, []
    it = iter(argv)
    for a in it:
        if a == "--keep":
            keep = True
        elif a == "--timeout":
            value = next(it, "")
            if re.fullmatch(r"\d+", value) and 10 <= int(value) <= 7200:
                timeout = int(value)
            else:
                problems.append(f"--timeout {value!r}: whole seconds from 10 to 7200")
        elif a.startswith("--"):
            problems.append(f"unknown option {a}")
        else:
            positional.append(a)
    if len(positional) != 3:
        raise ValueError("usage: airflow_check.py <api-base-url> <dag_id> <run_id> [--keep] [--timeout SECONDS]")
    url, dag_id, run_id = positional
    url = url.rstrip("/")
    out.update({"url": url, "dagId": dag_id, "runId": run_id, "keep": keep})
    if problems:
        raise ValueError("; ".join(problems))
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise ValueError(f"not an http(s) base URL: {url}")
    if not DAG_ID.match(dag_id):
        raise ValueError(f"dag_id {dag_id!r}: letters, digits, '_', '-' and '.' only")
    if not run_id.startswith(RUN_ID_PREFIX) or not RUN_ID.match(run_id):
        raise ValueError(f"run_id {run_id!r}: the smoke test only triggers (and deletes) runs named {RUN_ID_PREFIX}*")
    username = os.environ.get("AIRFLOW_SMOKE_USERNAME", "")
    password = os.environ.get("AIRFLOW_SMOKE_PASSWORD", "")
    secrets.append(password)
    if not username or not password:
        raise ValueError("AIRFLOW_SMOKE_USERNAME and AIRFLOW_SMOKE_PASSWORD must be set (the airflow-admin-user Secret)")
    return url, dag_id, run_id, keep, timeout, username, password


class Api:
    """Airflow's REST API at a base URL; JSON in and out, a Bearer token once it has one."""

    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, expect=(200,)):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except urllib.error.URLError as e:
            raise ConnectionError(f"{method} {path}: no answer from {self.base} ({e.reason})") from e
        except OSError as e:  # timeouts, resets
            raise ConnectionError(f"{method} {path}: no answer from {self.base} ({e})") from e
        if status not in expect:
            raise HttpStatusError(method, path, status, detail_of(raw))
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as e:
            raise ValueError(f"{method} {path} answered {status} with no JSON: {raw[:200]!r}") from e


def detail_of(raw):
    """The start of an error body: FastAPI's `detail` when there is one, on one line."""
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict) and "detail" in parsed:
            detail = parsed["detail"]
            text = detail if isinstance(detail, str) else json.dumps(detail)
    except ValueError:
        pass
    return " ".join(text.split())[:500]


def segment(value):
    return urllib.parse.quote(value, safe="")


def main():
    try:
        url, dag_id, run_id, keep, timeout, username, password = step("arguments", lambda: parse_args(sys.argv[1:]))
    except StepFailed:
        finish()
    api = Api(url)
    dag_path = f"/api/v2/dags/{segment(dag_id)}"
    run_path = f"{dag_path}/dagRuns/{segment(run_id)}"

    def health():
        body = api.call("GET", "/api/v2/monitor/health")
        if not isinstance(body, dict):
            raise ValueError(f"GET /api/v2/monitor/health: not a JSON object: {str(body)[:200]}")

    def token():
        # The FAB auth manager's token endpoint (apache-airflow-providers-fab 3.6.4 of the image): JSON credentials
        # in, {"access_token": ...} out with 201.
        body = api.call("POST", "/auth/token", {"username": username, "password": password}, expect=(200, 201))
        value = body.get("access_token") if isinstance(body, dict) else None
        if not value:
            raise ValueError("POST /auth/token: the answer has no access_token")
        secrets.append(value)
        api.token = value

    def version():
        body = api.call("GET", "/api/v2/version")
        return body.get("version") if isinstance(body, dict) else None

    def dag():
        try:
            body = api.call("GET", dag_path)
        except HttpStatusError as e:
            if e.status == 404:
                raise LookupError(f"DAG {dag_id} not found: is it in the DAG folder / did the dag-processor parse it? ({e})") from e
            raise
        return bool(body["is_paused"])

    def trigger():
        # Airflow 3.2 TriggerDAGRunPostBody: logical_date has no default (null for a manual run
        # with no logical date); run_after defaults to now.
        body = {"dag_run_id": run_id, "logical_date": None, "conf": {}, "note": "spark-k8s smoke test"}
        api.call("POST", f"{dag_path}/dagRuns", body)
        out["triggered"] = True

    def wait():
        deadline = time.monotonic() + timeout
        errors = 0
        while True:
            try:
                body = api.call("GET", run_path)
                errors = 0
                out["state"] = body["state"]
            except (ConnectionError, HttpStatusError) as e:
                errors += 1
                if errors > POLL_ERRORS_ALLOWED or (isinstance(e, HttpStatusError) and e.status < 500):
                    raise
            if out.get("state") == "success":
                return
            if out.get("state") == "failed":
                raise RunFailed(f"run {run_id} of {dag_id} ended failed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"run {run_id} of {dag_id} still {out.get('state')} after {timeout} s")
            time.sleep(min(POLL_SECONDS, remaining))

    def tasks():
        body = api.call("GET", f"{run_path}/taskInstances")
        return [{"taskId": t["task_id"], "state": t["state"], "tryNumber": t["try_number"]} for t in body["task_instances"]]

    try:
        step("health", health)
        step("token", token)
        out["airflowVersion"] = step("version", version)
        out["wasPaused"] = step("dag", dag)
        if out["wasPaused"]:
            step("unpause", lambda: api.call("PATCH", dag_path, {"is_paused": False}))
            out["unpaused"] = True
        step("trigger", trigger)
        try:
            step("run", wait)
        except StepFailed:
            try:
                out["tasks"] = tasks()
            except Exception as e:  # noqa: BLE001 - the run's failure is the verdict
                out["tasksError"] = describe(e)
            if out.get("tasks"):
                failed = [t["taskId"] for t in out["tasks"] if t["state"] not in ("success", "skipped")]
                if failed:
                    out["error"] = f"{out['error']}; tasks not succeeded: {', '.join(failed)}"[:2000]
    except StepFailed:
        pass
    except Exception as e:  # noqa: BLE001 - a fault of this script: still one report line
        out["failedStep"] = out.get("failedStep", "script")
        out["error"] = describe(e)
    finally:
        if (out.get("triggered") or out.get("unpaused")) and not keep:
            cleanup(api, dag_path, run_path)
    finish()


def cleanup(api, dag_path, run_path):
    """Deletes the triggered run and pauses the DAG again if it was unpaused; errors go to cleanupError."""
    t0 = time.monotonic()
    out["steps"].append("cleanup")
    errors = []
    if out.get("triggered"):
        try:
            try:
                api.call("DELETE", run_path, expect=(200, 204))
            except HttpStatusError as e:
                # Airflow 3.2 deletes only queued, success and failed runs (409 otherwise): a run
                # still going at the timeout is marked failed first, which also stops its tasks.
                if e.status != 409:
                    raise
                api.call("PATCH", run_path, {"state": "failed"})
                out["markedFailed"] = True
                api.call("DELETE", run_path, expect=(200, 204))
            out["deleted"] = True
        except Exception as e:  # noqa: BLE001
            out["deleted"] = False
            errors.append(describe(e))
    if out.get("unpaused"):
        try:
            api.call("PATCH", dag_path, {"is_paused": True})
            out["repaused"] = True
        except Exception as e:  # noqa: BLE001
            out["repaused"] = False
            errors.append(describe(e))
    out["timings"]["cleanup"] = round(time.monotonic() - t0, 2)
    if errors:
        out["cleanupError"] = "; ".join(errors)[:2000]
        if "failedStep" not in out:
            out["failedStep"] = "cleanup"
            out["error"] = out["cleanupError"]


main()

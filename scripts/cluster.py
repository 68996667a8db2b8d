"""The cluster test's checks, run by scripts/cluster.sh once nginx and the
nodes are up. Talks HTTPS to nginx (verifying the throwaway certificate) and
plain HTTP to each node's own port; never leaves loopback; every loop is
bounded in count and time.

Environment (set by cluster.sh): NGINX_PORT, CA_FILE, NODES (host:port,
space-separated), NODE_PIDS (same order), PSQL_URL, RESOLVER_CACHE_MS,
LOAD_SECONDS; WRK_SECONDS (optional) first measures the resolver's
throughput through nginx against one node direct with wrk.

Checks, each printed as it passes; the first failure exits non-zero:
  1. every node is alive and ready, and its /metrics parses as Prometheus
     text (prometheus_client's parser); nginx hides /metrics and /readyz;
  2. through nginx: HTTP/2 is offered (ALPN), HSTS is set, text is gzipped,
     QR images and static files are cached long, nginx's request id reaches
     the node and comes back;
  3. a recall made through one node's API shows on every node within
     RESOLVER_CACHE_MS: any lookup sent that long after the recall's answer
     answers "recalled";
  4. under load through nginx (scans and API writes), `kill -9` of one node:
     no GET fails (nginx retries it on another node), every acknowledged
     write is stored, and the scans the killed node had answered but not
     yet written are lost, counted, and no more than what it buffered: at
     most its last scrape's buffer depth plus what it took in since, at its
     highest measured rate.
"""

import http.client
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

NGINX_PORT = int(os.environ["NGINX_PORT"])
CA_FILE = os.environ["CA_FILE"]
NODES = os.environ["NODES"].split()
NODE_PIDS = [int(p) for p in os.environ["NODE_PIDS"].split()]
PSQL_URL = os.environ["PSQL_URL"]
CACHE_MS = int(os.environ["RESOLVER_CACHE_MS"])
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "8"))
DEADLINE = time.monotonic() + 150 + 5 * int(os.environ.get("WRK_SECONDS", "0"))  # bounded


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok: {message}", flush=True)


def tls_context():
    ctx = ssl.create_default_context(cafile=CA_FILE)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


def via_nginx():
    ctx = ssl.create_default_context(cafile=CA_FILE)
    return http.client.HTTPSConnection("127.0.0.1", NGINX_PORT, context=ctx, timeout=10)


def direct(node):
    host, port = node.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def call(conn, method, path, body=None, headers=None):
    """One request on a kept-alive connection: (status, headers, body bytes)."""
    h = {"Accept": "application/json"}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def api(conn, method, path, token, body=None):
    status, _, data = call(conn, method, path, body, {"Authorization": f"Bearer {token}"})
    return status, (json.loads(data) if data else None)


def token_for(user):
    conn = via_nginx()
    status, headers, _ = call(conn, "POST", "/api/v1/auth/login",
                              {"username": user, "password": "demo"})
    if status != 200:
        fail(f"login {user}: {status}")
    cookie = headers["set-cookie"].split(";")[0]
    status, _, data = call(conn, "POST", "/api/v1/tokens", {"name": "cluster"},
                           {"Cookie": cookie})
    if status != 201:
        fail(f"token for {user}: {status} {data!r}")
    return json.loads(data)["token"]


def scrape(node):
    status, _, data = call(direct(node), "GET", "/metrics")
    if status != 200:
        fail(f"{node} /metrics answered {status}")
    values = {}
    for family in text_string_to_metric_families(data.decode()):
        for s in family.samples:
            key = s.name + "".join(f",{k}={v}" for k, v in sorted(s.labels.items()))
            values[key] = s.value
    return values


def psql(sql):
    out = subprocess.run(["psql", "-qtA", PSQL_URL, "-c", sql], check=True,
                         capture_output=True, text=True).stdout
    return out.strip()


def probes():
    for node in NODES:
        status, _, body = call(direct(node), "GET", "/healthz")
        check(status == 200 and json.loads(body)["status"] == "ok", f"{node} /healthz alive")
        status, _, body = call(direct(node), "GET", "/readyz")
        ready = json.loads(body)
        check(status == 200 and ready["status"] == "ready",
              f"{node} /readyz ready (database and migrations)")
        m = scrape(node)
        check("tracestamp_audit_log_entries" in m and m["tracestamp_database_up"] == 1.0,
              f"{node} /metrics parses as Prometheus text "
              f"({len(m)} samples, audit log {int(m['tracestamp_audit_log_entries'])} entries)")
    for path in ("/metrics", "/readyz"):
        status, _, _ = call(via_nginx(), "GET", path)
        check(status == 404, f"nginx does not expose {path}")


def edge(serial):
    ctx = tls_context()
    import socket
    with socket.create_connection(("127.0.0.1", NGINX_PORT), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="tx.cluster.test") as tls:
            check(tls.selected_alpn_protocol() == "h2",
                  f"nginx offers HTTP/2 ({tls.version()}, {tls.cipher()[0]})")
    conn = via_nginx()
    status, h, _ = call(conn, "GET", "/healthz")
    check(status == 200 and h.get("strict-transport-security", "").startswith("max-age="),
          "HSTS on every answer")
    status, h, _ = call(conn, "GET", "/static/site.css", headers={"Accept-Encoding": "gzip"})
    check(status == 200 and h.get("content-encoding") == "gzip"
          and "max-age=604800" in h.get("cache-control", ""),
          "the stylesheet gzipped by nginx and cached for a week")
    status, h, _ = call(conn, "GET", f"/s/{serial}/qr.svg")
    check(status == 200 and "max-age=31536000" in h.get("cache-control", ""),
          "a QR image cached for a year")
    status, h, body = call(conn, "GET", "/api/v1/batches")
    rid = h.get("x-request-id", "")
    check(status == 401 and len(rid) == 32 and json.loads(body)["error"]["request_id"] == rid,
          f"nginx's request id reaches the node and its error body ({rid})")


def verdict(node, serial):
    status, _, body = call(direct(node), "GET", f"/s/{serial}")
    if status != 200:
        fail(f"{node} /s/{serial}: {status}")
    return json.loads(body)["verdict"]


def recall_shows_everywhere(token, batch, serial):
    for node in NODES:
        check(verdict(node, serial) == "genuine", f"{node} serves the stamp as genuine (cached)")
    status, body = api(direct(NODES[0]), "POST", f"/api/v1/batches/{batch}/recall", token,
                       {"reason": "cluster test: Salmonella in a sample"})
    if status != 200:
        fail(f"recall: {status} {body}")
    acknowledged = time.monotonic()
    due = acknowledged + CACHE_MS / 1000
    last_stale = {node: None for node in NODES}
    first_fresh = {node: None for node in NODES}
    polled_after_due = set()
    while len(polled_after_due) < len(NODES) or time.monotonic() < due + 0.2:
        if time.monotonic() > due + 10:
            fail("lookups too slow to check the recall's spread")
        for node in NODES:
            sent = time.monotonic()
            v = verdict(node, serial)
            if v == "recalled":
                if first_fresh[node] is None:
                    first_fresh[node] = sent - acknowledged
            elif sent >= due:
                fail(f"{node} answered {v} to a lookup sent {1000 * (sent - acknowledged):.0f} ms "
                     f"after the recall (RESOLVER_CACHE_MS={CACHE_MS})")
            else:
                last_stale[node] = sent - acknowledged
            if sent >= due:
                polled_after_due.add(node)
        time.sleep(0.01)
    for node in NODES:
        stale = "none" if last_stale[node] is None else f"{1000 * last_stale[node]:.0f} ms"
        check(first_fresh[node] is not None,
              f"{node} shows the recall to every lookup sent from {CACHE_MS} ms after it "
              f"(last stale answer to a lookup sent at {stale}, first recalled at "
              f"{1000 * first_fresh[node]:.0f} ms)")


class Load:
    """Scanners and writers through nginx until stopped; counts what was
    acknowledged."""

    def __init__(self, serials, token, product, facility):
        self.serials = serials
        self.token = token
        self.product = product
        self.facility = facility
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.scans_ok = 0
        self.get_failures = []
        self.writes_ok = []
        self.write_failures = []

    def scanner(self):
        conn = via_nginx()
        rng = random.Random()
        while not self.stop.is_set() and time.monotonic() < DEADLINE:
            serial = rng.choice(self.serials)
            try:
                status, _, _ = call(conn, "GET", f"/s/{serial}")
            except (OSError, http.client.HTTPException) as e:
                status = repr(e)
                conn = via_nginx()
            with self.lock:
                if status == 200:
                    self.scans_ok += 1
                else:
                    self.get_failures.append(status)

    def writer(self, n):
        conn = via_nginx()
        i = 0
        while not self.stop.is_set() and time.monotonic() < DEADLINE:
            i += 1
            lot = f"CLUSTER-{n}-{i}"
            body = {"product_id": self.product, "facility_id": self.facility, "lot_code": lot,
                    "produced_on": "2026-11-02", "quantity": 10, "unit": "kg"}
            try:
                status, answer = api(conn, "POST", "/api/v1/batches", self.token, body)
            except (OSError, http.client.HTTPException, ValueError) as e:
                status, answer = repr(e), None
                conn = via_nginx()
            with self.lock:
                if status == 201:
                    self.writes_ok.append(answer["id"])
                else:
                    self.write_failures.append(status)


def kill_under_load(token, product, facility, serials, roll_number):
    victim, victim_pid = NODES[-1], NODE_PIDS[-1]
    survivors = NODES[:-1]
    load = Load(serials, token, product, facility)
    threads = [threading.Thread(target=load.scanner) for _ in range(6)]
    threads += [threading.Thread(target=load.writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    scrapes = []  # (time, accepted = written + buffered, buffered) of the victim
    kill_at = time.monotonic() + LOAD_SECONDS / 2
    while time.monotonic() < kill_at:
        m = scrape(victim)
        depth = m["tracestamp_scan_buffer_depth"]
        scrapes.append((time.monotonic(), m["tracestamp_scans_written_total"] + depth, depth))
        time.sleep(0.1)
    acked_before_kill = load.scans_ok
    os.kill(victim_pid, signal.SIGKILL)
    killed = time.monotonic()
    print(f"killed {victim} (pid {victim_pid}) under load after {acked_before_kill} "
          f"acknowledged scans", flush=True)
    time.sleep(LOAD_SECONDS / 2)
    load.stop.set()
    for t in threads:
        t.join(timeout=30)
    elapsed = LOAD_SECONDS
    print(f"load through nginx: {load.scans_ok} scans ({load.scans_ok / elapsed:.0f}/s), "
          f"{len(load.writes_ok)} writes acknowledged", flush=True)

    check(load.scans_ok > 0 and not load.get_failures,
          f"no GET failed through the kill (nginx failed over; failures: "
          f"{load.get_failures[:5]})")
    check(len(load.write_failures) <= 2,
          f"at most the writes in flight at the kill failed ({load.write_failures})")

    # Every acknowledged write is stored: read each back through a survivor.
    conn = direct(survivors[0])
    missing = [i for i in load.writes_ok
               if api(conn, "GET", f"/api/v1/batches/{i}", token)[0] != 200]
    check(not missing and load.writes_ok,
          f"all {len(load.writes_ok)} acknowledged writes are stored")

    # The survivors write what they buffered within a flush or two.
    for node in survivors:
        for _ in range(100):
            if scrape(node)["tracestamp_scan_buffer_depth"] == 0:
                break
            time.sleep(0.1)
        else:
            fail(f"{node} still has buffered scans")
    time.sleep(0.2)
    written = int(psql(f"SELECT COALESCE(SUM(tally), 0) FROM scan WHERE roll_number = {roll_number}"))
    lost = load.scans_ok - written
    last_t, last_accepted, last_depth = scrapes[-1]
    rate = max((b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(scrapes, scrapes[1:]))
    since = killed - last_t
    # Scans the victim answered but had not written when it died: at most
    # what its last scrape showed buffered plus what it can have taken in
    # since (its highest measured rate over the time between), and the
    # scans that were in flight when it died (answered by it, written, and
    # answered again by a survivor after nginx's retry) can make it
    # slightly negative.
    bound = last_depth + rate * since + 6
    print(f"scans acknowledged {load.scans_ok}, written {written}: lost with the killed node "
          f"{lost} (its buffer at the last scrape {last_depth:.0f}, {since * 1000:.0f} ms before "
          f"the kill, at up to {rate:.0f} scans/s: bound {bound:.0f})", flush=True)
    check(-6 <= lost <= bound,
          f"the killed node's buffered scans are the only ones lost ({lost} <= {bound:.0f})")
    return survivors


WRK_LUA = """
local serials = {}
for line in io.lines(os.getenv("SERIALS_FILE")) do serials[#serials + 1] = line end
request = function()
  return wrk.format("GET", "/s/" .. serials[math.random(#serials)],
                    {["Accept"] = "application/json"})
end
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, seconds, serials_file, lua_file):
    env = dict(os.environ, SERIALS_FILE=serials_file)
    before = [cpu_seconds(p) for p in NODE_PIDS]
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-s", lua_file, url],
                         check=True, capture_output=True, text=True, env=env).stdout
    cpu = [cpu_seconds(p) - b for p, b in zip(NODE_PIDS, before)]
    rps = float(next(l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec")))
    p99 = next(l.split()[1] for l in out.splitlines() if l.strip().startswith("99%"))
    errors = [l.strip() for l in out.splitlines() if "Non-2xx" in l or "Socket errors" in l]
    return rps, p99, [c / seconds for c in cpu], errors


def throughput(token, batch_roll_serials):
    """Optional (WRK_SECONDS): resolver JSON through nginx to every node
    against one node direct, with each node's CPU (cores busy)."""
    seconds = int(os.environ.get("WRK_SECONDS", "0"))
    if not seconds or subprocess.run(["which", "wrk"], capture_output=True).returncode:
        return
    work = os.path.dirname(CA_FILE)
    serials_file, lua_file = f"{work}/serials.txt", f"{work}/serials.lua"
    with open(serials_file, "w") as f:
        f.write("\n".join(batch_roll_serials))
    with open(lua_file, "w") as f:
        f.write(WRK_LUA)
    rows = [("one node direct (HTTP)", f"http://{NODES[0]}"),
            (f"nginx (HTTPS) to {len(NODES)} nodes", f"https://127.0.0.1:{NGINX_PORT}"),
            ("one node direct (HTTP)", f"http://{NODES[0]}")]
    print(f"== resolver JSON, wrk -t2 -c64 -d{seconds}s, {len(batch_roll_serials)} random serials")
    print(f"{'case':32} {'requests/s':>11} {'p99':>9}  nodes' CPU (cores busy)")
    results = []
    for name, url in rows:
        rps, p99, cpu, errors = wrk(url, seconds, serials_file, lua_file)
        results.append(rps)
        print(f"{name:32} {rps:11,.0f} {p99:>9}  {' '.join(f'{c:.2f}' for c in cpu)} "
              f"{' '.join(errors)}", flush=True)
    direct_rps = (results[0] + results[2]) / 2
    print(f"ratio through nginx / one node direct: {results[1] / direct_rps:.2f}", flush=True)


def main():
    producer = token_for("producer1")
    regulator = token_for("regulator1")
    conn = via_nginx()
    _, products = api(conn, "GET", "/api/v1/products?per_page=1", producer)
    _, facilities = api(conn, "GET", "/api/v1/facilities?per_page=1", producer)
    product, facility = products["items"][0]["id"], facilities["items"][0]["id"]

    def new_roll(lot, count):
        status, b = api(conn, "POST", "/api/v1/batches", producer,
                        {"product_id": product, "facility_id": facility, "lot_code": lot,
                         "produced_on": "2026-11-02", "quantity": 100, "unit": "kg"})
        if status != 201:
            fail(f"batch {lot}: {status} {b}")
        status, roll = api(conn, "POST", f"/api/v1/batches/{b['id']}/stamp-rolls", producer,
                           {"count": count})
        if status != 201:
            fail(f"roll: {status} {roll}")
        return b["id"], roll

    recalled_batch, recall_roll = new_roll("CLUSTER-RECALL", 10)
    _, load_roll = new_roll("CLUSTER-LOAD", 2000)
    status, _, csv = call(conn, "GET", f"/api/v1/stamp-rolls/{load_roll['id']}/serials"
                          f"?format=json&count=2000", headers={"Authorization": f"Bearer {producer}"})
    if status != 200:
        fail(f"serials: {status}")
    serials = [s["serial"] for s in json.loads(csv)]
    roll_number = int(psql(f"SELECT number FROM stamp_roll WHERE id = '{load_roll['id']}'"))

    probes()
    edge(recall_roll["first_serial"])
    if os.environ.get("WRK_SECONDS"):
        _, big_roll = new_roll("CLUSTER-WRK", 100000)
        status, _, data = call(conn, "GET", f"/api/v1/stamp-rolls/{big_roll['id']}/serials"
                               f"?format=json&count=20000",
                               headers={"Authorization": f"Bearer {producer}"})
        throughput(producer, [s["serial"] for s in json.loads(data)])
    recall_shows_everywhere(regulator, recalled_batch, recall_roll["first_serial"])
    kill_under_load(producer, product, facility, serials, roll_number)
    print("cluster checks passed", flush=True)


if __name__ == "__main__":
    main()

"""Fresh secrets and look-alikes for bench/redaction_fresh.sh: carriers the repository's
corpus (tests/redaction_corpus.rs) does not use, seeded by argv[1] (set 2 of the closing
note: 424242). Writes argv[2] as JSON."""
import base64, hashlib, json, random, string, sys, uuid
r = random.Random(int(sys.argv[1]))
def rnd(alpha, n): return "".join(r.choice(alpha) for _ in range(n))
b62 = string.ascii_letters + string.digits
secrets = []
for _ in range(400):
    kind = r.choice(["b62", "b64", "hexpfx", "b32", "pw", "azure", "slack", "gcp"])
    n = r.randint(20, 64)
    if kind == "b62": s = rnd(b62, n)
    elif kind == "b64": s = base64.b64encode(bytes(r.getrandbits(8) for _ in range(n))).decode()
    elif kind == "hexpfx": s = r.choice(["ak_", "live-", "srv_", "pat-"]) + rnd("0123456789abcdef", 32)
    elif kind == "b32": s = rnd(string.ascii_uppercase + "234567", 32)
    elif kind == "pw": s = rnd(b62 + "!#%&*+-.", r.randint(20, 28))
    elif kind == "azure": s = rnd(b62 + "+/", 86) + "=="
    elif kind == "slack": s = "xoxp-" + "-".join(rnd(string.digits, 12) for _ in range(3)) + "-" + rnd("0123456789abcdef", 32)
    else: s = "AIza" + rnd(b62 + "-_", 35)
    carrier = r.choice([
        "SECRET_KEY_BASE={s}",
        "docker run -e DB_PASS={s} postgres:16",
        '{{"client_secret": "{s}", "client_id": "web"}}',
        "Use {s} as the admin password for now.",
        "aws_secret_access_key = {s}",
        "The vault token for staging is {s}.",
        "heroku config:set SESSION_SECRET={s}",
        "  password: '{s}'",
        "I pasted the API key {s} into the config.",
        "REDIS_URL=redis://default:{s}@cache.internal:6379",
    ])
    secrets.append({"kind": kind, "secret": s, "text": carrier.format(s=s)})
looks = []
words = ["request", "handler", "config", "cache", "session", "token", "buffer", "parser", "worker", "stream"]
for _ in range(400):
    kind = r.choice(["ident", "path", "sha", "uuid", "semver", "pod", "camel", "url", "tokcount", "b64word"])
    if kind == "ident": s = "_".join(r.choice(words) for _ in range(r.randint(3, 5)))
    elif kind == "path": s = "/".join(r.choice(words) for _ in range(r.randint(3, 6))) + ".rs"
    elif kind == "sha": s = hashlib.sha256(bytes([r.getrandbits(8)])).hexdigest()
    elif kind == "uuid": s = str(uuid.UUID(int=r.getrandbits(128)))
    elif kind == "semver": s = f"v{r.randint(0,9)}.{r.randint(0,30)}.{r.randint(0,99)}-rc.{r.randint(1,9)}"
    elif kind == "pod": s = f"{r.choice(words)}-{rnd('bcdfghjklmnpqrstvwxz2456789', 10)}-{rnd('bcdfghjklmnpqrstvwxz2456789', 5)}"
    elif kind == "camel": s = "".join(w.capitalize() for w in r.sample(words, 4)) + "Factory"
    elif kind == "url": s = f"ghcr.io/{r.choice(words)}/{r.choice(words)}:{r.randint(1,9)}.{r.randint(0,20)}.{r.randint(0,9)}-alpine"
    elif kind == "tokcount": s = f"feature/{r.choice(words)}-{r.choice(words)}-{r.choice(words)}-v{r.randint(2,9)}"
    else: s = "".join(w.capitalize() for w in r.sample(words, 5)) + "Implementation"
    carrier = r.choice([
        "The build of {s} passed on the second try.",
        "Rename {s} and keep the old name as an alias.",
        "We pinned {s} in the lockfile.",
        "Open {s} to see the failing assertion.",
    ])
    looks.append({"kind": kind, "text": carrier.format(s=s), "keep": s})
json.dump({"secrets": secrets, "looks": looks}, open(sys.argv[2], "w"))
print(len(secrets), len(looks))

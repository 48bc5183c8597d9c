#!/usr/bin/env python3
"""Independent credential / look-alike corpus generator for speakja.nvim.

usage: python3 gen.py SEED OUT.json [--stats]

Writes {"secrets": [{"kind","secret","text"}...], "looks": [{"kind","text"}...]}
with 400 secrets and 400 look-alikes.  Deterministic per SEED (only
random.Random(SEED) is used; no hash(), no set iteration, no clock).

Every secret record's "text" contains "secret" verbatim exactly once.
Look-alike texts contain no credential.
"""
import base64
import json
import random
import string
import sys
import urllib.parse
import zlib

N_SECRETS = 400
N_LOOKS = 400

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DI = string.digits
AN = UP + LO + DI
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = AN + "+/"
B64U = AN + "-_"
AWS32 = UP + "234567"
CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
NIX32 = "0123456789abcdfghijklmnpqrsvwxyz"
K8S_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"
BASE62 = DI + UP + LO

WORDS = """amber anchor apple arrow aspen autumn badger bamboo banjo beacon birch
bison blossom breeze bronze cactus camel canyon cedar cherry cinder citrus clover
cobalt comet copper coral cosmos cricket crimson crystal dahlia delta desert dingo
ember falcon fennel fern fjord flint forest fossil garnet gecko ginger glacier
granite harbor hazel heron hickory honey indigo iris ivory jasper juniper kayak
kelp kettle kiwi lagoon lantern lava lemon lilac linen lotus lunar magnet mango
maple marble meadow melon meteor mint mocha monsoon moss nectar nickel nutmeg oasis
ocean olive onyx orbit orchid otter pebble pepper pine plasma plum polar poppy
prairie prism puffin quartz quill quiet radish raven reef ripple river rocket rose
ruby saffron salmon sapphire scarlet sequoia shadow sierra silver sparrow spruce
squid storm summit sunset swift tango thistle thunder tidal timber topaz tulip
tundra turtle umber velvet violet walnut willow winter wren yarrow zephyr zinc""".split()

USERS = ["dana", "alex", "priya", "marco", "yuki", "sam", "lena", "omar", "chen",
         "ines", "tomas", "aiko", "ravi", "zoe", "kenji", "deploy", "ci-bot",
         "admin", "app", "svc_api", "etl_user", "grafana", "backend", "webapp"]
ORGS = ["acme", "northwind", "globex", "initech", "umbrella-labs", "hooli",
        "piedpiper", "tanuki-io", "kestrel", "bluefin", "mosaic-hq", "orbital"]
REPOS = ["api", "web", "billing-service", "infra", "dashboard", "mobile-app",
         "data-pipeline", "auth-service", "docs", "cli", "worker", "storefront"]
DBNAMES = ["app_production", "orders", "analytics", "app_dev", "billing", "main",
           "inventory", "users", "warehouse", "staging"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]
FILES = ["config.ts", "settings.py", "client.go", "index.js", "app.rb", "main.rs",
         "Config.java", "env.ts", "api.py", "deploy.sh", "constants.ts", "secrets.yaml"]


def rs(r, n, a=AN):
    return "".join(r.choice(a) for _ in range(n))


def rb(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def b64(b):
    return base64.b64encode(b).decode()


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def base62(n, width):
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = BASE62[d] + out
    return out.rjust(width, "0")[-width:]


def uuid4(r):
    h = rs(r, 32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{r.choice('89ab')}{h[17:20]}-{h[20:]}"


def ulid(r):
    return "01" + r.choice("HJK") + rs(r, 7, CROCK) + rs(r, 16, CROCK)


def ts_iso(r):
    return "2025-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59),
        r.randint(0, 59), r.randint(0, 999))


def ts_log(r):
    return "2025-%02d-%02d %02d:%02d:%02d,%03d" % (
        r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59),
        r.randint(0, 59), r.randint(0, 999))


def epoch(r):
    return r.randint(1735689600, 1767225599)


def camel(field):
    parts = field.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def pascal(field):
    return "".join(p.title() for p in field.split("_"))


def host(r):
    return r.choice(["db.internal", "localhost", "10.0.%d.%d" % (r.randint(0, 9), r.randint(2, 250)),
                     "prod-db.cluster-c%s.%s.rds.amazonaws.com" % (rs(r, 11, LO + DI), r.choice(REGIONS)),
                     "pg-%s.%s.svc.cluster.local" % (r.choice(REPOS), r.choice(["prod", "staging", "data"])),
                     "%s-primary.postgres.database.azure.com" % r.choice(ORGS)])


# ----------------------------------------------------------------------------
# human passwords
# ----------------------------------------------------------------------------
SYM = "!@#%^&*-_+=?.~"


def leet(w):
    return w.translate(str.maketrans({"o": "0", "a": "4", "e": "3", "i": "1", "s": "5"}))


def pw_mixed(r):
    """Human-made password: mixed case, digits, symbols, 10..30 chars."""
    while True:
        v = r.randint(0, 4)
        if v == 0:
            p = r.choice(WORDS).title() + r.choice(WORDS).title() + str(r.randint(1, 2025)) + r.choice("!@#?*")
        elif v == 1:
            p = leet(r.choice(WORDS)).title() + r.choice(SYM) + leet(r.choice(WORDS)) + str(r.randint(0, 99))
        elif v == 2:
            pool = AN + SYM
            p = rs(r, r.randint(12, 22), pool)
            p = r.choice(UP) + p + r.choice(DI) + r.choice(SYM)
        elif v == 3:
            p = r.choice(WORDS).title() + r.choice(SYM) + r.choice(["20", "19"]) + "%02d" % r.randint(0, 99) + r.choice(SYM) + r.choice(WORDS).upper()
        else:
            p = r.choice(USERS).title() + r.choice(["Prod", "Admin", "Db", "Root"]) + r.choice("!#@") + str(r.randint(100, 99999)) + r.choice(LO) + r.choice(UP)
        if 10 <= len(p) <= 30 and any(c.isdigit() for c in p) and any(c.isupper() for c in p):
            return p


def pw_nodigit(r):
    """Human password without any digit."""
    while True:
        v = r.randint(0, 2)
        if v == 0:
            p = r.choice(WORDS).title() + r.choice("!#?*&") + r.choice(WORDS).title() + r.choice("!#?*&%") + r.choice(WORDS)
        elif v == 1:
            p = rs(r, r.randint(12, 20), UP + LO + "!@#%^&*-_+=?")
        else:
            p = r.choice(WORDS).upper()[:3] + r.choice(WORDS).title() + r.choice(SYM) + r.choice(WORDS).title() + r.choice(SYM)
        if 10 <= len(p) <= 30 and not any(c.isdigit() for c in p):
            return p


def pw_passphrase(r, allow_space=True):
    """Passphrase-like: words joined by separators."""
    while True:
        n = r.randint(3, 5)
        ws = [r.choice(WORDS) for _ in range(n)]
        sep = r.choice(["-", "-", ".", "_", "+", " "] if allow_space else ["-", "-", ".", "_", "+"])
        v = r.randint(0, 3)
        if v == 1:
            ws = [w.title() for w in ws]
        elif v == 2:
            ws[r.randrange(n)] += str(r.randint(1, 99))
        elif v == 3:
            i = r.randrange(n)
            ws[i] = ws[i].upper()
        p = sep.join(ws)
        if v == 0 and r.random() < 0.5:
            p += r.choice("!?.")
        if 14 <= len(p) <= 40 and len(set(ws)) == n:
            return p


def pw_any(r, urlsafe=False):
    v = r.random()
    if v < 0.45:
        p = pw_mixed(r)
    elif v < 0.6:
        p = pw_nodigit(r)
    elif v < 0.75:
        p = pw_passphrase(r, allow_space=False)
    else:
        p = rs(r, r.randint(16, 32), AN)  # generated password
    return p


def url_pw(r):
    """Password as it appears inside a URL userinfo (percent-encoded where needed)."""
    v = r.random()
    if v < 0.4:
        return rs(r, r.randint(16, 32), AN)
    if v < 0.55:
        return rs(r, r.randint(14, 24), AN + "-_.~")
    if v < 0.75:
        return urllib.parse.quote(pw_passphrase(r, allow_space=False), safe="-_.~")
    return urllib.parse.quote(pw_mixed(r), safe="-_.~")


# ----------------------------------------------------------------------------
# provider token shapes
# ----------------------------------------------------------------------------
def gh_checksummed(r, prefix):
    body = rs(r, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def g_github_classic(r):
    return gh_checksummed(r, "ghp_")


def g_github_fine(r):
    return "github_pat_11" + rs(r, 20, UP + DI) + "_" + rs(r, 59)


def g_github_app(r):
    return gh_checksummed(r, r.choice(["ghs_", "gho_", "ghu_", "ghr_"]))


def g_gitlab(r):
    v = r.random()
    if v < 0.6:
        return "glpat-" + rs(r, 20, AN + "-_")
    if v < 0.75:
        return "glpat-" + rs(r, 27, B64U) + ".01." + rs(r, 9, LO + DI)
    if v < 0.9:
        return "glrt-" + rs(r, 20, AN + "-_")
    return "gldt-" + rs(r, 20, AN + "-_")


def g_openai(r):
    v = r.random()
    if v < 0.55:
        return "sk-proj-" + rs(r, 74, B64U) + "T3BlbkFJ" + rs(r, 74, B64U)
    if v < 0.75:
        return "sk-" + rs(r, 20) + "T3BlbkFJ" + rs(r, 20)
    if v < 0.9:
        return "sk-svcacct-" + rs(r, 74, B64U) + "T3BlbkFJ" + rs(r, 74, B64U)
    return "sk-admin-" + rs(r, 74, B64U) + "T3BlbkFJ" + rs(r, 74, B64U)


def g_anthropic(r):
    p = r.choice(["sk-ant-api03-"] * 4 + ["sk-ant-admin01-"])
    return p + rs(r, 93, B64U) + "AA"


def g_stripe_live(r):
    return "sk_live_51" + rs(r, 14) + rs(r, r.randint(80, 85))


def g_stripe_test(r):
    if r.random() < 0.7:
        return "sk_test_51" + rs(r, 14) + rs(r, r.randint(80, 85))
    return "sk_test_" + rs(r, 24)


def g_stripe_restricted(r):
    return r.choice(["rk_live_51", "rk_test_51"]) + rs(r, 14) + rs(r, r.randint(80, 85))


def g_stripe_whsec(r):
    return "whsec_" + rs(r, 32)


def g_slack_bot(r):
    return "xoxb-%d-%d-%s" % (r.randint(10**10, 10**13), r.randint(10**10, 10**13), rs(r, 24))


def g_slack_user(r):
    return "xoxp-%d-%d-%d-%s" % (r.randint(10**10, 10**12), r.randint(10**10, 10**12),
                                 r.randint(10**12, 10**13), rs(r, 32, HEX))


def g_slack_app(r):
    return "xapp-1-A%s-%d-%s" % (rs(r, 10, UP + DI), r.randint(10**12, 10**13), rs(r, 64, HEX))


def g_hex(n):
    return lambda r: rs(r, n, HEX)


def g_sendgrid(r):
    return "SG." + rs(r, 22, B64U) + "." + rs(r, 43, B64U)


def g_mailgun(r):
    if r.random() < 0.5:
        return "key-" + rs(r, 32, HEX)
    return rs(r, 32, HEX) + "-" + rs(r, 8, HEX) + "-" + rs(r, 8, HEX)


def g_aws_akid(r):
    return r.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + rs(r, 16, AWS32)


def g_aws_secret(r):
    return rs(r, 40, B64)


def g_aws_session(r):
    return r.choice(["IQoJb3JpZ2luX2VjE", "FwoGZXIvYXdzE"]) + rs(r, r.randint(280, 420), B64)


def g_gcp_api(r):
    return "AIzaSy" + rs(r, 33, B64U)


def g_gcp_oauth(r):
    return "ya29.a0A" + rs(r, r.randint(140, 210), B64U)


def g_azure_storage(r):
    return b64(rb(r, 64))


def g_azure_sas(r):
    return urllib.parse.quote(b64(rb(r, 32)), safe="")


def g_azure_client_secret(r):
    return rs(r, 3, AN) + "8Q~" + rs(r, 34, AN + "_~.-")


def g_npm(r):
    return gh_checksummed(r, "npm_")


def g_pypi(r):
    return "pypi-AgEIcHlwaS5vcmc" + "CJ" + rs(r, r.randint(150, 190), B64U)


def g_dockerhub(r):
    return "dckr_pat_" + rs(r, 27, B64U)


def g_discord(r):
    uid = str(r.randint(10**17, 13 * 10**17))
    return base64.b64encode(uid.encode()).decode().rstrip("=") + "." + rs(r, 6, B64U) + "." + rs(r, 38, B64U)


def g_telegram(r):
    return "%d:AA%s" % (r.randint(10**8, 8 * 10**9), rs(r, 33, B64U))


def g_shopify(r):
    return r.choice(["shpat_", "shpat_", "shpca_", "shppa_", "shpss_"]) + rs(r, 32, HEX)


def g_vault(r):
    v = r.random()
    if v < 0.5:
        return "hvs.CAESI" + rs(r, 86, B64U)
    if v < 0.8:
        return "hvs." + rs(r, 24)
    if v < 0.9:
        return "s." + rs(r, 24)
    return "hvb.AAAAAQ" + rs(r, 120, B64U)


def jwt(r, payload=None, rs256=None):
    if rs256 is None:
        rs256 = r.random() < 0.35
    hdr = {"alg": "RS256" if rs256 else "HS256", "typ": "JWT"}
    if rs256 and r.random() < 0.6:
        hdr = {"alg": "RS256", "kid": rs(r, 43, B64U)}
    if payload is None:
        now = epoch(r)
        payload = r.choice([
            {"sub": uuid4(r), "email": "%s@%s.com" % (r.choice(USERS), r.choice(ORGS)), "iat": now, "exp": now + 3600},
            {"iss": "supabase", "ref": rs(r, 20, LO), "role": r.choice(["service_role", "anon"]), "iat": now, "exp": now + 10 ** 8},
            {"sub": str(r.randint(1000, 99999)), "name": r.choice(USERS).title(), "admin": True, "iat": now},
            {"iss": "https://%s.auth0.com/" % r.choice(ORGS), "sub": "auth0|" + rs(r, 24, HEX), "aud": "https://api.%s.com" % r.choice(ORGS),
             "iat": now, "exp": now + 86400, "scope": "openid profile email"},
        ])
    h = b64u(json.dumps(hdr, separators=(",", ":")).encode())
    p = b64u(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64u(rb(r, 256 if rs256 else 32))
    return "%s.%s.%s" % (h, p, sig)


def g_jwt(r):
    return jwt(r)


def g_k8s_sa_token(r):
    now = epoch(r)
    ns = r.choice(["default", "prod", "ci", "monitoring", "kube-system"])
    sa = r.choice(["deploy-bot", "argocd-manager", "gitlab-runner", "default", "prometheus"])
    payload = {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": now + 31536000, "iat": now,
               "iss": "https://kubernetes.default.svc.cluster.local",
               "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa, "uid": uuid4(r)}},
               "nbf": now, "sub": "system:serviceaccount:%s:%s" % (ns, sa)}
    return jwt(r, payload, rs256=True)


def g_hf(r):
    return "hf_" + rs(r, 34, UP + LO)


def g_notion(r):
    if r.random() < 0.5:
        return "secret_" + rs(r, 43)
    return "ntn_" + rs(r, 11, DI) + rs(r, 35)


def g_linear(r):
    return "lin_api_" + rs(r, 40)


def g_cloudflare(r):
    return rs(r, 40, B64U)


def g_postman(r):
    return "PMAK-" + rs(r, 24, HEX) + "-" + rs(r, 34, HEX)


def g_age(r):
    return "AGE-SECRET-KEY-1" + rs(r, 58, BECH.upper())


def g_kubeadm(r):
    return rs(r, 6, LO + DI) + "." + rs(r, 16, LO + DI)


def g_heroku(r):
    if r.random() < 0.7:
        return uuid4(r)
    return "HRKU-AA" + rs(r, 58, B64U)


def g_generic_key(r):
    v = r.random()
    if v < 0.5:
        return rs(r, r.randint(32, 48))
    if v < 0.75:
        return rs(r, 32, HEX)
    return rs(r, 8, LO + DI) + "-" + rs(r, 24, LO + DI)


def g_hex_secret(r):
    v = r.random()
    if v < 0.45:
        return rs(r, 64, HEX)
    if v < 0.7:
        return rs(r, 128, HEX)
    return b64(rb(r, 32))


DJ = LO + DI + "!@#%^&*(-_=+)"


def g_django(r):
    if r.random() < 0.4:
        return "django-insecure-" + rs(r, 50, DJ)
    return rs(r, 50, DJ)


def g_opaque_bearer(r):
    v = r.random()
    if v < 0.4:
        return rs(r, r.randint(40, 64))
    if v < 0.6:
        return rs(r, 43, B64U)
    if v < 0.8:
        return b64(rb(r, 48))
    return rs(r, 64, HEX)


def g_session(r):
    v = r.random()
    if v < 0.4:
        return rs(r, 32, LO + DI)
    if v < 0.7:
        return "s%3A" + rs(r, 32, B64U) + "." + urllib.parse.quote(b64(rb(r, 32)).rstrip("="), safe="")
    return rs(r, r.randint(120, 200), B64U) + "--" + rs(r, 40, HEX)


def g_supabase(r):
    if r.random() < 0.6:
        now = epoch(r)
        return jwt(r, {"iss": "supabase", "ref": rs(r, 20, LO), "role": "service_role", "iat": now, "exp": now + 10 ** 9}, rs256=False)
    return "sb_secret_" + rs(r, 31, B64U)


# ----------------------------------------------------------------------------
# generic carriers: f(r, s, c) -> text.  c has var, field, svc, slug, host,
# path, hdr (header format or None), q (query param or None)
# ----------------------------------------------------------------------------
def _n(r):
    return r.randint(3, 240)


def _src(r):
    return r.choice(["src/", "app/", "lib/", "internal/", "scripts/", "config/"]) + r.choice(FILES)


def hdr(c, s):
    return c["hdr"].format(s)


GENERIC = [
    ("env_line", None, lambda r, s, c: f"{c['var']}={s}"),
    ("shell_export", None, lambda r, s, c: f'export {c["var"]}="{s}"'),
    ("dotenv_diff", None, lambda r, s, c: f"-{c['var']}=\n+{c['var']}={s}"),
    ("claude_bash_cat_env", None, lambda r, s, c:
        f"⏺ Bash(cat .env.local)\n  ⎿  NODE_ENV=development\n     {c['var']}={s}\n     PORT={r.choice([3000, 8080, 5173, 4000])}"),
    ("claude_update_diff", None, lambda r, s, c:
        f"⏺ Update({r.choice(['.env', '.env.local', 'config/.env.production'])})\n  ⎿  Updated with 1 addition\n       {(n := r.randint(2, 30))}    NODE_ENV=development\n       {n + 1} +  {c['var']}={s}"),
    ("claude_read_numbered", None, lambda r, s, c:
        f"     {r.randint(2, 40)}→{c['var']}={s}"),
    ("yaml", None, lambda r, s, c: r.choice([f"  {c['field']}: {s}", f"    {c['field']}: \"{s}\"", f"  {c['slug']}:\n    {c['field']}: '{s}'"])),
    ("json", None, lambda r, s, c: f'    "{camel(c["field"])}": "{s}",'),
    ("toml", None, lambda r, s, c: f'[{c["slug"]}]\n{c["field"]} = "{s}"'),
    ("python_assign", None, lambda r, s, c: f'{c["field"].upper()} = "{s}"  # TODO: move to env'),
    ("python_environ", None, lambda r, s, c: f'os.environ.setdefault("{c["var"]}", "{s}")'),
    ("js_const", None, lambda r, s, c: f"const {camel(c['field'])} = '{s}';"),
    ("ts_env_fallback", None, lambda r, s, c: f"  const {camel(c['field'])} = process.env.{c['var']} ?? \"{s}\";"),
    ("go_assign", None, lambda r, s, c: f'\t{camel(c["field"])} := "{s}"'),
    ("rust_const", None, lambda r, s, c: f'const {c["field"].upper()}: &str = "{s}";'),
    ("ruby_env", None, lambda r, s, c: f"ENV['{c['var']}'] ||= '{s}'"),
    ("java_field", None, lambda r, s, c: f'    private static final String {c["field"].upper()} = "{s}";'),
    ("php_define", None, lambda r, s, c: f"define('{c['var']}', '{s}');"),
    ("csharp_var", None, lambda r, s, c: f'            var {camel(c["field"])} = "{s}";'),
    ("kotlin_val", None, lambda r, s, c: f'    val {camel(c["field"])} = "{s}"'),
    ("curl_auth_header", "hdr", lambda r, s, c: f'curl -sS -H "{hdr(c, s)}" https://{c["host"]}{c["path"]}'),
    ("curl_verbose_log", "hdr", lambda r, s, c: f"> GET {c['path']} HTTP/2\n> Host: {c['host']}\n> {hdr(c, s)}\n> User-Agent: curl/8.5.0"),
    ("json_log_headers", "hdr", lambda r, s, c:
        '{"level":"debug","time":"%s","msg":"outgoing request","url":"https://%s%s","headers":{"%s":"%s"}}'
        % (ts_iso(r), c["host"], c["path"], c["hdr"].split(":")[0].lower(), c["hdr"].split(": ", 1)[1].format(s))),
    ("python_requests_headers", "hdr", lambda r, s, c:
        'resp = requests.get("https://%s%s", headers={"%s": "%s"})' % (c["host"], c["path"], c["hdr"].split(":")[0], c["hdr"].split(": ", 1)[1].format(s))),
    ("js_fetch_headers", "hdr", lambda r, s, c:
        "await fetch('https://%s%s', { headers: { '%s': '%s' } });" % (c["host"], c["path"], c["hdr"].split(":")[0], c["hdr"].split(": ", 1)[1].format(s))),
    ("jest_expect_header", "hdr", lambda r, s, c: f'    Expected: "{c["hdr"].split(": ", 1)[1].format(s)}"\n    Received: undefined'),
    ("url_query", "q", lambda r, s, c: f"https://{c['host']}{c['path']}?{c['q']}={s}&format=json&limit={r.choice([10, 50, 100])}"),
    ("log_line", None, lambda r, s, c: f"{ts_log(r)} DEBUG {c['slug']}.client: initialized with {c['field']}={s}"),
    ("grep_hit", None, lambda r, s, c: f"{_src(r)}:{_n(r)}:    {c['field']}: '{s}',"),
    ("docker_run_env", None, lambda r, s, c: f"docker run --rm -e {c['var']}={s} -p 8080:8080 {r.choice(ORGS)}/{r.choice(REPOS)}:latest"),
    ("dockerfile_env", None, lambda r, s, c: f"ENV {c['var']}={s}"),
    ("compose_env", None, lambda r, s, c: f"    environment:\n      - {c['var']}={s}"),
    ("gha_env", None, lambda r, s, c: f"        env:\n          {c['var']}: {s}"),
    ("markdown_table", None, lambda r, s, c: f"| `{c['var']}` | `{s}` | {r.choice(['production', 'staging', 'dev'])} |"),
    ("gh_secret_set", None, lambda r, s, c: f"gh secret set {c['var']} --body \"{s}\" --repo {r.choice(ORGS)}/{r.choice(REPOS)}"),
    ("fly_secrets", None, lambda r, s, c: f"fly secrets set {c['var']}={s} -a {r.choice(REPOS)}-prod"),
    ("vercel_env_add", None, lambda r, s, c: f"echo -n '{s}' | vercel env add {c['var']} production"),
    ("kubectl_create_secret", None, lambda r, s, c: f"kubectl create secret generic {c['slug']}-creds --from-literal={c['field']}={s} -n {r.choice(['prod', 'default', 'apps'])}"),
    ("helm_set", None, lambda r, s, c: f"helm upgrade --install {r.choice(REPOS)} ./charts/app --set {c['slug']}.{camel(c['field'])}={s}"),
    ("xml_appsettings", None, lambda r, s, c: f'    <add key="{pascal(c["field"])}" value="{s}" />'),
    ("java_properties", None, lambda r, s, c: f"{c['slug']}.{c['field'].replace('_', '-')}={s}"),
    ("terraform_var", None, lambda r, s, c: f'  {c["field"]} = "{s}"'),
    ("echo_var", None, lambda r, s, c: f"$ echo ${c['var']}\n{s}"),
    ("python_repl", None, lambda r, s, c: f'>>> os.environ["{c["var"]}"]\n\'{s}\''),
    ("prose_new_key", None, lambda r, s, c: r.choice([
        f"Your new {c['svc']} key is {s} — it won't be shown again, so store it in your password manager.",
        f"⏺ I generated a new {c['svc']} token: {s}. Add it to your local .env before restarting the dev server.",
        f"Here is the key you asked for: {s}",
    ])),
    ("prose_rotated", None, lambda r, s, c: r.choice([
        f"I rotated the token to {s} and updated the secret in the CI settings.",
        f"⏺ Done — the {c['svc']} credential has been rotated. The new value is `{s}`; the old one is revoked.",
        f"Rotated {c['var']} (old value revoked). New value: {s}",
    ])),
    ("prose_found", None, lambda r, s, c: r.choice([
        f"⏺ I found a hardcoded {c['svc']} credential in `{_src(r)}` (line {_n(r)}): `{s}`. You should revoke it and load it from the environment instead.",
        f"Warning: {_src(r)} contains what looks like a live {c['svc']} key ({s}). I did not commit this file.",
    ])),
    ("prose_japanese", None, lambda r, s, c: r.choice([
        f"新しい{c['svc']}のキーは {s} です。",
        f"⏺ `.env` に {c['var']}={s} を追加しました。",
        f"トークンを{s}にローテーションしました。",
        f"{c['svc']} の認証情報（{s}）がソースに直書きされています。",
    ])),
    ("error_401", None, lambda r, s, c: r.choice([
        f"Error: 401 Unauthorized — {c['svc']} rejected credential {s} (expired or revoked?)",
        f"RuntimeError: authentication failed for {c['var']}='{s}'",
    ])),
]
GENERIC_BY_NAME = {n: (req, f) for n, req, f in GENERIC}


# ----------------------------------------------------------------------------
# provider-specific carriers
# ----------------------------------------------------------------------------
def acct_sid(r):
    return "AC" + rs(r, 32, HEX)


def T(*pairs):
    """helper: list of (name, fn)"""
    return list(pairs)


GITHUB_EXTRA = T(
    ("gh_auth_login", lambda r, s, c: r.choice([f"gh auth login --with-token <<< {s}", f"echo {s} | gh auth login --with-token"])),
    ("octokit_js", lambda r, s, c: f"const octokit = new Octokit({{ auth: '{s}' }});"),
    ("curl_github_token", lambda r, s, c: f"curl -H 'Authorization: token {s}' -H 'Accept: application/vnd.github+json' https://api.github.com/repos/{r.choice(ORGS)}/{r.choice(REPOS)}/actions/runs"),
    ("env_prefix_cmd", lambda r, s, c: f"GH_TOKEN={s} gh pr list --repo {r.choice(ORGS)}/{r.choice(REPOS)} --state open"),
    ("gha_checkout_token", lambda r, s, c: f"      - uses: actions/checkout@v4\n        with:\n          token: {s}"),
    ("npmrc_github", lambda r, s, c: f"//npm.pkg.github.com/:_authToken={s}"),
    ("pygithub", lambda r, s, c: f'g = Github(auth=Auth.Token("{s}"))'),
    ("prose_pat_scope", lambda r, s, c: f"⏺ I created a token with `repo` and `workflow` scopes: {s}. It expires in 30 days."),
)

GITLAB_EXTRA = T(
    ("curl_private_token", lambda r, s, c: f'curl --header "PRIVATE-TOKEN: {s}" "https://gitlab.com/api/v4/projects/{r.randint(1000000, 59999999)}/pipelines?status=failed"'),
    ("glab_login", lambda r, s, c: f"glab auth login --hostname gitlab.com --token {s}"),
    ("gitlab_runner_register", lambda r, s, c: f"gitlab-runner register --non-interactive --url https://gitlab.com --token {s} --executor docker"),
    ("python_gitlab", lambda r, s, c: f"gl = gitlab.Gitlab('https://gitlab.com', private_token='{s}')"),
)

OPENAI_EXTRA = T(
    ("openai_python_client", lambda r, s, c: f'client = OpenAI(api_key="{s}")'),
    ("openai_legacy_assign", lambda r, s, c: f'openai.api_key = "{s}"'),
    ("openai_auth_error", lambda r, s, c:
        "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'code': 'invalid_api_key'}}" % s),
    ("curl_openai", lambda r, s, c: f'curl https://api.openai.com/v1/chat/completions -H "Content-Type: application/json" -H "Authorization: Bearer {s}" -d \'{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "ping"}}]}}\''),
    ("langchain_ctor", lambda r, s, c: f'llm = ChatOpenAI(model="gpt-4o", temperature=0, openai_api_key="{s}")'),
)

ANTHROPIC_EXTRA = T(
    ("anthropic_python_client", lambda r, s, c: f'client = anthropic.Anthropic(api_key="{s}")'),
    ("curl_anthropic", lambda r, s, c: f'curl https://api.anthropic.com/v1/messages -H "x-api-key: {s}" -H "anthropic-version: 2023-06-01" -H "content-type: application/json"'),
    ("anthropic_ts_client", lambda r, s, c: f"const anthropic = new Anthropic({{ apiKey: '{s}' }});"),
    ("env_prefix_claude", lambda r, s, c: f'ANTHROPIC_API_KEY={s} claude -p "summarize the failing tests"'),
)

STRIPE_EXTRA = T(
    ("stripe_node_ctor", lambda r, s, c: r.choice([f"const stripe = require('stripe')('{s}');", f"const stripe = new Stripe('{s}', {{ apiVersion: '2024-06-20' }});"])),
    ("stripe_python_assign", lambda r, s, c: f'stripe.api_key = "{s}"'),
    ("curl_user_colon", lambda r, s, c: f"curl https://api.stripe.com/v1/customers -u {s}: -d email=test@example.com"),
    ("stripe_cli_flag", lambda r, s, c: f"stripe listen --forward-to localhost:3000/api/webhooks --api-key {s}"),
)

WHSEC_EXTRA = T(
    ("stripe_cli_ready", lambda r, s, c: f"> Ready! You are using Stripe API Version [2024-06-20]. Your webhook signing secret is {s} (^C to quit)"),
    ("endpoint_secret_const", lambda r, s, c: f"const endpointSecret = '{s}';"),
    ("construct_event", lambda r, s, c: f'event = stripe.Webhook.construct_event(payload, sig_header, "{s}")'),
)

SLACK_EXTRA = T(
    ("slack_webclient", lambda r, s, c: f'client = WebClient(token="{s}")'),
    ("bolt_app_ctor", lambda r, s, c: f"const app = new App({{ token: '{s}', signingSecret: process.env.SLACK_SIGNING_SECRET }});"),
    ("curl_slack_post", lambda r, s, c: f"curl -X POST -H 'Authorization: Bearer {s}' -H 'Content-type: application/json' --data '{{\"channel\":\"C0{rs(r, 8, UP + DI)}\",\"text\":\"deploy finished\"}}' https://slack.com/api/chat.postMessage"),
)

SLACK_APP_EXTRA = T(
    ("socket_mode_handler", lambda r, s, c: f'SocketModeHandler(app, "{s}").start()'),
    ("bolt_app_token", lambda r, s, c: f"  appToken: '{s}',\n  socketMode: true,"),
)


def slack_hook_url(r, s):
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (rs(r, r.randint(8, 10), UP + DI), rs(r, r.randint(8, 10), UP + DI), s)


SLACK_HOOK_CARRIERS = T(
    ("curl_webhook_post", lambda r, s, c: f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"Build #{r.randint(100, 9999)} passed\"}}' {slack_hook_url(r, s)}"),
    ("env_line", lambda r, s, c: f"SLACK_WEBHOOK_URL={slack_hook_url(r, s)}"),
    ("yaml", lambda r, s, c: f"  slack:\n    webhook_url: {slack_hook_url(r, s)}"),
    ("prose_webhook", lambda r, s, c: f"⏺ Alerts now post to {slack_hook_url(r, s)} — I tested it and the message arrived in #deploys."),
    ("python_assign", lambda r, s, c: f'WEBHOOK = "{slack_hook_url(r, s)}"'),
    ("gha_step", lambda r, s, c: f"        with:\n          webhook: {slack_hook_url(r, s)}"),
    ("prose_japanese", lambda r, s, c: f"SlackのWebhook URLは {slack_hook_url(r, s)} に変更しました。"),
)

TWILIO_EXTRA = T(
    ("twilio_client_ctor", lambda r, s, c: f'client = Client("{acct_sid(r)}", "{s}")'),
    ("curl_twilio", lambda r, s, c: (lambda a: f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{a}/Messages.json --data-urlencode 'Body=hi' -u {a}:{s}")(acct_sid(r))),
    ("env_pair", lambda r, s, c: f"TWILIO_ACCOUNT_SID={acct_sid(r)}\nTWILIO_AUTH_TOKEN={s}"),
)

TWILIO_API_EXTRA = T(
    ("twilio_apikey_ctor", lambda r, s, c: f'client = Client("SK{rs(r, 32, HEX)}", "{s}", "{acct_sid(r)}")'),
    ("env_pair", lambda r, s, c: f"TWILIO_API_KEY=SK{rs(r, 32, HEX)}\nTWILIO_API_SECRET={s}"),
)

SENDGRID_EXTRA = T(
    ("sgmail_set_key", lambda r, s, c: f"sgMail.setApiKey('{s}');"),
    ("sendgrid_python", lambda r, s, c: f"sg = SendGridAPIClient('{s}')"),
    ("smtp_relay_settings", lambda r, s, c: f"EMAIL_HOST = 'smtp.sendgrid.net'\nEMAIL_HOST_USER = 'apikey'\nEMAIL_HOST_PASSWORD = '{s}'"),
)

MAILGUN_EXTRA = T(
    ("curl_user_api", lambda r, s, c: f"curl -s --user 'api:{s}' https://api.mailgun.net/v3/mg.{r.choice(ORGS)}.com/messages -F from='noreply@{r.choice(ORGS)}.com' -F to=test@example.com -F subject=Hello"),
    ("requests_auth_tuple", lambda r, s, c: f'requests.post(url, auth=("api", "{s}"), data={{"from": sender, "to": [to], "subject": subject}})'),
)

AWS_AKID_EXTRA = T(
    ("aws_credentials_ini", lambda r, s, c: f"[{r.choice(['default', 'prod', 'ci'])}]\naws_access_key_id = {s}"),
    ("aws_configure_set", lambda r, s, c: f"aws configure set aws_access_key_id {s} --profile {r.choice(['default', 'prod', 'staging'])}"),
    ("create_access_key_json", lambda r, s, c: f'        "UserName": "{r.choice(USERS)}",\n        "AccessKeyId": "{s}",\n        "Status": "Active",'),
    ("boto3_client", lambda r, s, c: f's3 = boto3.client("s3", aws_access_key_id="{s}", region_name="{r.choice(REGIONS)}")'),
    ("terraform_provider", lambda r, s, c: f'provider "aws" {{\n  region     = "{r.choice(REGIONS)}"\n  access_key = "{s}"'),
    ("prose_akid", lambda r, s, c: f"⏺ The CI user's access key ID is {s}; the secret is in 1Password under \"AWS ci-deployer\"."),
)

AWS_SECRET_EXTRA = T(
    ("aws_credentials_ini", lambda r, s, c: f"aws_access_key_id = {g_aws_akid(r)}\naws_secret_access_key = {s}"),
    ("aws_configure_set", lambda r, s, c: f"aws configure set aws_secret_access_key {s}"),
    ("aws_configure_get", lambda r, s, c: f"$ aws configure get aws_secret_access_key --profile {r.choice(['prod', 'default'])}\n{s}"),
    ("create_access_key_json", lambda r, s, c: f'        "AccessKeyId": "{g_aws_akid(r)}",\n        "SecretAccessKey": "{s}",'),
    ("boto3_client", lambda r, s, c: f'session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key="{s}")'),
    ("terraform_provider", lambda r, s, c: f'  secret_key = "{s}"'),
    ("docker_run_env", lambda r, s, c: f"docker run -e AWS_ACCESS_KEY_ID={g_aws_akid(r)} -e AWS_SECRET_ACCESS_KEY={s} amazon/aws-cli s3 ls"),
    ("prose_aws_secret", lambda r, s, c: f"The secret access key for that user is {s} — AWS only shows it once."),
)

AWS_SESSION_EXTRA = T(
    ("sts_json", lambda r, s, c: f'        "SessionToken": "{s}",\n        "Expiration": "{ts_iso(r)}"'),
    ("aws_credentials_ini", lambda r, s, c: f"aws_session_token = {s}"),
)

GCP_API_EXTRA = T(
    ("maps_url", lambda r, s, c: f"https://maps.googleapis.com/maps/api/geocode/json?address=1600+Amphitheatre+Parkway&key={s}"),
    ("genai_configure", lambda r, s, c: f'genai.configure(api_key="{s}")'),
    ("firebase_config", lambda r, s, c: f'const firebaseConfig = {{\n  apiKey: "{s}",\n  authDomain: "{r.choice(REPOS)}-{rs(r, 5, LO + DI)}.firebaseapp.com",'),
    ("youtube_api_url", lambda r, s, c: f"GET https://www.googleapis.com/youtube/v3/videos?part=snippet&id=dQw4w9WgXcQ&key={s} 403"),
)


def sa_json(r, field_line):
    proj = "%s-%s-%d" % (r.choice(ORGS), r.choice(REPOS), r.randint(100000, 999999))
    return proj, field_line


GCP_SAKID_CARRIERS = T(
    ("sa_json_field", lambda r, s, c: f'  "type": "service_account",\n  "project_id": "{r.choice(ORGS)}-prod-{r.randint(100000, 999999)}",\n  "private_key_id": "{s}",'),
    ("sa_json_oneline", lambda r, s, c: '{"type": "service_account", "project_id": "%s-%d", "private_key_id": "%s", "client_email": "deployer@%s.iam.gserviceaccount.com"}'
        % (r.choice(REPOS), r.randint(1000, 9999), s, r.choice(ORGS))),
    ("env_line", lambda r, s, c: f"GCP_PRIVATE_KEY_ID={s}"),
    ("yaml", lambda r, s, c: f"  gcp:\n    private_key_id: {s}"),
    ("grep_hit", lambda r, s, c: f'{r.choice(["infra/", "secrets/", ""])}service-account.json:5:  "private_key_id": "{s}",'),
)

AZURE_STORAGE_CARRIERS = T(
    ("conn_string", lambda r, s, c: f"DefaultEndpointsProtocol=https;AccountName={r.choice(ORGS).replace('-', '')}store;AccountKey={s};EndpointSuffix=core.windows.net"),
    ("env_conn_string", lambda r, s, c: f'AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName={r.choice(REPOS).replace("-", "")}data;AccountKey={s};EndpointSuffix=core.windows.net"'),
    ("az_keys_list_json", lambda r, s, c: f'  {{\n    "keyName": "key1",\n    "permissions": "FULL",\n    "value": "{s}"\n  }},'),
    ("env_line", lambda r, s, c: f"AZURE_STORAGE_KEY={s}"),
    ("python_kwarg", lambda r, s, c: f'client = BlobServiceClient(account_url=url, credential="{s}")'),
    ("terraform_output", lambda r, s, c: f'primary_access_key = "{s}"'),
)


def sas_url(r, s):
    acct = r.choice(ORGS).replace("-", "") + r.choice(["data", "store", "backup"])
    return ("https://%s.blob.core.windows.net/%s/%s?sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2025-%02d-%02dT00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&sig=%s"
            % (acct, r.choice(["uploads", "backups", "exports"]), r.choice(["report.csv", "db.bak", "data.parquet"]), r.randint(1, 12), r.randint(1, 28), s))


AZURE_SAS_CARRIERS = T(
    ("sas_url", lambda r, s, c: sas_url(r, s)),
    ("azcopy_cmd", lambda r, s, c: f"azcopy copy './dist/*' '{sas_url(r, s)}' --recursive"),
    ("env_sas_token", lambda r, s, c: f'AZURE_STORAGE_SAS_TOKEN="sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-01-01T00:00:00Z&spr=https&sig={s}"'),
    ("prose_sas", lambda r, s, c: f"⏺ Upload URL (valid 24h): {sas_url(r, s)}"),
    ("curl_put", lambda r, s, c: f'curl -X PUT -H "x-ms-blob-type: BlockBlob" --data-binary @backup.tar.gz "{sas_url(r, s)}"'),
)

AZURE_CLIENT_EXTRA = T(
    ("az_sp_create_json", lambda r, s, c: f'{{\n  "appId": "{uuid4(r)}",\n  "displayName": "{r.choice(REPOS)}-deployer",\n  "password": "{s}",\n  "tenant": "{uuid4(r)}"\n}}'),
    ("az_login_sp", lambda r, s, c: f"az login --service-principal -u {uuid4(r)} -p {s} --tenant {uuid4(r)}"),
)

NPM_EXTRA = T(
    ("npmrc", lambda r, s, c: f"//registry.npmjs.org/:_authToken={s}"),
    ("npm_config_set", lambda r, s, c: f"npm config set //registry.npmjs.org/:_authToken {s}"),
    ("gha_node_auth", lambda r, s, c: f"        env:\n          NODE_AUTH_TOKEN: {s}"),
)

PYPI_EXTRA = T(
    ("pypirc", lambda r, s, c: f"[pypi]\n  username = __token__\n  password = {s}"),
    ("twine_upload", lambda r, s, c: f"twine upload -u __token__ -p {s} dist/*"),
    ("uv_publish", lambda r, s, c: f"uv publish --token {s}"),
    ("poetry_config", lambda r, s, c: f"poetry config pypi-token.pypi {s}"),
)

DOCKERHUB_EXTRA = T(
    ("docker_login_stdin", lambda r, s, c: f"echo {s} | docker login -u {r.choice(USERS)} --password-stdin"),
    ("docker_login_p", lambda r, s, c: f"docker login -u {r.choice(USERS)} -p {s}"),
    ("gha_docker_login", lambda r, s, c: f"      - uses: docker/login-action@v3\n        with:\n          username: {r.choice(USERS)}\n          password: {s}"),
)

DISCORD_EXTRA = T(
    ("discord_py_run", lambda r, s, c: f"client.run('{s}')"),
    ("discord_js_login", lambda r, s, c: f"client.login('{s}');"),
    ("curl_bot_header", lambda r, s, c: f'curl -H "Authorization: Bot {s}" https://discord.com/api/v10/users/@me'),
)

TELEGRAM_EXTRA = T(
    ("telegram_api_url", lambda r, s, c: f"curl \"https://api.telegram.org/bot{s}/sendMessage?chat_id={r.randint(10**8, 10**10)}&text=deploy+ok\""),
    ("ptb_builder", lambda r, s, c: f'app = Application.builder().token("{s}").build()'),
    ("telebot_ctor", lambda r, s, c: f'bot = telebot.TeleBot("{s}")'),
    ("botfather_msg", lambda r, s, c: f"Done! Congratulations on your new bot. You will find it at t.me/{r.choice(REPOS).replace('-', '_')}_bot. Use this token to access the HTTP API:\n{s}\nKeep your token secure and store it safely."),
)

SHOPIFY_EXTRA = T(
    ("curl_shopify_header", lambda r, s, c: f'curl -H "X-Shopify-Access-Token: {s}" https://{r.choice(ORGS)}.myshopify.com/admin/api/2024-04/products.json'),
    ("shopify_session", lambda r, s, c: f"const session = {{ shop: '{r.choice(ORGS)}.myshopify.com', accessToken: '{s}' }};"),
)

DATADOG_EXTRA = T(
    ("curl_dd_header", lambda r, s, c: f'curl -X POST "https://api.datadoghq.com/api/v1/series" -H "Content-Type: application/json" -H "DD-API-KEY: {s}" -d @metrics.json'),
    ("datadog_yaml", lambda r, s, c: f"api_key: {s}\nsite: datadoghq.com"),
    ("helm_dd", lambda r, s, c: f"helm install datadog-agent datadog/datadog --set datadog.apiKey={s} --set datadog.site=datadoghq.eu"),
)

DATADOG_APP_EXTRA = T(
    ("curl_dd_app", lambda r, s, c: f'curl "https://api.datadoghq.com/api/v1/monitor" -H "DD-API-KEY: ${{DD_API_KEY}}" -H "DD-APPLICATION-KEY: {s}"'),
)

VAULT_EXTRA = T(
    ("vault_login", lambda r, s, c: f"vault login {s}"),
    ("vault_init_output", lambda r, s, c: f"Unseal Key 1: {b64(rb(r, 33))}\n\nInitial Root Token: {s}"),
    ("curl_vault_header", lambda r, s, c: f'curl -H "X-Vault-Token: {s}" https://vault.{r.choice(ORGS)}.internal:8200/v1/secret/data/app'),
    ("vault_token_create", lambda r, s, c: f"Key                  Value\n---                  -----\ntoken                {s}\ntoken_accessor       {rs(r, 24)}\ntoken_duration       768h"),
)

JWT_EXTRA = T(
    ("localstorage_set", lambda r, s, c: f"localStorage.setItem('token', '{s}');"),
    ("cookie_header", lambda r, s, c: f"Cookie: access_token={s}; theme=dark"),
    ("oauth_token_response", lambda r, s, c: f'{{"access_token":"{s}","token_type":"Bearer","expires_in":3600}}'),
    ("curl_bearer_jwt", lambda r, s, c: f'curl -H "Authorization: Bearer {s}" http://localhost:{r.choice([3000, 8000, 8080])}/api/me'),
    ("prose_decode", lambda r, s, c: f"⏺ The token in the failing request is {s} — its `exp` claim is already in the past, which explains the 401."),
)

K8S_TOKEN_CARRIERS = T(
    ("kubeconfig_token", lambda r, s, c: f"users:\n- name: {r.choice(['deploy-bot', 'ci', 'admin'])}\n  user:\n    token: {s}"),
    ("kubectl_flag", lambda r, s, c: f"kubectl --server=https://10.0.0.{r.randint(2, 250)}:6443 --token={s} get pods -A"),
    ("kubectl_create_token", lambda r, s, c: f"$ kubectl create token {r.choice(['deploy-bot', 'argocd-manager'])} -n {r.choice(['ci', 'prod'])} --duration=8760h\n{s}"),
    ("curl_bearer", lambda r, s, c: f'curl -k -H "Authorization: Bearer {s}" https://kubernetes.default.svc/api/v1/namespaces/default/pods'),
    ("env_line", lambda r, s, c: f"K8S_TOKEN={s}"),
)

HF_EXTRA = T(
    ("hf_cli_login", lambda r, s, c: f"huggingface-cli login --token {s}"),
    ("hf_login_py", lambda r, s, c: f'login(token="{s}")'),
    ("from_pretrained_token", lambda r, s, c: f'model = AutoModel.from_pretrained("meta-llama/Llama-3.1-8B", token="{s}")'),
)

NOTION_EXTRA = T(
    ("notion_client", lambda r, s, c: f"const notion = new Client({{ auth: '{s}' }});"),
)

LINEAR_EXTRA = T(
    ("linear_raw_header", lambda r, s, c: f'curl -X POST https://api.linear.app/graphql -H "Content-Type: application/json" -H "Authorization: {s}" --data \'{{"query": "{{ viewer {{ id name }} }}"}}\''),
)

CLOUDFLARE_EXTRA = T(
    ("curl_cf_verify", lambda r, s, c: f'curl "https://api.cloudflare.com/client/v4/user/tokens/verify" -H "Authorization: Bearer {s}"'),
    ("wrangler_env", lambda r, s, c: f"CLOUDFLARE_API_TOKEN={s} npx wrangler deploy"),
)

POSTMAN_EXTRA = T(
    ("curl_postman", lambda r, s, c: f'curl https://api.getpostman.com/collections -H "X-Api-Key: {s}"'),
)

AGE_CARRIERS = T(
    ("age_keygen_output", lambda r, s, c: f"# created: {ts_iso(r)[:19]}Z\n# public key: age1{rs(r, 58, BECH)}\n{s}"),
    ("env_line", lambda r, s, c: f"SOPS_AGE_KEY={s}"),
    ("cat_keys_txt", lambda r, s, c: f"⏺ Bash(cat ~/.config/sops/age/keys.txt)\n  ⎿  # public key: age1{rs(r, 58, BECH)}\n     {s}"),
    ("gha_env", lambda r, s, c: f"        env:\n          SOPS_AGE_KEY: {s}"),
)

KUBEADM_CARRIERS = T(
    ("kubeadm_join", lambda r, s, c: f"kubeadm join 10.0.{r.randint(0, 9)}.{r.randint(2, 250)}:6443 --token {s} \\\n    --discovery-token-ca-cert-hash sha256:{rs(r, 64, HEX)}"),
    ("kubeadm_token_create", lambda r, s, c: f"$ kubeadm token create\n{s}"),
    ("prose", lambda r, s, c: f"⏺ Run this on each worker — the bootstrap token {s} is valid for 24 hours."),
)

HEROKU_EXTRA = T(
    ("heroku_auth_token", lambda r, s, c: f"$ heroku auth:token\n {s}"),
    ("netrc_heroku", lambda r, s, c: f"machine api.heroku.com\n  login {r.choice(USERS)}@{r.choice(ORGS)}.com\n  password {s}"),
)

GENERIC_KEY_EXTRA = T(
    ("curl_x_api_key", lambda r, s, c: f"curl -H 'X-API-Key: {s}' https://api.{r.choice(ORGS)}.io/v2/reports?since=2025-01-01"),
    ("python_headers_dict", lambda r, s, c: f'headers = {{"x-api-key": "{s}", "Accept": "application/json"}}'),
    ("query_apikey", lambda r, s, c: f"GET https://api.openweathermap.org/data/2.5/weather?q=Tokyo&appid={s} 200 OK"),
)

HEX_SECRET_EXTRA = T(
    ("openssl_rand_then_env", lambda r, s, c: f"$ openssl rand -hex 32\n{s}\n⏺ I put that value in `.env` as {c['var']}."),
    ("flask_secret_key", lambda r, s, c: f'app.secret_key = "{s}"'),
    ("rails_credentials", lambda r, s, c: f"secret_key_base: {s}"),
)

DJANGO_CARRIERS = T(
    ("django_settings", lambda r, s, c: f"SECRET_KEY = '{s}'"),
    ("env_single_quoted", lambda r, s, c: f"DJANGO_SECRET_KEY='{s}'"),
    ("settings_diff", lambda r, s, c: f"-SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n+SECRET_KEY = '{s}'"),
    ("grep_hit", lambda r, s, c: f"{r.choice(['mysite', 'config', 'backend'])}/settings.py:23:SECRET_KEY = '{s}'"),
    ("prose", lambda r, s, c: f"⏺ I generated a fresh Django secret key for production: '{s}'. Set it as DJANGO_SECRET_KEY in the host's environment."),
    ("yaml", lambda r, s, c: f"  DJANGO_SECRET_KEY: '{s}'"),
)

SESSION_CARRIERS = T(
    ("curl_cookie_flag", lambda r, s, c: f"curl -b 'sessionid={s}' https://{r.choice(ORGS)}.com/admin/"),
    ("cookie_header", lambda r, s, c: f"-H 'Cookie: _session_id={s}; locale=en'"),
    ("set_cookie_response", lambda r, s, c: f"< set-cookie: connect.sid={s}; Path=/; HttpOnly; Secure; SameSite=Lax"),
    ("requests_cookies", lambda r, s, c: f'r = requests.get(url, cookies={{"sessionid": "{s}"}})'),
    ("playwright_cookie", lambda r, s, c: f"await context.addCookies([{{ name: 'session', value: '{s}', domain: 'localhost', path: '/' }}]);"),
    ("prose", lambda r, s, c: f"⏺ I reproduced it by replaying the request with your session cookie ({s}); the server returns 500."),
)

OPAQUE_EXTRA = T(
    ("refresh_token_json", lambda r, s, c: f'  "refresh_token": "{s}",\n  "expires_in": 7200,'),
    ("httpie_bearer", lambda r, s, c: f"http GET :8000/api/v1/orders 'Authorization:Bearer {s}'"),
    ("axios_default", lambda r, s, c: f"axios.defaults.headers.common['Authorization'] = 'Bearer {s}';"),
)

GCP_OAUTH_EXTRA = T(
    ("gcloud_print_token", lambda r, s, c: f"$ gcloud auth print-access-token\n{s}"),
    ("curl_bearer", lambda r, s, c: f'curl -H "Authorization: Bearer {s}" "https://storage.googleapis.com/storage/v1/b?project={r.choice(ORGS)}-prod"'),
)

SUPABASE_EXTRA = T(
    ("create_client", lambda r, s, c: f"const supabase = createClient('https://{rs(r, 20, LO)}.supabase.co', '{s}');"),
)


# ----------------------------------------------------------------------------
# PEM private key bodies
# ----------------------------------------------------------------------------
OSSH_PREFIX = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"


def g_pem(r):
    t = r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    if t == "RSA PRIVATE KEY":
        first, w = "MIIEpAIBAAKCAQEA" + rs(r, 48, B64), 64
    elif t == "PRIVATE KEY":
        first = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ"
        first, w = first + rs(r, 64 - len(first), B64), 64
    elif t == "EC PRIVATE KEY":
        first, w = "MHcCAQEEI" + rs(r, 55, B64), 64
    else:
        first, w = OSSH_PREFIX + rs(r, 70 - len(OSSH_PREFIX), B64), 70
    secret = rs(r, w, B64)
    rest = [rs(r, w, B64) for _ in range(r.randint(1, 2))]
    return secret, {"pem_type": t, "first": first, "rest": rest}


def pem_lines(c, s, sep="\n", prefix=""):
    lines = ["-----BEGIN %s-----" % c["pem_type"], c["first"], s] + c["rest"]
    return sep.join(prefix + l for l in lines)


PEM_CARRIERS = T(
    ("claude_cat_key", lambda r, s, c: f"⏺ Bash(cat {r.choice(['~/.ssh/id_ed25519', '~/.ssh/deploy_key', 'certs/server.key', 'config/jwt/private.pem'])})\n  ⎿  " + pem_lines(c, s, "\n     ") + "\n     … +%d lines (ctrl+r to expand)" % r.randint(10, 24)),
    ("raw_block", lambda r, s, c: pem_lines(c, s) + "\n" + rs(r, len(s), B64)),
    ("json_escaped", lambda r, s, c: '  "private_key": "' + pem_lines(c, s, "\\n") + "\\n" + rs(r, len(s), B64) + "\\n"),
    ("env_quoted_escaped", lambda r, s, c: 'JWT_PRIVATE_KEY="' + pem_lines(c, s, "\\n") + '\\n…"'),
    ("head_output", lambda r, s, c: f"$ head -4 {r.choice(['deploy_key.pem', 'id_rsa', 'tls.key', 'signing.key'])}\n" + pem_lines(c, s)),
    ("git_diff_added", lambda r, s, c: f"+++ b/{r.choice(['certs/dev.key', 'keys/id_rsa', '.ssh/ci_key'])}\n@@ -0,0 +1,27 @@\n" + pem_lines(c, s, "\n+", "") .replace("-----BEGIN", "+-----BEGIN", 1)),
    ("prose_committed_key", lambda r, s, c: "⏺ Heads up: a private key is committed in the repo. It starts with:\n" + pem_lines(c, s) + "\nYou should rotate it."),
    ("yaml_block_scalar", lambda r, s, c: "  tls.key: |\n" + pem_lines(c, s, "\n", "    ")),
)


def g_kube_key_data(r):
    pem = "-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEpAIBAAKCAQEA" + rs(r, 48, B64) + "\n" + "\n".join(rs(r, 64, B64) for _ in range(r.randint(3, 5))) + "\n"
    return b64(pem.encode())


KUBE_KEY_CARRIERS = T(
    ("kubeconfig_client_key", lambda r, s, c: f"- name: kubernetes-admin\n  user:\n    client-certificate-data: {b64(('-----BEGIN CERTIFICATE-----' + chr(10) + 'MIIDITCCAgmgAwIBAgII' + rs(r, 44, B64)).encode())}\n    client-key-data: {s}"),
    ("k8s_tls_secret", lambda r, s, c: f"data:\n  tls.key: {s}"),
    ("env_line", lambda r, s, c: f"TLS_KEY_B64={s}"),
)


# ----------------------------------------------------------------------------
# basic auth, docker login, netrc, git remotes
# ----------------------------------------------------------------------------
def g_basic(r):
    user = r.choice(USERS + ["api", "jenkins", "elastic", "registry"])
    pw = r.choice([pw_mixed(r), rs(r, r.randint(16, 40)), g_dockerhub(r), g_github_classic(r)])
    return b64(f"{user}:{pw}".encode())


BASIC_CARRIERS = T(
    ("curl_basic_header", lambda r, s, c: f'curl -H "Authorization: Basic {s}" https://{r.choice(["jenkins", "es", "registry", "grafana"])}.{r.choice(ORGS)}.internal/api/json'),
    ("curl_verbose_log", lambda r, s, c: f"> GET /_cluster/health HTTP/1.1\n> Host: localhost:9200\n> Authorization: Basic {s}"),
    ("docker_config_auth", lambda r, s, c: f'{{\n  "auths": {{\n    "{r.choice(["https://index.docker.io/v1/", "ghcr.io", "registry.gitlab.com"])}": {{\n      "auth": "{s}"\n    }}\n  }}\n}}'),
    ("nginx_proxy_header", lambda r, s, c: f'        proxy_set_header Authorization "Basic {s}";'),
    ("python_headers", lambda r, s, c: f'headers = {{"Authorization": "Basic {s}"}}'),
    ("js_headers", lambda r, s, c: f"  headers: {{ Authorization: 'Basic {s}' }},"),
    ("prose_basic", lambda r, s, c: f"⏺ The webhook is failing because the Authorization header `Basic {s}` decodes to the old password."),
    ("http_log_json", lambda r, s, c: f'{{"ts":"{ts_iso(r)}","method":"POST","path":"/hooks/ci","headers":{{"authorization":"Basic {s}"}}}}'),
)


def g_docker_pw(r):
    return r.choice([pw_mixed(r), pw_mixed(r), rs(r, r.randint(20, 32)), pw_nodigit(r)])


DOCKER_LOGIN_CARRIERS = T(
    ("docker_login_p", lambda r, s, c: f"docker login -u {r.choice(USERS)} -p '{s}' {r.choice(['registry.gitlab.com', 'ghcr.io', 'harbor.internal', 'quay.io', ''])}".rstrip()),
    ("docker_login_stdin", lambda r, s, c: f"echo '{s}' | docker login {r.choice(['harbor.internal', 'registry.example.com', 'quay.io'])} -u {r.choice(USERS)} --password-stdin"),
    ("docker_login_long", lambda r, s, c: f"docker login --username {r.choice(USERS)} --password {s} {r.choice(['nexus.internal:8443', 'docker.io'])}"),
    ("helm_registry_login", lambda r, s, c: f"helm registry login {r.choice(['harbor.internal', 'registry-1.docker.io'])} --username {r.choice(USERS)} --password '{s}'"),
    ("podman_login", lambda r, s, c: f"podman login -u {r.choice(USERS)} -p '{s}' quay.io"),
)


def g_netrc_pw(r):
    return r.choice([pw_mixed(r), rs(r, r.randint(20, 40)), g_github_classic(r), rs(r, 32, HEX)])


NETRC_CARRIERS = T(
    ("netrc_oneline", lambda r, s, c: f"machine {r.choice(['github.com', 'api.heroku.com', 'gitlab.internal', 'artifactory.' + r.choice(ORGS) + '.com'])} login {r.choice(USERS)} password {s}"),
    ("netrc_multiline", lambda r, s, c: f"machine {r.choice(['nexus.internal', 'pypi.internal', 'git.' + r.choice(ORGS) + '.com'])}\n  login {r.choice(USERS)}\n  password {s}"),
    ("claude_cat_netrc", lambda r, s, c: f"⏺ Bash(cat ~/.netrc)\n  ⎿  machine {r.choice(['github.com', 'bitbucket.org'])} login {r.choice(USERS)} password {s}"),
    ("printf_netrc", lambda r, s, c: f"printf 'machine %s login %s password %s\\n' {r.choice(['nexus.internal', 'github.com'])} {r.choice(USERS)} '{s}' >> ~/.netrc"),
)


def g_git_token(r):
    v = r.randint(0, 5)
    if v == 0:
        return g_github_classic(r), {"forge": "github", "user": "x-access-token"}
    if v == 1:
        return g_github_app(r).replace("gho_", "ghs_").replace("ghu_", "ghs_").replace("ghr_", "ghs_"), {"forge": "github", "user": "x-access-token"}
    if v == 2:
        return g_github_fine(r), {"forge": "github", "user": r.choice(USERS)}
    if v == 3:
        return "glpat-" + rs(r, 20, AN + "-_"), {"forge": "gitlab", "user": r.choice(["oauth2", "gitlab-ci-token", r.choice(USERS)])}
    if v == 4:
        return rs(r, 52, "abcdefghijklmnopqrstuvwxyz234567"), {"forge": "ado", "user": r.choice(ORGS)}
    return "ATBB" + rs(r, 28) + rs(r, 8, HEXU), {"forge": "bitbucket", "user": r.choice(USERS)}


def git_url(r, s, c):
    org, repo = r.choice(ORGS), r.choice(REPOS)
    f = c["forge"]
    if f == "github":
        if r.random() < 0.25:
            return f"https://{s}@github.com/{org}/{repo}.git"
        return f"https://{c['user']}:{s}@github.com/{org}/{repo}.git"
    if f == "gitlab":
        return f"https://{c['user']}:{s}@{r.choice(['gitlab.com', 'gitlab.' + org + '.com'])}/{org}/{repo}.git"
    if f == "ado":
        return f"https://{c['user']}:{s}@dev.azure.com/{c['user']}/{repo.title()}/_git/{repo}"
    return f"https://{c['user']}:{s}@bitbucket.org/{org}/{repo}.git"


GIT_REMOTE_CARRIERS = T(
    ("git_remote_set_url", lambda r, s, c: f"git remote set-url origin {git_url(r, s, c)}"),
    ("git_clone", lambda r, s, c: f"git clone --depth 1 {git_url(r, s, c)}"),
    ("git_remote_v_fetch", lambda r, s, c: f"origin\t{git_url(r, s, c)} (fetch)"),
    ("git_config_url", lambda r, s, c: f'[remote "origin"]\n\turl = {git_url(r, s, c)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*'),
    ("gitconfig_insteadof", lambda r, s, c: f'[url "https://{c["user"]}:{s}@{ {"github": "github.com", "gitlab": "gitlab.com", "ado": "dev.azure.com", "bitbucket": "bitbucket.org"}[c["forge"]] }/"]\n\tinsteadOf = https://{ {"github": "github.com", "gitlab": "gitlab.com", "ado": "dev.azure.com", "bitbucket": "bitbucket.org"}[c["forge"]] }/'),
    ("pip_git_requirement", lambda r, s, c: f"git+{git_url(r, s, c)}@v{r.randint(0, 3)}.{r.randint(0, 20)}.{r.randint(0, 9)}#egg={r.choice(REPOS).replace('-', '_')}"),
    ("git_push_output", lambda r, s, c: f"$ git push {git_url(r, s, c)} HEAD:main\nEverything up-to-date"),
    ("prose_remote", lambda r, s, c: f"⏺ I changed the remote to {git_url(r, s, c)} so the push works from the container."),
)


# ----------------------------------------------------------------------------
# connection strings / URLs with passwords.  secret = the password as it
# appears in the text (percent-encoded where the URL needs it)
# ----------------------------------------------------------------------------
def u_pg(r, s):
    return "%s://%s:%s@%s:5432/%s%s" % (r.choice(["postgres", "postgresql", "postgresql+psycopg2"]), r.choice(USERS + ["postgres"]), s, host(r),
                                        r.choice(DBNAMES), r.choice(["", "?sslmode=require", "?schema=public", ""]))


def u_mysql(r, s):
    return "%s://%s:%s@%s:3306/%s" % (r.choice(["mysql", "mysql+pymysql", "mysql2"]), r.choice(USERS + ["root"]), s,
                                      r.choice(["mysql.internal", "127.0.0.1", "%s.%s.%s.rds.amazonaws.com" % (r.choice(REPOS), rs(r, 12, LO + DI), r.choice(REGIONS))]), r.choice(DBNAMES))


def u_mongo(r, s):
    if r.random() < 0.65:
        return "mongodb+srv://%s:%s@cluster0.%s.mongodb.net/%s?retryWrites=true&w=majority&appName=Cluster0" % (r.choice(USERS), s, rs(r, 5, LO + DI), r.choice(DBNAMES))
    return "mongodb://%s:%s@mongo-0.mongo:27017,mongo-1.mongo:27017/%s?authSource=admin&replicaSet=rs0" % (r.choice(USERS + ["root"]), s, r.choice(DBNAMES))


def u_amqp(r, s):
    if r.random() < 0.5:
        return "amqp://%s:%s@rabbitmq:5672/%s" % (r.choice(USERS), s, r.choice(["", "%2F", "prod"]))
    u = rs(r, 8, LO)
    return "amqps://%s:%s@%s.rmq.cloudamqp.com/%s" % (u, s, r.choice(["hawk", "kangaroo", "puffin", "goose"]), u)


def u_redis(r, s):
    v = r.random()
    if v < 0.4:
        return "redis://:%s@%s:6379/%d" % (s, r.choice(["redis", "localhost", "cache.internal"]), r.randint(0, 3))
    if v < 0.7:
        return "rediss://default:%s@%s-%s-%d.upstash.io:6379" % (s, r.choice(WORDS), r.choice(WORDS), r.randint(10000, 99999))
    return "redis://default:%s@redis-%d.c%d.us-east-1-2.ec2.redns.redis-cloud.com:%d" % (s, r.randint(10000, 19999), r.randint(1, 300), r.randint(10000, 19999))


def u_https(r, s):
    return r.choice([
        "https://%s:%s@%s/artifactory/api/pypi/pypi/simple" % (r.choice(USERS), s, r.choice(ORGS) + ".jfrog.io"),
        "https://%s:%s@nexus.%s.internal/repository/npm-private/" % (r.choice(USERS), s, r.choice(ORGS)),
        "https://%s:%s@%s.%s.com/api/v1/status" % (r.choice(USERS), s, r.choice(["grafana", "jenkins", "kibana", "status"]), r.choice(ORGS)),
        "https://admin:%s@es.%s.internal:9200/_cat/indices?v" % (s, r.choice(ORGS)),
    ])


def u_smtp(r, s):
    return "smtp://%s:%s@%s:587" % (r.choice(["postmaster@mg." + r.choice(ORGS) + ".com", "apikey", r.choice(USERS)]).replace("@", "%40"), s,
                                    r.choice(["smtp.mailgun.org", "smtp.sendgrid.net", "email-smtp.us-east-1.amazonaws.com", "smtp.gmail.com"]))


def u_jdbc(r, s):
    return "jdbc:postgresql://%s:5432/%s?user=%s&password=%s&ssl=true" % (host(r), r.choice(DBNAMES), r.choice(USERS), s)


def u_mssql(r, s):
    return "Server=tcp:%s.database.windows.net,1433;Initial Catalog=%s;Persist Security Info=False;User ID=%s;Password=%s;Encrypt=True;" % (
        r.choice(ORGS), r.choice(DBNAMES), r.choice(USERS), s)


def mssql_pw(r):
    return r.choice([pw_mixed(r), pw_nodigit(r), rs(r, 24)])


URL_KINDS = {
    # kind: (url builder, env vars, cli format or None)
    "pg_url": (u_pg, ["DATABASE_URL", "POSTGRES_URL", "PG_DSN", "DB_URL"], 'psql "{u}" -c "\\dt"'),
    "mysql_url": (u_mysql, ["DATABASE_URL", "MYSQL_URL", "DB_DSN"], 'mysqlsh --uri "{u}" --sql'),
    "mongodb_url": (u_mongo, ["MONGODB_URI", "MONGO_URL", "DATABASE_URL"], 'mongosh "{u}"'),
    "amqp_url": (u_amqp, ["CELERY_BROKER_URL", "RABBITMQ_URL", "AMQP_URL"], None),
    "redis_url": (u_redis, ["REDIS_URL", "CACHE_URL", "CELERY_RESULT_BACKEND"], 'redis-cli -u "{u}" ping'),
    "https_userinfo_url": (u_https, ["PIP_INDEX_URL", "REGISTRY_URL", "ES_URL", "STATUS_URL"], 'curl -fsS "{u}"'),
    "smtp_url": (u_smtp, ["EMAIL_URL", "SMTP_URL", "MAILER_DSN"], None),
    "jdbc_url": (u_jdbc, ["SPRING_DATASOURCE_URL", "JDBC_URL"], None),
    "mssql_conn_string": (u_mssql, ["ConnectionStrings__Default", "SQLAZURECONNSTR_Main", "DB_CONNECTION"], None),
}

SQLK = {"pg_url", "mysql_url"}
SECTION = {"pg_url": "database", "mysql_url": "database", "mongodb_url": "mongo", "amqp_url": "broker", "redis_url": "cache",
           "https_userinfo_url": "registry", "smtp_url": "mail", "jdbc_url": "datasource", "mssql_conn_string": "database"}
PY_CLIENT = {"pg_url": 'conn = psycopg.connect("{u}")', "mongodb_url": 'client = MongoClient("{u}")', "redis_url": 'r = redis.from_url("{u}")',
             "amqp_url": 'conn = pika.BlockingConnection(pika.URLParameters("{u}"))', "https_userinfo_url": 'resp = requests.get("{u}", timeout=10)',
             "smtp_url": 'EMAIL_CONFIG = dj_email_url.parse("{u}")', "mysql_url": 'engine = create_engine("{u}")',
             "mssql_conn_string": 'conn = pyodbc.connect("Driver={{ODBC Driver 18 for SQL Server}};{u}")',
             "jdbc_url": 'jdbcUrl = "{u}"'}
SPRING = {"jdbc_url": "spring.datasource.url", "redis_url": "spring.data.redis.url", "amqp_url": "spring.rabbitmq.addresses",
          "mongodb_url": "spring.data.mongodb.uri", "smtp_url": "spring.mail.url"}

# (name, allowed kinds or None, fn(r, u, k))
URL_CARRIERS = [
    ("env_line", None, lambda r, u, k: f"{k['var']}={u}"),
    ("shell_export", None, lambda r, u, k: f"export {k['var']}='{u}'"),
    ("python_sqlalchemy", SQLK, lambda r, u, k: f'engine = create_engine("{u}", pool_pre_ping=True)'),
    ("python_client", None, lambda r, u, k: PY_CLIENT[k["kind"]].format(u=u)),
    ("node_pool", {"pg_url"}, lambda r, u, k: f"const pool = new Pool({{ connectionString: '{u}' }});"),
    ("node_client", {"mongodb_url", "redis_url", "amqp_url"}, lambda r, u, k: {"mongodb_url": f"await mongoose.connect('{u}');",
                                                                              "redis_url": f"const redis = new Redis('{u}');",
                                                                              "amqp_url": f"const conn = await amqplib.connect('{u}');"}[k["kind"]]),
    ("go_sql_open", SQLK, lambda r, u, k: f'db, err := sql.Open("{"pgx" if k["kind"] == "pg_url" else "mysql"}", "{u}")'),
    ("rust_let", None, lambda r, u, k: f'    let url = "{u}";'),
    ("compose_env", None, lambda r, u, k: f"    environment:\n      {k['var']}: {u}"),
    ("yaml_config", None, lambda r, u, k: f"{SECTION[k['kind']]}:\n  url: {u}"),
    ("json_config", None, lambda r, u, k: f'  "{camel(SECTION[k["kind"]] + "_url")}": "{u}",'),
    ("toml_config", None, lambda r, u, k: f'[{SECTION[k["kind"]]}]\nurl = "{u}"'),
    ("appsettings_json", {"mssql_conn_string", "pg_url"}, lambda r, u, k: f'  "ConnectionStrings": {{\n    "Default": "{u}"\n  }},'),
    ("spring_properties", set(SPRING), lambda r, u, k: f"{SPRING[k['kind']]}={u}"),
    ("cli_command", None, lambda r, u, k: k["cli"].format(u=u) if k["cli"] else f"{k['var']}='{u}' python manage.py check --deploy"),
    ("log_connecting", None, lambda r, u, k: f"{ts_log(r)} INFO  [{SECTION[k['kind']]}] connecting to {u} (attempt {r.randint(1, 5)}/5)"),
    ("heroku_config_set", None, lambda r, u, k: f"heroku config:set {k['var']}='{u}' -a {r.choice(REPOS)}-prod"),
    ("kubectl_secret", None, lambda r, u, k: f"kubectl create secret generic {SECTION[k['kind']]}-conn --from-literal={k['var']}='{u}'"),
    ("prose_conn", None, lambda r, u, k: r.choice([f"⏺ The connection string is {u} — I used it to run the check locally.",
                                                   f"The staging app reads `{k['var']}`; right now it's set to {u}.",
                                                   f"接続文字列は {u} です。"])),
    ("dotenv_diff", None, lambda r, u, k: f"-{k['var']}=\n+{k['var']}={u}"),
    ("markdown_code", None, lambda r, u, k: f"- {r.choice(['Staging', 'Production', 'Local'])} {SECTION[k['kind']]}: `{u}`"),
]

# ----------------------------------------------------------------------------
# human passwords in context
# ----------------------------------------------------------------------------
PW_VARS = ["DB_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "ADMIN_PASSWORD", "REDIS_PASSWORD", "SMTP_PASSWORD",
           "GF_SECURITY_ADMIN_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD", "RABBITMQ_DEFAULT_PASS", "MONGO_INITDB_ROOT_PASSWORD",
           "LDAP_BIND_PASSWORD", "KEYSTORE_PASSWORD"]

# (name, space_ok, fn)
PW_CARRIERS = [
    ("env_line", False, lambda r, s: f"{r.choice(PW_VARS)}={s}"),
    ("yaml_quoted", True, lambda r, s: f"  password: \"{s}\""),
    ("compose_env", False, lambda r, s: f"    environment:\n      {r.choice(PW_VARS)}: {s}"),
    ("json_field", True, lambda r, s: f'  "password": "{s}",'),
    ("mysql_cli", True, lambda r, s: f"mysql -h {r.choice(['127.0.0.1', 'db.internal'])} -u root -p'{s}' {r.choice(DBNAMES)}"),
    ("pgpassword_env", True, lambda r, s: f"PGPASSWORD='{s}' psql -h {r.choice(['localhost', 'db.internal'])} -U {r.choice(USERS)} -d {r.choice(DBNAMES)}"),
    ("sshpass", True, lambda r, s: f"sshpass -p '{s}' ssh -o StrictHostKeyChecking=no {r.choice(USERS)}@10.0.{r.randint(0, 9)}.{r.randint(2, 250)}"),
    ("redis_cli_a", False, lambda r, s: f"redis-cli -h {r.choice(['cache.internal', '127.0.0.1'])} -a '{s}' INFO keyspace"),
    ("mongosh_p", True, lambda r, s: f"mongosh -u admin -p '{s}' --authenticationDatabase admin"),
    ("sql_create_user", True, lambda r, s: r.choice([f"CREATE USER {r.choice(USERS).replace('-', '_')} WITH PASSWORD '{s}';",
                                                     f"ALTER USER '{r.choice(USERS)}'@'%' IDENTIFIED BY '{s}';",
                                                     f"ALTER ROLE app_rw WITH LOGIN PASSWORD '{s}';"])),
    ("prose_set_pw", True, lambda r, s: r.choice([f"⏺ I set the Grafana admin password to {s} — change it after first login.",
                                                 f"The default credentials are admin / {s}",
                                                 f"⏺ Keycloak is up at http://localhost:8080. Log in as `admin` with password `{s}`.",
                                                 f"I reset your password to \"{s}\"; you'll be asked to change it."])),
    ("prose_japanese", True, lambda r, s: r.choice([f"管理者パスワードは {s} です。", f"⏺ DBのパスワードを「{s}」に変更しました。"])),
    ("spring_properties", False, lambda r, s: f"spring.datasource.password={s}"),
    ("curl_user", False, lambda r, s: f"curl -u '{r.choice(['admin', 'elastic', 'jenkins'])}:{s}' http://localhost:{r.choice([9200, 8080, 15672])}/api/overview"),
    ("htpasswd", False, lambda r, s: f"htpasswd -b -c /etc/nginx/.htpasswd {r.choice(USERS)} {s}"),
    ("psycopg2_kwargs", True, lambda r, s: f'conn = psycopg2.connect(host="localhost", dbname="{r.choice(DBNAMES)}", user="{r.choice(USERS)}", password="{s}")'),
    ("js_object", True, lambda r, s: f"  user: '{r.choice(USERS)}',\n  password: '{s}',"),
    ("go_struct", True, lambda r, s: f'\tcfg.Passwd = "{s}"'),
    ("log_leak", False, lambda r, s: f"{ts_log(r)} DEBUG auth.login: attempt user={r.choice(USERS)} password={s} ip=10.0.0.{r.randint(2, 250)}"),
    ("nmcli_wifi", True, lambda r, s: f'nmcli dev wifi connect "{r.choice(["Office-5G", "HQ-Guest", "Lab-WiFi"])}" password "{s}"'),
    ("keytool_storepass", False, lambda r, s: f"keytool -importkeystore -srckeystore app.p12 -srcstoretype PKCS12 -destkeystore app.jks -deststorepass '{s}'"),
    ("openssl_passout", False, lambda r, s: f"openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout 'pass:{s}'"),
    ("kubectl_literal", False, lambda r, s: f"kubectl create secret generic db-credentials --from-literal=username={r.choice(USERS)} --from-literal=password='{s}'"),
    ("helm_set", False, lambda r, s: f"helm install pg bitnami/postgresql --set auth.postgresPassword='{s}'"),
    ("ansible_vars", True, lambda r, s: f"ansible_become_password: \"{s}\""),
    ("pgpass_file", False, lambda r, s: f"{r.choice(['localhost', 'db.internal'])}:5432:{r.choice(DBNAMES)}:{r.choice(USERS)}:{s}"),
    ("my_cnf", False, lambda r, s: f"[client]\nuser=root\npassword={s}"),
    ("wp_config", True, lambda r, s: f"define( 'DB_PASSWORD', '{s}' );"),
    ("terraform_db", True, lambda r, s: f'  username = "dbadmin"\n  password = "{s}"'),
    ("rails_database_yml", True, lambda r, s: f"  password: <%= ENV.fetch(\"DB_PASSWORD\") {{ \"{s}\" }} %>"),
    ("powershell_securestring", True, lambda r, s: f"$pw = ConvertTo-SecureString '{s}' -AsPlainText -Force"),
]


# ----------------------------------------------------------------------------
# secret kind table
#   generic carriers get ctx: var(s), field, svc, slug, host, path, hdr, q
# ----------------------------------------------------------------------------
def K(kind, w, gen, vars=None, field="api_key", svc=None, host="api.example.com", path="/v1/me",
      hdr=None, q=None, extras=(), custom=None, generic=True):
    return dict(kind=kind, w=w, gen=gen, vars=vars or [], field=field, svc=svc or kind, host=host,
                path=path, hdr=hdr, q=q, extras=list(extras), custom=custom, generic=generic)


BEARER = ["Authorization: Bearer {}"]
SECRET_KINDS = [
    K("github_pat_classic", 10, g_github_classic, ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"], "github_token", "GitHub", "api.github.com", "/user/repos",
      ["Authorization: token {}", "Authorization: Bearer {}"], extras=GITHUB_EXTRA),
    K("github_pat_fine_grained", 8, g_github_fine, ["GITHUB_TOKEN", "GH_PAT", "RELEASE_TOKEN"], "github_token", "GitHub", "api.github.com", "/repos/acme/api/issues",
      ["Authorization: Bearer {}"], extras=GITHUB_EXTRA),
    K("github_app_token", 6, g_github_app, ["GITHUB_TOKEN", "GH_APP_TOKEN"], "token", "GitHub", "api.github.com", "/installation/repositories",
      ["Authorization: token {}"], extras=GITHUB_EXTRA[:4]),
    K("gitlab_token", 8, g_gitlab, ["GITLAB_TOKEN", "GL_TOKEN", "CI_REGISTRATION_TOKEN", "GITLAB_PRIVATE_TOKEN"], "private_token", "GitLab", "gitlab.com", "/api/v4/user",
      ["PRIVATE-TOKEN: {}", "Authorization: Bearer {}"], extras=GITLAB_EXTRA),
    K("openai_key", 10, g_openai, ["OPENAI_API_KEY"], "openai_api_key", "OpenAI", "api.openai.com", "/v1/models", BEARER, extras=OPENAI_EXTRA),
    K("anthropic_key", 10, g_anthropic, ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"], "anthropic_api_key", "Anthropic", "api.anthropic.com", "/v1/models",
      ["x-api-key: {}"], extras=ANTHROPIC_EXTRA),
    K("stripe_live_secret", 7, g_stripe_live, ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], "stripe_secret_key", "Stripe", "api.stripe.com", "/v1/charges", BEARER, extras=STRIPE_EXTRA),
    K("stripe_test_secret", 5, g_stripe_test, ["STRIPE_SECRET_KEY", "STRIPE_TEST_KEY"], "stripe_secret_key", "Stripe", "api.stripe.com", "/v1/customers", BEARER, extras=STRIPE_EXTRA),
    K("stripe_restricted_key", 5, g_stripe_restricted, ["STRIPE_RESTRICTED_KEY", "STRIPE_API_KEY"], "stripe_key", "Stripe", "api.stripe.com", "/v1/balance", BEARER, extras=STRIPE_EXTRA),
    K("stripe_webhook_secret", 4, g_stripe_whsec, ["STRIPE_WEBHOOK_SECRET"], "webhook_secret", "Stripe", extras=WHSEC_EXTRA),
    K("slack_bot_token", 6, g_slack_bot, ["SLACK_BOT_TOKEN", "SLACK_TOKEN"], "slack_token", "Slack", "slack.com", "/api/auth.test", BEARER, extras=SLACK_EXTRA),
    K("slack_user_token", 5, g_slack_user, ["SLACK_USER_TOKEN", "SLACK_TOKEN"], "slack_token", "Slack", "slack.com", "/api/conversations.list", BEARER, extras=SLACK_EXTRA),
    K("slack_app_token", 4, g_slack_app, ["SLACK_APP_TOKEN"], "app_token", "Slack", extras=SLACK_APP_EXTRA),
    K("slack_webhook", 6, lambda r: rs(r, 24), custom=SLACK_HOOK_CARRIERS, generic=False),
    K("twilio_auth_token", 5, g_hex(32), ["TWILIO_AUTH_TOKEN"], "auth_token", "Twilio", extras=TWILIO_EXTRA),
    K("twilio_api_secret", 3, lambda r: rs(r, 32), ["TWILIO_API_SECRET"], "api_secret", "Twilio", extras=TWILIO_API_EXTRA),
    K("sendgrid_key", 7, g_sendgrid, ["SENDGRID_API_KEY"], "sendgrid_api_key", "SendGrid", "api.sendgrid.com", "/v3/user/profile", BEARER, extras=SENDGRID_EXTRA),
    K("mailgun_key", 6, g_mailgun, ["MAILGUN_API_KEY", "MAILGUN_KEY"], "mailgun_api_key", "Mailgun", extras=MAILGUN_EXTRA),
    K("aws_access_key_id", 10, g_aws_akid, ["AWS_ACCESS_KEY_ID"], "aws_access_key_id", "AWS", extras=AWS_AKID_EXTRA),
    K("aws_secret_access_key", 12, g_aws_secret, ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"], "aws_secret_access_key", "AWS", extras=AWS_SECRET_EXTRA),
    K("aws_session_token", 3, g_aws_session, ["AWS_SESSION_TOKEN"], "aws_session_token", "AWS STS", extras=AWS_SESSION_EXTRA),
    K("gcp_api_key", 8, g_gcp_api, ["GOOGLE_API_KEY", "GEMINI_API_KEY", "NEXT_PUBLIC_FIREBASE_API_KEY", "MAPS_API_KEY"], "google_api_key", "Google Cloud",
      "generativelanguage.googleapis.com", "/v1beta/models", None, "key", extras=GCP_API_EXTRA),
    K("gcp_oauth_access_token", 4, g_gcp_oauth, ["GOOGLE_ACCESS_TOKEN", "GCP_TOKEN"], "access_token", "Google", "www.googleapis.com", "/drive/v3/files", BEARER, extras=GCP_OAUTH_EXTRA),
    K("gcp_sa_private_key_id", 5, g_hex(40), custom=GCP_SAKID_CARRIERS, generic=False),
    K("azure_storage_key", 7, g_azure_storage, custom=AZURE_STORAGE_CARRIERS, generic=False),
    K("azure_sas_signature", 6, g_azure_sas, custom=AZURE_SAS_CARRIERS, generic=False),
    K("azure_client_secret", 5, g_azure_client_secret, ["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"], "client_secret", "Azure AD", extras=AZURE_CLIENT_EXTRA),
    K("npm_token", 7, g_npm, ["NPM_TOKEN", "NODE_AUTH_TOKEN"], "npm_token", "npm", "registry.npmjs.org", "/-/whoami", BEARER, extras=NPM_EXTRA),
    K("pypi_token", 6, g_pypi, ["PYPI_TOKEN", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN"], "pypi_token", "PyPI", extras=PYPI_EXTRA),
    K("dockerhub_pat", 6, g_dockerhub, ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"], "docker_token", "Docker Hub", "hub.docker.com", "/v2/repositories/acme/", BEARER, extras=DOCKERHUB_EXTRA),
    K("discord_bot_token", 6, g_discord, ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN"], "bot_token", "Discord", "discord.com", "/api/v10/users/@me", ["Authorization: Bot {}"], extras=DISCORD_EXTRA),
    K("telegram_bot_token", 6, g_telegram, ["TELEGRAM_BOT_TOKEN", "TG_TOKEN", "BOT_TOKEN"], "bot_token", "Telegram", extras=TELEGRAM_EXTRA),
    K("shopify_token", 6, g_shopify, ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET", "SHOPIFY_ADMIN_TOKEN"], "access_token", "Shopify", "acme.myshopify.com",
      "/admin/api/2024-04/shop.json", ["X-Shopify-Access-Token: {}"], extras=SHOPIFY_EXTRA),
    K("datadog_api_key", 6, g_hex(32), ["DD_API_KEY", "DATADOG_API_KEY"], "api_key", "Datadog", "api.datadoghq.com", "/api/v1/validate", ["DD-API-KEY: {}"], extras=DATADOG_EXTRA),
    K("datadog_app_key", 3, g_hex(40), ["DD_APP_KEY", "DATADOG_APP_KEY"], "app_key", "Datadog", "api.datadoghq.com", "/api/v1/dashboard", ["DD-APPLICATION-KEY: {}"], extras=DATADOG_APP_EXTRA),
    K("vault_token", 7, g_vault, ["VAULT_TOKEN"], "vault_token", "Vault", "vault.internal:8200", "/v1/auth/token/lookup-self", ["X-Vault-Token: {}"], extras=VAULT_EXTRA),
    K("jwt", 10, g_jwt, ["ACCESS_TOKEN", "AUTH_TOKEN", "API_JWT", "ID_TOKEN"], "access_token", "auth", "localhost:8080", "/api/v1/me", BEARER, extras=JWT_EXTRA),
    K("k8s_service_account_token", 5, g_k8s_sa_token, custom=K8S_TOKEN_CARRIERS, generic=False),
    K("kubeconfig_client_key_data", 3, g_kube_key_data, custom=KUBE_KEY_CARRIERS, generic=False),
    K("kubeadm_bootstrap_token", 3, g_kubeadm, custom=KUBEADM_CARRIERS, generic=False),
    K("pem_private_key", 9, g_pem, custom=PEM_CARRIERS, generic=False),
    K("age_secret_key", 3, g_age, custom=AGE_CARRIERS, generic=False),
    K("huggingface_token", 5, g_hf, ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"], "hf_token", "Hugging Face", "huggingface.co", "/api/whoami-v2", BEARER, extras=HF_EXTRA),
    K("notion_token", 3, g_notion, ["NOTION_TOKEN", "NOTION_API_KEY"], "notion_token", "Notion", "api.notion.com", "/v1/users/me", BEARER, extras=NOTION_EXTRA),
    K("linear_api_key", 3, g_linear, ["LINEAR_API_KEY"], "linear_api_key", "Linear", extras=LINEAR_EXTRA),
    K("cloudflare_api_token", 4, g_cloudflare, ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"], "api_token", "Cloudflare", "api.cloudflare.com", "/client/v4/zones", BEARER, extras=CLOUDFLARE_EXTRA),
    K("postman_api_key", 2, g_postman, ["POSTMAN_API_KEY"], "postman_api_key", "Postman", "api.getpostman.com", "/me", ["X-Api-Key: {}"], extras=POSTMAN_EXTRA),
    K("supabase_service_key", 4, g_supabase, ["SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_SECRET_KEY"], "service_role_key", "Supabase", "xyzcompany.supabase.co", "/rest/v1/profiles",
      ["apikey: {}"], extras=SUPABASE_EXTRA),
    K("heroku_api_key", 3, g_heroku, ["HEROKU_API_KEY"], "heroku_api_key", "Heroku", "api.heroku.com", "/apps", BEARER, extras=HEROKU_EXTRA),
    K("generic_api_key", 8, g_generic_key, ["API_KEY", "SERVICE_API_KEY", "PAYMENTS_API_KEY", "SEARCH_API_KEY", "X_API_KEY"], "api_key", "the payments API",
      "api.partner.io", "/v2/accounts", ["X-API-Key: {}", "api-key: {}"], "api_key", extras=GENERIC_KEY_EXTRA),
    K("opaque_bearer_token", 7, g_opaque_bearer, ["ACCESS_TOKEN", "API_TOKEN", "AUTH_TOKEN", "SERVICE_TOKEN"], "access_token", "the internal API",
      "api.internal", "/v1/orders", BEARER, "access_token", extras=OPAQUE_EXTRA),
    K("app_secret_key", 6, g_hex_secret, ["JWT_SECRET", "SESSION_SECRET", "SECRET_KEY_BASE", "NEXTAUTH_SECRET", "ENCRYPTION_KEY", "APP_KEY"], "secret_key", "session",
      extras=HEX_SECRET_EXTRA),
    K("django_secret_key", 4, g_django, custom=DJANGO_CARRIERS, generic=False),
    K("session_cookie", 4, g_session, custom=SESSION_CARRIERS, generic=False),
    K("basic_auth_header", 8, g_basic, custom=BASIC_CARRIERS, generic=False),
    K("docker_login_password", 6, g_docker_pw, custom=DOCKER_LOGIN_CARRIERS, generic=False),
    K("netrc_password", 5, g_netrc_pw, custom=NETRC_CARRIERS, generic=False),
    K("git_remote_token_url", 9, g_git_token, custom=GIT_REMOTE_CARRIERS, generic=False),
]
for _k in URL_KINDS:
    SECRET_KINDS.append(K(_k, {"pg_url": 10, "mysql_url": 5, "mongodb_url": 8, "amqp_url": 5, "redis_url": 6, "https_userinfo_url": 6,
                               "smtp_url": 3, "jdbc_url": 3, "mssql_conn_string": 3}[_k],
                          mssql_pw if _k == "mssql_conn_string" else (lambda r: rs(r, r.randint(14, 28), AN + "-_.~") if r.random() < 0.3 else url_pw(r)) if _k == "jdbc_url" else url_pw,
                          generic=False, custom="url"))
SECRET_KINDS += [
    K("human_password", 30, pw_mixed, custom="pw", generic=False),
    K("password_no_digits", 10, pw_nodigit, custom="pw", generic=False),
    K("passphrase", 10, lambda r: pw_passphrase(r, allow_space=r.random() < 0.25), custom="pw", generic=False),
]


def slugify(svc):
    return "".join(ch for ch in svc.lower().replace(" ", "-") if ch.isalnum() or ch == "-").strip("-") or "svc"


def wrap_claude(r, name, text):
    """Sometimes present a line as Claude Code tool output."""
    if "⏺" in text or "⎿" in text or r.random() > 0.12:
        return name, text
    lines = text.split("\n")
    return name + "+tool_result", "  ⎿  " + "\n     ".join(lines)


def make_secret(r, spec):
    for _ in range(200):
        g = spec["gen"](r)
        extra = {}
        if isinstance(g, tuple):
            g, extra = g
        s = g
        if spec["custom"] == "url":
            build, vars_, cli = URL_KINDS[spec["kind"]]
            u = build(r, s)
            name, _, fn = r.choice([c for c in URL_CARRIERS if c[1] is None or spec["kind"] in c[1]])
            text = fn(r, u, {"var": r.choice(vars_), "cli": cli, "kind": spec["kind"]})
        elif spec["custom"] == "pw":
            cands = PW_CARRIERS if " " not in s else [c for c in PW_CARRIERS if c[1]]
            name, _, fn = r.choice(cands)
            text = fn(r, s)
        elif not spec["generic"]:
            name, fn = r.choice(spec["custom"])
            c = dict(extra)
            text = fn(r, s, c)
        else:
            c = dict(var=r.choice(spec["vars"]), field=spec["field"], svc=spec["svc"], slug=slugify(spec["svc"]),
                     host=spec["host"], path=spec["path"], q=spec["q"],
                     hdr=r.choice(spec["hdr"]) if spec["hdr"] else None)
            c.update(extra)
            gen_ok = [(n, f) for n, req, f in GENERIC if req is None or c.get(req)]
            if spec["extras"] and r.random() < 0.5:
                name, fn = r.choice(spec["extras"])
            else:
                name, fn = r.choice(gen_ok)
            text = fn(r, s, c)
        name, text = wrap_claude(r, name, text)
        if text.count(s) == 1:
            return {"kind": spec["kind"], "secret": s, "text": text}, name
    raise RuntimeError("could not place secret for " + spec["kind"])


# ----------------------------------------------------------------------------
# look-alikes: (kind, weight, fn(r) -> text).  No credentials inside.
# ----------------------------------------------------------------------------
def sha40(r):
    return rs(r, 40, HEX)


def msg(r):
    return r.choice(["fix(auth): handle expired refresh tokens", "chore: bump deps", "feat: add retry to webhook sender",
                     "refactor: extract TokenBucket rate limiter", "docs: explain API key rotation", "test: cover password reset flow",
                     "fix: redact secrets in logs", "ci: cache cargo registry", "perf: avoid N+1 in orders query"])


def pick(r, *fns):
    return r.choice(fns)(r)


def L_git_sha_long(r):
    s = sha40(r)
    return pick(r,
                lambda r: f"commit {s}\nAuthor: {r.choice(USERS).title()} <{r.choice(USERS)}@{r.choice(ORGS)}.com>\nDate:   Mon May 12 10:22:41 2025 +0900",
                lambda r: f"⏺ The regression was introduced in {s} (\"{msg(r)}\"). Reverting that commit fixes the test.",
                lambda r: f'      "resolved": "git+ssh://git@github.com/{r.choice(ORGS)}/ui-kit.git#{s}",',
                lambda r: f"      - uses: actions/checkout@{s} # v4.1.7",
                lambda r: f"GITHUB_SHA={s}",
                lambda r: f"{s}\trefs/heads/{r.choice(['main', 'release/2.3', 'feat/oauth'])}",
                lambda r: f"Deploying {r.choice(REPOS)} at revision {s} to production",
                lambda r: f"コミット {s} でリグレッションが入りました。")


def L_git_sha_short(r):
    s = rs(r, r.choice([7, 7, 8, 9, 12]), HEX)
    return pick(r,
                lambda r: f"{s} (HEAD -> main, origin/main) {msg(r)}",
                lambda r: f"HEAD is now at {s} {msg(r)}",
                lambda r: f"[main {s}] {msg(r)}\n 3 files changed, 41 insertions(+), 12 deletions(-)",
                lambda r: f"⏺ Fixed in {s}. The CI run is green now.",
                lambda r: f"Updating {s}..{rs(r, 7, HEX)}\nFast-forward",
                lambda r: f"rustc 1.{r.randint(70, 86)}.0 ({s} 2025-0{r.randint(1, 9)}-1{r.randint(0, 9)})")


def L_docker_digest(r):
    d = "sha256:" + rs(r, 64, HEX)
    return pick(r,
                lambda r: f"Digest: {d}\nStatus: Downloaded newer image for {r.choice(['node:20-alpine', 'python:3.12-slim', 'postgres:16'])}",
                lambda r: f"FROM python:3.12-slim@{d}",
                lambda r: f"  image: ghcr.io/{r.choice(ORGS)}/{r.choice(REPOS)}@{d}",
                lambda r: f"latest: digest: {d} size: {r.randint(500, 4000)}",
                lambda r: f" => [internal] load metadata for docker.io/library/node:20   1.2s\n => CACHED [1/6] FROM docker.io/library/node:20@{d}")


def L_npm_integrity(r):
    i = "sha512-" + b64(rb(r, 64))
    return pick(r,
                lambda r: f'      "integrity": "{i}",',
                lambda r: f"  integrity {i}",
                lambda r: f"    resolution: {{integrity: {i}}}",
                lambda r: f'<script src="https://cdn.jsdelivr.net/npm/htmx.org@2.0.0" integrity="sha384-{b64(rb(r, 48))}" crossorigin="anonymous"></script>')


def L_uuid(r):
    u = uuid4(r)
    return pick(r,
                lambda r: f'{{"requestId": "{u}", "status": 404, "message": "order not found"}}',
                lambda r: f"x-request-id: {u}",
                lambda r: f"GET /api/orders/{u} 200 in 34ms",
                lambda r: f"REQUEST_ID={u}",
                lambda r: f"  Created tenant {r.choice(ORGS)} (id: {u})",
                lambda r: f"RequestId: {u} Duration: {r.randint(2, 900)}.{r.randint(10, 99)} ms Billed Duration: {r.randint(3, 1000)} ms",
                lambda r: f'    "id": "{u}",\n    "type": "invoice.paid",')


def L_ulid(r):
    u = ulid(r)
    return pick(r,
                lambda r: f"Created order {u}",
                lambda r: f'{{"event_id":"{u}","type":"user.signed_up"}}',
                lambda r: f"migrations/{u}_add_index_on_orders_created_at.sql")


def L_semver(r):
    v = "%d.%d.%d" % (r.randint(0, 9), r.randint(0, 30), r.randint(0, 40))
    return pick(r,
                lambda r: f"+ next@{v}",
                lambda r: f"Bumped version to {v}-rc.{r.randint(1, 5)}+build.2025{r.randint(1, 12):02d}{r.randint(1, 28):02d}.{rs(r, 7, HEX)}",
                lambda r: f"   Compiling serde_json v{v}",
                lambda r: f"go version go1.{r.randint(20, 24)}.{r.randint(0, 9)} linux/amd64",
                lambda r: f'  "version": "{v}-beta.{r.randint(0, 9)}",',
                lambda r: f"Successfully installed requests-2.32.3 urllib3-2.2.{r.randint(0, 3)} {r.choice(REPOS)}-{v}")


SNAKE = ["test_refresh_token_is_rotated_after_password_reset", "validate_api_key_format_before_request", "access_token_expires_at",
         "should_reject_expired_bearer_token_with_401", "load_secret_key_from_environment_or_fail", "aws_secret_access_key_env_var_name",
         "parse_basic_auth_header_into_credentials", "github_token_permissions_scope_check", "redact_sensitive_values_in_log_output",
         "test_password_hash_uses_argon2id_with_pepper", "max_retry_attempts_per_webhook_delivery", "stripe_webhook_signature_tolerance_seconds"]
CAMEL = ["getAccessTokenSilently", "useAuthTokenRefreshInterceptor", "AWSSecretsManagerClientBuilder", "validateStripeWebhookSignature",
         "PasswordResetTokenRepository", "handleOAuthCallbackWithPkceVerifier", "createSignedUploadUrlForAttachment",
         "KubernetesServiceAccountTokenProjection", "isJwtExpiredOrAboutToExpire", "SlackIncomingWebhookNotifier"]


def L_snake(r):
    s = r.choice(SNAKE)
    return pick(r,
                lambda r: f"tests/test_auth.py::{s} PASSED{' ' * r.randint(1, 20)}[ {r.randint(1, 99)}%]",
                lambda r: f"test auth::tests::{s} ... ok",
                lambda r: f"def {s}(self):",
                lambda r: f"  ALTER TABLE sessions ADD COLUMN {s} timestamptz;",
                lambda r: f"⏺ I renamed the helper to `{s}` so its purpose is clearer.")


def L_camel(r):
    s = r.choice(CAMEL)
    return pick(r,
                lambda r: f"    at {s} (src/auth/{s}.ts:{r.randint(10, 300)}:{r.randint(2, 40)})",
                lambda r: f"export class {s} {{",
                lambda r: f"src/lib/{s}.ts(42,7): error TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'.",
                lambda r: f"⏺ Update(src/hooks/{s}.ts)")


def L_path(r):
    p = r.choice(["/var/run/secrets/kubernetes.io/serviceaccount/token", "~/.aws/credentials", "~/.config/gcloud/application_default_credentials.json",
                  "node_modules/.pnpm/@babel+core@7.24.5/node_modules/@babel/core/lib/index.js", "/home/%s/projects/%s/src/components/AuthTokenProvider.tsx" % (r.choice(USERS), r.choice(REPOS)),
                  r"C:\Users\%s\AppData\Roaming\npm\node_modules\typescript\lib\tsc.js" % r.choice(USERS).title(), ".env.production.local",
                  "target/debug/deps/speakja-3f9c1e2a7b4d5e6f.d", "/nix/store/%s-openssl-3.0.13/lib/libssl.so.3" % rs(r, 32, NIX32),
                  "~/.cache/pip/wheels/%s/%s/%s" % (rs(r, 2, HEX), rs(r, 2, HEX), rs(r, 56, HEX)), "secrets/prod/database-password.enc.yaml"])
    return pick(r,
                lambda r: f"⏺ Read({p})",
                lambda r: f"Error: ENOENT: no such file or directory, open '{p}'",
                lambda r: f"  ⎿  Wrote {r.randint(3, 200)} lines to {p}",
                lambda r: f"ls: cannot access '{p}': No such file or directory",
                lambda r: f"The client reads credentials from `{p}` — nothing is hardcoded.")


def L_url_query(r):
    u = r.choice([
        f"https://github.com/{r.choice(ORGS)}/{r.choice(REPOS)}/pull/{r.randint(10, 2000)}/files?diff=split&w=1",
        f"https://www.youtube.com/watch?v={rs(r, 11, B64U)}&t={r.randint(10, 900)}s",
        f"https://console.aws.amazon.com/cloudwatch/home?region={r.choice(REGIONS)}#logsV2:log-groups/log-group/$252Faws$252Flambda$252F{r.choice(REPOS)}",
        f"https://{r.choice(ORGS)}.com/reset-password?step=2&lang=ja&utm_source=newsletter&utm_campaign=spring_{r.randint(2024, 2025)}",
        f"https://docs.google.com/spreadsheets/d/1{rs(r, 43, B64U)}/edit#gid={r.randint(0, 2000000000)}",
        f"https://accounts.google.com/o/oauth2/v2/auth?client_id={r.randint(10**11, 10**12)}-{rs(r, 32, LO + DI)}.apps.googleusercontent.com&response_type=code&scope=openid%20email&code_challenge={rs(r, 43, B64U)}&code_challenge_method=S256",
        f"http://localhost:{r.choice([3000, 5173, 8000])}/api/search?q=token+rotation&page={r.randint(1, 9)}&per_page=50&sort=updated",
        f"https://registry.npmjs.org/@{r.choice(ORGS)}/{r.choice(REPOS)}/-/{r.choice(REPOS)}-1.{r.randint(0, 9)}.{r.randint(0, 9)}.tgz",
        f"https://app.datadoghq.com/logs?query=service%3A{r.choice(REPOS)}%20status%3Aerror&from_ts={epoch(r)}000&live=true"])
    return pick(r, lambda r: u, lambda r: f"⏺ Fetch({u})", lambda r: f"See {u} for details.", lambda r: f"  ➜  Local:   {u}" if "localhost" in u else f"Opening {u} in your browser...")


def L_s3(r):
    k = r.choice([f"s3://{r.choice(ORGS)}-data-lake/events/dt=2025-0{r.randint(1, 9)}-1{r.randint(0, 9)}/hour={r.randint(10, 23)}/part-00{r.randint(0, 9)}{r.randint(10, 99)}-{uuid4(r)}-c000.snappy.parquet",
                  f"s3://{r.choice(ORGS)}-web-prod/assets/index-{rs(r, 8, B64U)}.js",
                  f"s3://{r.choice(ORGS)}-backups/postgres/{r.choice(DBNAMES)}/{epoch(r)}.dump.gz"])
    return pick(r, lambda r: f"upload: dist/app.js to {k}", lambda r: f"download: {k} to ./tmp/", lambda r: f"aws s3 cp {k} . --region {r.choice(REGIONS)}")


def L_arn(r):
    acct = r.randint(10**11, 10**12 - 1)
    a = r.choice([f"arn:aws:iam::{acct}:role/service-role/{r.choice(REPOS)}-lambda-exec-{rs(r, 8, LO + DI)}",
                  f"arn:aws:secretsmanager:{r.choice(REGIONS)}:{acct}:secret:prod/{r.choice(REPOS)}/db-password-{rs(r, 6, AN)}",
                  f"arn:aws:kms:{r.choice(REGIONS)}:{acct}:key/{uuid4(r)}",
                  f"arn:aws:lambda:{r.choice(REGIONS)}:{acct}:function:{r.choice(REPOS)}-handler:{r.randint(1, 40)}",
                  f"arn:aws:sns:{r.choice(REGIONS)}:{acct}:{r.choice(REPOS)}-alerts"])
    return pick(r, lambda r: f'    "Arn": "{a}",', lambda r: f"  role_arn = \"{a}\"", lambda r: f"⏺ The IAM policy I added grants access to {a} only.",
                lambda r: f"An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::{acct}:assumed-role/ci/gha is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:{r.choice(REGIONS)}:{acct}:secret:prod/api-{rs(r, 6, AN)}")


AWS_RES = {"i-": ("instance", "aws_instance", "InstanceId"), "vpc-": ("VPC", "aws_vpc", "VpcId"), "subnet-": ("subnet", "aws_subnet", "SubnetId"),
           "sg-": ("security group", "aws_security_group", "GroupId"), "ami-": ("AMI", "aws_ami", "ImageId"),
           "snap-": ("snapshot", "aws_ebs_snapshot", "SnapshotId"), "vol-": ("volume", "aws_ebs_volume", "VolumeId"),
           "eni-": ("network interface", "aws_network_interface", "NetworkInterfaceId"), "rtb-": ("route table", "aws_route_table", "RouteTableId"),
           "igw-": ("internet gateway", "aws_internet_gateway", "InternetGatewayId"), "nat-": ("NAT gateway", "aws_nat_gateway", "NatGatewayId")}


def L_aws_resource_id(r):
    pre = r.choice(list(AWS_RES))
    human, tf, field = AWS_RES[pre]
    i = pre + "0" + rs(r, 16, HEX)
    return pick(r, lambda r: f'            "{field}": "{i}",',
                lambda r: f"  # {tf}.main will be updated in-place\n  ~ resource \"{tf}\" \"main\" {{\n        id = \"{i}\"",
                lambda r: f"⏺ The {human} {i} is in {r.choice(REGIONS)}; I left it untouched.",
                lambda r: f"{i}\t{r.choice(['running', 'available', 'in-use'])}\t{r.choice(REGIONS)}a")


def L_k8s_pod(r):
    name = f"{r.choice(REPOS)}-{rs(r, r.choice([9, 10]), K8S_SUFFIX)}-{rs(r, 5, K8S_SUFFIX)}"
    return pick(r, lambda r: f"{name}   1/1     Running   {r.randint(0, 5)}          {r.randint(1, 23)}h{r.randint(1, 59)}m",
                lambda r: f"kubectl logs -f {name} -n prod --tail=100",
                lambda r: f"⏺ Pod {name} is in CrashLoopBackOff; the logs show a missing env var.",
                lambda r: f"pod/{name} condition met")


ORD = ["hello world", "Hello, world!", "build passed", "username", "admin", "release notes", "config", "staging environment",
       "speakja test fixture", "this is not a secret", "lorem ipsum dolor sit amet", "apiVersion: v1"]


def L_base64_word(r):
    w = r.choice(ORD)
    e = b64(w.encode())
    return pick(r, lambda r: f"$ echo '{e}' | base64 -d\n{w}", lambda r: f"  data: {e}  # \"{w}\"", lambda r: f"btoa('{w}') === '{e}'",
                lambda r: f"data:text/plain;base64,{e}")


def L_hex_color(r):
    c = "#" + rs(r, 6, HEX)
    return pick(r, lambda r: f"  --color-primary: {c};", lambda r: f"        primary: '{c}',", lambda r: f'<rect fill="{c}" width="24" height="24"/>',
                lambda r: f"⏺ I changed the accent colour to {c} to pass WCAG AA contrast.")


def L_timestamp(r):
    return pick(r, lambda r: f"[{ts_iso(r)}] INFO server listening on :8080", lambda r: f"created_at: {epoch(r)}{r.randint(100, 999)}",
                lambda r: f"Last-Modified: Tue, 1{r.randint(0, 9)} Jun 2025 0{r.randint(0, 9)}:2{r.randint(0, 9)}:00 GMT",
                lambda r: f"{ts_log(r)} WARNING worker heartbeat missed ({r.randint(2, 9)}s)")


def L_regex(r):
    return r.choice([
        "const GITHUB_TOKEN_RE = /ghp_[A-Za-z0-9]{36}/;",
        r'SECRET_PATTERN = re.compile(r"(?i)(api[_-]?key|secret|token)\s*[:=]\s*[\'\"]?([A-Za-z0-9_\-]{16,})")',
        r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^\w\s]).{12,64}$",
        "  - id: aws-secret-key\n    regex: '(?i)aws(.{0,20})?[0-9a-zA-Z/+]{40}'",
        'let re = Regex::new(r"^[0-9a-f]{40}$").unwrap();',
        "grep -rnE 'AKIA[0-9A-Z]{16}' . --include='*.py'",
        r"/^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/",
        r"const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;",
        r"  - pattern: 'xox[baprs]-[0-9]{10,13}-[0-9]{10,13}-[a-zA-Z0-9]{24}'",
        r"STRIPE_KEY = re.compile(r'\b(sk|rk)_(live|test)_[0-9a-zA-Z]{24,99}\b')",
        r"sed -E 's/(password=)[^&]*/\1***/g' access.log",
        r"const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;",
        r"if !regexp.MustCompile(`^[a-z0-9-]{3,63}$`).MatchString(bucket) {",
        r"(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s+(?P<level>[A-Z]+)",
        r'"pattern": "^AIza[0-9A-Za-z\\-_]{35}$"',
    ])


def L_css(r):
    cls = " ".join(r.sample(["flex", "items-center", "justify-between", "px-4", "py-2", "text-sm", "font-medium", "rounded-lg", "bg-slate-900",
                             "hover:bg-slate-700", "dark:text-zinc-100", "md:grid-cols-3", "gap-6", "ring-1", "ring-inset", "shadow-sm",
                             "transition-colors", "duration-150", "focus-visible:outline-2", "truncate"], r.randint(6, 11)))
    return pick(r, lambda r: f'<div className="{cls}">', lambda r: f'<button class="{cls}" type="submit">',
                lambda r: f".css-{rs(r, 6, LO + DI)}-{r.choice(['Button', 'Card', 'Header'])} {{ display: flex; }}")


def L_cargo_checksum(r):
    return f'[[package]]\nname = "{r.choice(["serde", "tokio", "ring", "rustls", "nvim-oxi", "unicode-width"])}"\nversion = "1.{r.randint(0, 40)}.{r.randint(0, 9)}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{rs(r, 64, HEX)}"'


def L_go_sum(r):
    mod = r.choice(["github.com/spf13/cobra v1.8.1", "golang.org/x/crypto v0.31.0", "github.com/jackc/pgx/v5 v5.7.1", "google.golang.org/grpc v1.68.0"])
    return pick(r, lambda r: f"{mod} h1:{b64(rb(r, 32))}", lambda r: f"{mod}/go.mod h1:{b64(rb(r, 32))}",
                lambda r: f"verifying {mod.replace(' ', '@')}: checksum mismatch\n\tdownloaded: h1:{b64(rb(r, 32))}\n\tgo.sum:     h1:{b64(rb(r, 32))}")


def L_pip_hash(r):
    return f"{r.choice(['requests', 'django', 'numpy', 'cryptography'])}==4.{r.randint(0, 9)}.{r.randint(0, 9)} \\\n    --hash=sha256:{rs(r, 64, HEX)}"


def L_ssh_pubkey(r):
    who = f"{r.choice(USERS)}@{r.choice(['laptop', 'ci', 'macbook-pro', 'bastion'])}"
    k = r.choice([f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(r, 43, B64)} {who}",
                  f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{rs(r, 300, B64)}= {who}",
                  f"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{rs(r, 87, B64)}= {who}"])
    return pick(r, lambda r: k, lambda r: f"$ cat ~/.ssh/id_ed25519.pub\n{k}", lambda r: f"⏺ Add this public key to the server's authorized_keys:\n{k}",
                lambda r: f"github.com {k.split(' ', 2)[0]} {k.split(' ')[1]}")


def L_pem_public(r):
    t = r.choice(["PUBLIC KEY", "CERTIFICATE"])
    first = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + rs(r, 20, B64) if t == "PUBLIC KEY" else "MIIDdzCCAl+gAwIBAgIU" + rs(r, 44, B64)
    body = "\n".join([first] + [rs(r, 64, B64) for _ in range(2)])
    return pick(r, lambda r: f"-----BEGIN {t}-----\n{body}", lambda r: f"$ cat {'jwt_public.pem' if t == 'PUBLIC KEY' else 'ca.crt'}\n-----BEGIN {t}-----\n{body}")


def L_kube_ca_data(r):
    cert = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIX" + rs(r, 43, B64) + "\n" + rs(r, 64, B64) + "\n"
    return f"- cluster:\n    certificate-authority-data: {b64(cert.encode())}\n    server: https://{rs(r, 32, HEXU)}.gr7.{r.choice(REGIONS)}.eks.amazonaws.com"


def L_fingerprint(r):
    return pick(r,
                lambda r: f"ED25519 key fingerprint is SHA256:{b64(rb(r, 32)).rstrip('=')}.\nThis key is not known by any other names.",
                lambda r: f"sha256 Fingerprint={':'.join(rs(r, 2, HEXU) for _ in range(32))}",
                lambda r: f"gpg: key {rs(r, 16, HEXU)}: public key \"{r.choice(USERS).title()} <{r.choice(USERS)}@{r.choice(ORGS)}.com>\" imported",
                lambda r: f"      Key fingerprint = {' '.join(rs(r, 4, HEXU) for _ in range(10))}",
                lambda r: f"256 SHA256:{b64(rb(r, 32)).rstrip('=')} {r.choice(USERS)}@laptop (ED25519)")


def L_age_public(r):
    return f"# public key: age1{rs(r, 58, BECH)}"


PLACEHOLDERS = ["OPENAI_API_KEY=sk-...", "ANTHROPIC_API_KEY=your-api-key-here", "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx", "api_key: YOUR_API_KEY", "password: changeme",
                "Authorization: Bearer <token>", "export AWS_SECRET_ACCESS_KEY=<your-secret-access-key>", "DB_PASSWORD=********",
                "token: \"[REDACTED]\"", "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                "DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DBNAME", "curl -H \"Authorization: Bearer $API_TOKEN\" https://api.example.com/v1/me",
                "SECRET_KEY=replace-me-in-production", "\"apiKey\": \"<YOUR_FIREBASE_API_KEY>\",", "password = \"\"  # set via env",
                "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX", "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/",
                "JWT_SECRET=your_jwt_secret", "TELEGRAM_BOT_TOKEN=123456789:ABCDEF...", "xoxb-your-bot-token",
                "docker login -u $DOCKER_USER --password-stdin < /run/secrets/docker_pw",
                "NPM_TOKEN=npm_0000000000000000000000000000000000000", "client_secret: <client-secret>",
                "VAULT_TOKEN=hvs.example", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
                "Authorization: Basic <base64(user:password)>", "password: \"{{ vault_db_password }}\"",
                "git clone https://<username>:<personal-access-token>@github.com/org/repo.git",
                "API_KEY=test", "SECRET_KEY=dev", "redis://:password@localhost:6379/0", "aws_secret_access_key = ****************************************"]


def L_placeholder(r):
    p = r.choice(PLACEHOLDERS)
    return pick(r, lambda r: p, lambda r: f"⏺ Copy `.env.example` to `.env` and fill in the values:\n  {p}", lambda r: f"# example: {p}",
                lambda r: f"{p}   # placeholder in README")


ENV_NAMES = ["STRIPE_SECRET_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "DATABASE_URL", "SENDGRID_API_KEY",
             "VAULT_TOKEN", "NPM_TOKEN", "ANTHROPIC_API_KEY", "DB_PASSWORD", "SLACK_BOT_TOKEN", "JWT_SECRET"]


def L_env_name(r):
    n, m = r.sample(ENV_NAMES, 2)
    return r.choice([f"⏺ Add `{n}` and `{m}` to your Vercel project settings; I didn't hardcode them.",
                     f'api_key = os.environ["{n}"]', f"const key = process.env.{n};", f"          {n}: ${{{{ secrets.{n} }}}}",
                     f"Error: environment variable {n} is not set", f"unset {n} {m}", f"password: ${{{n}}}",
                     f"  - name: {n}\n    valueFrom:\n      secretKeyRef:\n        name: app-secrets\n        key: {n.lower().replace('_', '-')}",
                     f"$ env | grep -c TOKEN\n{r.randint(0, 4)}", f"`{n}` を環境変数に設定してください。"])


def L_number(r):
    return pick(r, lambda r: f"Processed {r.randint(10**5, 10**8):,} rows in {r.randint(1, 90)}.{r.randint(0, 9)}s",
                lambda r: f"Segmentation fault at address 0x{rs(r, 12, HEX)}",
                lambda r: f"Account ID: {r.randint(10**11, 10**12 - 1)}",
                lambda r: f"Discord user ID {r.randint(10**17, 13 * 10**17)} joined the server",
                lambda r: f"   {r.randint(100, 99999)} ns/iter (+/- {r.randint(1, 999)})",
                lambda r: f"PID {r.randint(1000, 99999)} listening on port {r.randint(1024, 65535)}")


def L_mongo_objectid(r):
    return pick(r, lambda r: f'  _id: ObjectId("{rs(r, 24, HEX)}"),', lambda r: f"DELETE /api/users/{rs(r, 24, HEX)} 204")


def L_container_id(r):
    return pick(r, lambda r: f"{rs(r, 12, HEX)}   postgres:16   \"docker-entrypoint.s…\"   {r.randint(2, 50)} minutes ago   Up {r.randint(2, 50)} minutes   0.0.0.0:5432->5432/tcp   db",
                lambda r: rs(r, 64, HEX) + "\n⏺ Container started.",
                lambda r: f"Error response from daemon: No such container: {rs(r, 12, HEX)}")


def L_trace_id(r):
    return pick(r, lambda r: f"traceparent: 00-{rs(r, 32, HEX)}-{rs(r, 16, HEX)}-01",
                lambda r: f'{{"level":"error","trace_id":"{rs(r, 32, HEX)}","span_id":"{rs(r, 16, HEX)}","msg":"upstream timeout"}}',
                lambda r: f"X-Amzn-Trace-Id: Root=1-{rs(r, 8, HEX)}-{rs(r, 24, HEX)}")


def L_asset_hash(r):
    return pick(r, lambda r: f"dist/assets/index-{rs(r, 8, B64U)}.js   {r.randint(20, 400)}.{r.randint(10, 99)} kB │ gzip: {r.randint(5, 120)}.{r.randint(10, 99)} kB",
                lambda r: f"static/js/main.{rs(r, 8, HEX)}.js  {r.randint(40, 300)}.{r.randint(1, 9)} kB",
                lambda r: f"  .next/static/chunks/pages/_app-{rs(r, 16, HEX)}.js")


def L_checksum_output(r):
    return pick(r, lambda r: f"{rs(r, 64, HEX)}  dist/{r.choice(REPOS)}-linux-amd64.tar.gz",
                lambda r: f"MD5 ({r.choice(REPOS)}.zip) = {rs(r, 32, HEX)}",
                lambda r: f"{rs(r, 32, HEX)}  backup.sql.gz",
                lambda r: f'ETag: "{rs(r, 32, HEX)}"',
                lambda r: f"resolved \"https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#{rs(r, 40, HEX)}\"")


def L_data_uri(r):
    return f'<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAB{rs(r, r.randint(80, 200), B64)}=" alt="logo">'


def L_oauth_client_id(r):
    return pick(r, lambda r: f"GOOGLE_CLIENT_ID={r.randint(10**11, 10**12)}-{rs(r, 32, LO + DI)}.apps.googleusercontent.com",
                lambda r: f"  clientId: '{uuid4(r)}',  // Azure AD app registration (public)")


def L_cache_key(r):
    return pick(r, lambda r: f"Cache restored from key: node-modules-Linux-{rs(r, 64, HEX)}",
                lambda r: f"          key: ${{{{ runner.os }}}}-cargo-${{{{ hashFiles('**/Cargo.lock') }}}}\n  Cache hit for: Linux-cargo-{rs(r, 64, HEX)}")


def L_ip_mac(r):
    return pick(r, lambda r: f"inet6 fe80::{rs(r, 4, HEX)}:{rs(r, 4, HEX)}:{rs(r, 4, HEX)}:{rs(r, 4, HEX)}/64 scope link",
                lambda r: f"ether {':'.join(rs(r, 2, HEX) for _ in range(6))}  txqueuelen 1000")


def L_near_miss(r):
    return r.choice([
        f"max_tokens: {r.choice([1024, 4096, 8192, 16384])}",
        f"  ⎿  Done ({r.randint(2, 40)} tool uses · {r.randint(5, 120)}.{r.randint(0, 9)}k tokens · {r.randint(1, 9)}m {r.randint(1, 59)}s)",
        f"password_min_length = {r.randint(8, 16)}",
        f"token_ttl: {r.choice([900, 3600, 86400])}s",
        "Secret scanning: 0 alerts found",
        f"session_timeout_minutes = {r.choice([15, 30, 60])}",
        "      secretName: app-tls",
        "    password: true  # mask input in the prompt",
        f'  "token_type": "Bearer",\n  "expires_in": {r.choice([3600, 7200])},',
        f"⏺ Your API key expires on 2026-0{r.randint(1, 9)}-{r.randint(10, 28)}; nothing else needs to change.",
        f"Using AWS profile 'prod' (region {r.choice(REGIONS)})",
        "api_key_header_name = \"X-API-Key\"",
        f"✓ Token is valid (scopes: repo, read:org; expires in {r.randint(2, 89)} days)",
        "grep -rn 'password' src/ | wc -l",
        "⏺ I removed the hardcoded API key and now read it from the environment.",
        "パスワードは環境変数から読み込むように変更しました。",
        f"Input tokens: {r.randint(1000, 90000):,} · Output tokens: {r.randint(100, 9000):,} · Cost: ${r.randint(0, 3)}.{r.randint(10, 99)}",
        "--password-stdin  Take the password from stdin",
        "keyFile: /etc/mongo/keyfile  # path only",
        "JWT_ALGORITHM=RS256",
    ])


def L_slack_ids(r):
    return pick(r, lambda r: f"Posted to channel C0{rs(r, 8, UP + DI)} (ts {epoch(r)}.{r.randint(100000, 999999)})",
                lambda r: f"Twilio message SM{rs(r, 32, HEX)} queued")


LOOK_KINDS = [
    ("git_sha_long", 18, L_git_sha_long), ("git_sha_short", 12, L_git_sha_short), ("docker_digest", 12, L_docker_digest),
    ("npm_integrity", 12, L_npm_integrity), ("uuid", 16, L_uuid), ("ulid", 7, L_ulid), ("semver", 10, L_semver),
    ("snake_identifier", 12, L_snake), ("camel_identifier", 10, L_camel), ("file_path", 14, L_path), ("url_query", 14, L_url_query),
    ("s3_key", 8, L_s3), ("aws_arn", 10, L_arn), ("aws_resource_id", 10, L_aws_resource_id), ("k8s_pod_name", 10, L_k8s_pod),
    ("base64_word", 8, L_base64_word), ("hex_color", 6, L_hex_color), ("timestamp", 7, L_timestamp), ("regex", 10, L_regex),
    ("css_classes", 6, L_css), ("cargo_checksum", 8, L_cargo_checksum), ("go_sum", 8, L_go_sum), ("pip_hash", 5, L_pip_hash),
    ("ssh_public_key", 10, L_ssh_pubkey), ("pem_public_or_cert", 6, L_pem_public), ("kube_ca_data", 4, L_kube_ca_data),
    ("cert_fingerprint", 10, L_fingerprint), ("age_public_key", 2, L_age_public), ("placeholder", 22, L_placeholder),
    ("env_var_name", 16, L_env_name), ("number", 10, L_number), ("mongo_objectid", 5, L_mongo_objectid),
    ("container_id", 6, L_container_id), ("trace_id", 7, L_trace_id), ("asset_hash", 7, L_asset_hash),
    ("checksum_output", 10, L_checksum_output), ("data_uri", 4, L_data_uri), ("oauth_client_id", 4, L_oauth_client_id),
    ("ci_cache_key", 4, L_cache_key), ("keyword_near_miss", 14, L_near_miss), ("ip_mac", 3, L_ip_mac), ("vendor_resource_id", 4, L_slack_ids),
]


# ----------------------------------------------------------------------------
def allocate(weights, total):
    s = sum(weights)
    raw = [w * total / s for w in weights]
    n = [int(x) for x in raw]
    rem = sorted(range(len(raw)), key=lambda i: (-(raw[i] - n[i]), i))
    for i in rem[:total - sum(n)]:
        n[i] += 1
    return n


def generate(seed):
    r = random.Random(seed)
    secrets, looks, carriers, seen_looks = [], [], {}, set()
    for spec, n in zip(SECRET_KINDS, allocate([k["w"] for k in SECRET_KINDS], N_SECRETS)):
        seen = set()
        for _ in range(n):
            while True:
                rec, cname = make_secret(r, spec)
                if rec["secret"] not in seen:
                    break
            seen.add(rec["secret"])
            secrets.append(rec)
            carriers[cname.split("+")[0]] = carriers.get(cname.split("+")[0], 0) + 1
    for (kind, _, fn), n in zip(LOOK_KINDS, allocate([w for _, w, _ in LOOK_KINDS], N_LOOKS)):
        for _ in range(n):
            for _try in range(30):
                text = fn(r)
                _, text = wrap_claude(r, kind, text)
                if text not in seen_looks:
                    break
            seen_looks.add(text)
            looks.append({"kind": kind, "text": text})
    r.shuffle(secrets)
    r.shuffle(looks)
    return {"secrets": secrets, "looks": looks}, carriers


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    seed = int(sys.argv[1])
    out, carriers = generate(seed)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    if "--stats" in sys.argv[3:]:
        def count(rows):
            c = {}
            for x in rows:
                c[x["kind"]] = c.get(x["kind"], 0) + 1
            return c
        print("secrets", len(out["secrets"]), json.dumps(count(out["secrets"])))
        print("looks", len(out["looks"]), json.dumps(count(out["looks"])))
        print("carriers", len(carriers), json.dumps(dict(sorted(carriers.items(), key=lambda kv: -kv[1]))))


if __name__ == "__main__":
    main()

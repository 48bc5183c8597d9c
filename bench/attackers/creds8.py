#!/usr/bin/env python3
"""Independent credential / look-alike corpus generator for speakja.nvim.

usage:  python3 gen.py SEED OUT.json

Writes {"secrets": [{"kind","secret","text","carrier"}...],
        "looks":   [{"kind","text"}...]}
with 400 secrets and 400 look-alikes, deterministic per SEED.

"text" imitates what an AI coding agent (Claude Code) prints in a terminal.
For secrets, "secret" occurs verbatim exactly once in "text".  Where the
carrier itself changes how the value is printed (percent-encoding in a URL,
JSON "\\n" escapes, a terminal line wrap, markdown split/escaping, a
zero-width space) "secret" is the printed form, exactly as it appears in
"text".  For composite credentials (URLs with passwords, headers, cookies,
"base64:" / "django-insecure-" prefixes, webhook URLs) "secret" is only the
sensitive part.  Every secret is >= 8 characters; every fragment of a split
or wrapped secret is >= 6 characters, so a 6-character-window leak check can
see any fragment that survives.

Standard library only.
"""
import base64
import json
import random
import re
import string
import struct
import sys
import urllib.parse
import uuid

LOW = string.ascii_lowercase
UP = string.ascii_uppercase
DIG = string.digits
ALNUM = LOW + UP + DIG
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"
B32 = UP + "234567"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
NIXB32 = "0123456789abcdfghijklmnpqrsvwxyz"
CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYM = "!#$%&*+-.=?@^_~"
DJANGO = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"

WORDS = """apple river stone cloud tiger maple orange silver garden window rocket
pencil button forest candle bridge copper winter summer autumn spring dragon falcon
harbor island jungle kettle lemon marble needle ocean pepper quartz rabbit saddle
tunnel violet walnut yellow zebra anchor basket cactus dolphin eagle feather glacier
hammer iguana jacket koala ladder meadow nectar oyster panda quiver raven salmon
turtle umbrella velvet wizard yogurt zipper blue purple monkey dishwasher horse
battery staple correct sky sunset thunder pirate castle coffee guitar piano rainbow
shadow whisper crystal meteor nebula comet planet orbit canyon desert prairie tundra
volcano lantern compass voyage harvest ember frost blossom pebble willow cedar birch
aspen juniper saffron cinnamon ginger mango papaya cherry plum peach olive basil
thyme sage mint tractor bicycle library museum teacup pillow blanket marathon
sunflower penguin octopus giraffe lobster walrus badger otter beaver hedgehog
""".split()
FOODS = ["tacos", "ramen", "sushi", "pizza", "curry", "waffles", "dumplings", "onigiri"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DIAC = ["Grüße", "Käsebrot", "Müller", "Straße", "Ñandú", "Crème", "Façade", "Smørrebrød",
        "Ålesund", "Señorita", "Jalapeño", "Übermut", "Café", "Björk", "Zürich", "Øresund"]
JAPW = ["さくら", "もみじ", "ねこまる", "富士山", "東京タワー", "合言葉", "ひまわり", "ゆきだるま",
        "しんかんせん", "たこやき", "抹茶ラテ", "ありがとう"]
CYR = ["Пароль", "Зима", "Медведь", "Москва", "Снежок"]
GREEK = ["Αθήνα", "Ήλιος", "Θάλασσα"]
EMOJI = ["🍣", "🔥", "🐱", "🌸", "🚀", "🍙", "🐙"]

USERS = ["app", "admin", "deploy", "root", "postgres", "svc_reporting", "ci-bot", "alice",
         "kenji", "grafana", "backup", "etl_user", "webapp", "migrator"]
DBHOSTS = ["db.internal", "10.0.3.17", "localhost", "prod-db-1.c9xq2lmv3k.ap-northeast-1.rds.amazonaws.com",
           "postgres.staging.svc.cluster.local", "mysql-primary", "127.0.0.1", "pg-replica-2"]
API_URLS = ["https://api.acme.dev/v1/orders", "https://api.example.com/v2/search",
            "https://internal.acme.io/reports/export", "https://ingest.acme.dev/events",
            "https://api.weather.example.org/forecast", "https://billing.acme.dev/api/invoices"]
REPOS = ["acme/api", "acme/web-frontend", "kenji/dotfiles", "acme/infra", "platform/payments-service"]
ENV_FILLER = ["NODE_ENV=production", "PORT=3000", "LOG_LEVEL=debug", "DB_HOST=db.internal",
              "DB_PORT=5432", "REDIS_URL=redis://cache:6379/0", "APP_NAME=acme-api", "TZ=Asia/Tokyo",
              "FEATURE_FLAGS=beta_ui,new_checkout", "S3_BUCKET=acme-uploads-prod",
              "AWS_REGION=ap-northeast-1", "SENTRY_ENVIRONMENT=staging", "MAX_UPLOAD_MB=25",
              "DEBUG=false", "DB_NAME=app", "DB_USER=app", "SMTP_HOST=smtp.mailgun.org", "WORKERS=4"]


# ----------------------------------------------------------------- helpers
def rs(r, a, n):
    return "".join(r.choice(a) for _ in range(n))


def rb(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def b64(bs):
    return base64.b64encode(bs).decode()


def b64u(bs):
    return base64.urlsafe_b64encode(bs).decode().rstrip("=")


def ruuid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def hexs(r, n):
    return rs(r, HEX, n)


def digits(r, n):
    return str(r.randint(1, 9)) + rs(r, DIG, n - 1)


def camel(env):
    parts = env.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def snake(env):
    return env.lower()


def pct(s):
    return urllib.parse.quote(s, safe="")


SAFE_SH = re.compile(r"[A-Za-z0-9_./:=+@%,-]+\Z")


def shq(s):
    return s if SAFE_SH.match(s) else "'" + s + "'"


def yaml_plain_ok(s):
    return (bool(re.match(r"[A-Za-z0-9]", s)) and ": " not in s and " #" not in s
            and not s.endswith(":") and s.isascii())


def wrap64(s, n=64):
    return [s[i:i + n] for i in range(0, len(s), n)]


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def tool(r, cmd, lines, name="Bash"):
    """Claude Code style tool call display, or a raw shell transcript."""
    if r.random() < 0.72:
        return "⏺ %s(%s)\n  ⎿  " % (name, cmd) + "\n     ".join(lines)
    return "$ " + cmd + "\n" + "\n".join(lines)


def say(r, text):
    return ("⏺ " + text) if r.random() < 0.5 else text


# ----------------------------------------------------------------- labels
L_PW = [("DB_PASSWORD", "database password", "データベースのパスワード"),
        ("POSTGRES_PASSWORD", "Postgres password", "Postgresのパスワード"),
        ("MYSQL_ROOT_PASSWORD", "MySQL root password", "MySQLのrootパスワード"),
        ("ADMIN_PASSWORD", "admin password", "管理者パスワード"),
        ("REDIS_PASSWORD", "Redis password", "Redisのパスワード"),
        ("SMTP_PASSWORD", "SMTP password", "SMTPのパスワード"),
        ("LDAP_BIND_PASSWORD", "LDAP bind password", "LDAPのバインドパスワード"),
        ("KEYSTORE_PASSWORD", "keystore password", "キーストアのパスワード"),
        ("PASSWORD", "password", "パスワード"),
        ("RABBITMQ_DEFAULT_PASS", "RabbitMQ password", "RabbitMQのパスワード"),
        ("GF_SECURITY_ADMIN_PASSWORD", "Grafana admin password", "Grafanaの管理者パスワード"),
        ("WIFI_PASSWORD", "Wi-Fi password", "Wi-Fiのパスワード"),
        ("MONGO_INITDB_ROOT_PASSWORD", "MongoDB root password", "MongoDBのrootパスワード")]
L_PASSPHRASE = [("GPG_PASSPHRASE", "GPG passphrase", "GPGのパスフレーズ"),
                ("SSH_KEY_PASSPHRASE", "SSH key passphrase", "SSH鍵のパスフレーズ"),
                ("ANSIBLE_VAULT_PASSWORD", "Ansible Vault password", "Ansible Vaultのパスワード"),
                ("BORG_PASSPHRASE", "Borg passphrase", "Borgのパスフレーズ"),
                ("RESTIC_PASSWORD", "restic repository password", "resticリポジトリのパスワード"),
                ("VAULT_UNSEAL_PASSPHRASE", "unseal passphrase", "アンシール用のパスフレーズ"),
                ("PASSWORD", "password", "パスワード")]
L_PIN = [("SIM_PIN", "PIN", "PINコード"), ("ADMIN_PIN", "admin PIN", "管理用PIN"),
         ("YUBIKEY_PIN", "YubiKey PIN", "YubiKeyのPIN"), ("PASSCODE", "passcode", "パスコード"),
         ("BACKUP_CODE", "backup code", "バックアップコード"), ("SAFE_PIN", "safe PIN", "金庫の暗証番号"),
         ("CARD_PIN", "card PIN", "暗証番号"), ("PUK", "PUK code", "PUKコード")]
L_TOTP = [("TOTP_SECRET", "TOTP secret", "TOTPシークレット"), ("OTP_SEED", "2FA seed", "二要素認証のシード"),
          ("MFA_SECRET", "MFA secret", "MFAのシークレットキー"), ("GOOGLE_AUTH_SECRET", "authenticator setup key", "認証アプリのセットアップキー")]
L_HEX = [("ENCRYPTION_KEY", "encryption key", "暗号化キー"), ("HMAC_SECRET", "HMAC secret", "HMACシークレット"),
         ("MASTER_KEY", "master key", "マスターキー"), ("SECRET_KEY", "secret key", "シークレットキー"),
         ("WEBHOOK_SECRET", "webhook secret", "Webhookシークレット"), ("SIGNING_KEY", "signing key", "署名鍵"),
         ("API_SECRET", "API secret", "APIシークレット"), ("AES_KEY", "AES key", "AES鍵"),
         ("SESSION_SECRET", "session secret", "セッションシークレット"), ("DATADOG_API_KEY", "Datadog API key", "DatadogのAPIキー"),
         ("COOKIE_SECRET", "cookie signing secret", "Cookie署名用シークレット")]
L_TOK = [("API_KEY", "API key", "APIキー"), ("API_TOKEN", "API token", "APIトークン"),
         ("ACCESS_TOKEN", "access token", "アクセストークン"), ("AUTH_TOKEN", "auth token", "認証トークン"),
         ("CLIENT_SECRET", "client secret", "クライアントシークレット"), ("REFRESH_TOKEN", "refresh token", "リフレッシュトークン"),
         ("SENTRY_AUTH_TOKEN", "Sentry auth token", "Sentryの認証トークン"),
         ("CLOUDFLARE_API_TOKEN", "Cloudflare API token", "CloudflareのAPIトークン"),
         ("VERCEL_TOKEN", "Vercel token", "Vercelのトークン"), ("NEW_RELIC_LICENSE_KEY", "New Relic license key", "New Relicのライセンスキー"),
         ("HEROKU_API_KEY", "Heroku API key", "HerokuのAPIキー"), ("ALGOLIA_ADMIN_KEY", "Algolia admin key", "Algoliaの管理キー")]


def V(kind, value, cls, lab, **kw):
    d = dict(kind=kind, value=value, cls=cls, env=lab[0], en=lab[1], ja=lab[2])
    d.update(kw)
    return d


# ----------------------------------------------------------------- passwords
def w(r):
    return r.choice(WORDS)


def W(r):
    return r.choice(WORDS).capitalize()


def mk_password_random(r):
    while True:
        s = rs(r, LOW + UP + DIG + SYM, r.randint(10, 20))
        if (any(c in LOW for c in s) and any(c in UP for c in s) and any(c in DIG for c in s)
                and any(c in SYM for c in s) and s[0] not in "-~"):
            return V("password_random", s, "pw", r.choice(L_PW))


def mk_password_memorable(r):
    p = r.randrange(6)
    if p == 0:
        s = "%s%d-%s-%s-%02d" % (w(r), r.randint(1, 9), W(r), W(r), r.randint(10, 99))
    elif p == 1:
        s = "%s%d%s" % (r.choice(["Summer", "Winter", "Autumn", "Spring", "Welcome", "Sakura"]),
                         r.randint(2019, 2026), r.choice("!#$@?"))
    elif p == 2:
        sep = r.choice("-._+")
        s = sep.join([W(r), W(r), str(r.randint(10, 999))])
    elif p == 3:
        s = W(r) + W(r) + str(r.randint(10, 99)) + r.choice("!?#$*")
    elif p == 4:
        s = "%s@%s%d" % (W(r), w(r), r.randint(100, 9999))
    else:
        s = "%s%s%s!" % (w(r), r.choice(["4ever", "2day", "4life", "123", "007"]), W(r))
    return V("password_memorable", s, "pw", r.choice(L_PW))


LEET = {"a": "4@", "e": "3", "o": "0", "i": "1!", "s": "$5", "t": "7", "l": "1", "b": "8", "g": "9"}


def mk_password_leet(r):
    base = w(r) + (w(r) if r.random() < 0.5 else "")
    out = []
    for c in base:
        if c in LEET and r.random() < 0.6:
            out.append(r.choice(LEET[c]))
        else:
            out.append(c)
    s = "".join(out)
    s = s[0].upper() + s[1:]
    s += r.choice("&%#!?*") + str(r.randint(0, 99))
    return V("password_leet", s, "pw", r.choice(L_PW))


def mk_password_unicode(r):
    p = r.randrange(8)
    if p == 0:
        s = "%s-%s-%02d%s" % (r.choice(DIAC), W(r), r.randint(0, 99), r.choice("!#?"))
    elif p == 1:
        s = "%s%d%s" % (r.choice(JAPW), r.randint(1000, 9999), r.choice("!#?"))
    elif p == 2:
        s = "%s-%s-%02d" % (r.choice(JAPW), r.choice(JAPW), r.randint(0, 99))
    elif p == 3:
        s = "%s%s%d" % (r.choice(CYR), W(r), r.randint(10, 99))
    elif p == 4:
        s = "%s%s%s-%d" % (W(r), r.choice(EMOJI), W(r), r.randint(10, 99))
    elif p == 5:
        s = fullwidth(W(r) + str(r.randint(1000, 9999)))
    elif p == 6:
        s = "%s %s %d" % (W(r), r.choice(JAPW), r.randint(10, 999))
    else:
        s = "%s_%s!%d" % (r.choice(GREEK), w(r), r.randint(10, 99))
    if len(s) < 8:
        s += str(r.randint(1000, 9999))
    return V("password_unicode", s, "pw", r.choice(L_PW))


def mk_password_spaces(r):
    p = r.randrange(5)
    if p == 0:
        s = "my %s ate %d %ss!" % (r.choice(["dog", "cat", "parrot", "goat"]), r.randint(2, 9), w(r))
    elif p == 1:
        s = "i love %s on %ss" % (r.choice(FOODS), r.choice(DAYS))
    elif p == 2:
        s = "Open Sesame %d" % r.randint(10, 999)
    elif p == 3:
        s = "%s %s %s %d" % (W(r), w(r), w(r), r.randint(1, 99))
    else:
        s = "the %s %s is %s" % (w(r), w(r), r.choice(["hungry", "sleepy", "purple", "lost", "brave"]))
    return V("password_spaces", s, "pw", r.choice(L_PW + L_PASSPHRASE))


def mk_passphrase_words(r):
    n = r.randint(4, 6)
    ws = [w(r) for _ in range(n)]
    sep = r.choice([" ", "-", ".", "_", "", " ", "-"])
    if sep == "" or r.random() < 0.3:
        ws = [x.capitalize() for x in ws]
    s = sep.join(ws)
    if r.random() < 0.35:
        s += (sep if sep else "") + str(r.randint(1, 99))
    return V("passphrase_words", s, "pw", r.choice(L_PASSPHRASE))


def mk_password_lowercase(r):
    if r.random() < 0.5:
        s = rs(r, LOW, r.randint(8, 14))
    else:
        s = w(r) + w(r) + (w(r) if r.random() < 0.4 else "")
        if len(s) < 8:
            s += w(r)
    return V("password_lowercase", s, "pw", r.choice(L_PW))


def mk_pin_digits(r):
    n = r.choice([8, 8, 9, 10, 12])
    s = digits(r, n)
    if r.random() < 0.3:
        sep = r.choice([" ", "-"])
        s = sep.join(s[i:i + 4] for i in range(0, len(s), 4))
    return V("pin_digits", s, "pw", r.choice(L_PIN))


def mk_recovery_code(r):
    s = hexs(r, 5) + "-" + hexs(r, 5)
    return V("recovery_code", s, "pw", r.choice([("RECOVERY_CODE", "recovery code", "リカバリーコード"),
                                                ("BACKUP_CODE", "backup code", "バックアップコード")]))


def mk_totp_seed(r):
    s = rs(r, B32, r.choice([16, 16, 32, 26]))
    grouped = False
    if r.random() < 0.3:
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4)).lower()
        grouped = True
    return V("totp_seed", s, "totp", r.choice(L_TOTP), grouped=grouped)


def mk_hex_key(r):
    n = r.choice([32, 32, 40, 64, 64, 64])
    s = hexs(r, n)
    lab = r.choice(L_HEX)
    if r.random() < 0.12:
        s, lab = hexs(r, 128), ("SECRET_KEY_BASE", "Rails secret_key_base", "Railsのsecret_key_base")
    elif r.random() < 0.15:
        s = s.upper()
    return V("hex_key", s, "key", lab)


def mk_generic_api_token(r):
    p = r.randrange(6)
    lab = r.choice(L_TOK)
    if p == 0:
        s = rs(r, ALNUM, 32)
    elif p == 1:
        s = rs(r, ALNUM, r.choice([40, 48]))
    elif p == 2:
        s = rs(r, B64U, 40)
    elif p == 3:
        s = hexs(r, 32)
    elif p == 4:
        s = rs(r, ALNUM, 24)
    else:
        s = ruuid(r)
        lab = ("HEROKU_API_KEY", "Heroku API key", "HerokuのAPIキー")
    return V("generic_api_token", s, "tok", lab)


def mk_base64_secret(r):
    p = r.randrange(6)
    if p == 0:
        return V("base64_secret", b64(rb(r, 32)), "key", ("NEXTAUTH_SECRET", "NextAuth secret", "NextAuthのシークレット"))
    if p == 1:
        return V("base64_secret", base64.urlsafe_b64encode(rb(r, 32)).decode(), "key",
                 ("FERNET_KEY", "Fernet key", "Fernetキー"))
    if p == 2:
        k = b64(rb(r, 32))
        return V("base64_secret", "base64:" + k, "key", ("APP_KEY", "Laravel app key", "LaravelのAPP_KEY"),
                 secret=k)
    if p == 3:
        k = rs(r, DJANGO, 50)
        return V("base64_secret", "django-insecure-" + k, "key", ("DJANGO_SECRET_KEY", "Django SECRET_KEY", "DjangoのSECRET_KEY"),
                 secret=k)
    if p == 4:
        k = rs(r, DJANGO, 50)
        return V("base64_secret", k, "key", ("DJANGO_SECRET_KEY", "Django SECRET_KEY", "DjangoのSECRET_KEY"))
    return V("base64_secret", b64(rb(r, 64)), "key", ("JWT_SECRET", "JWT signing secret", "JWTの署名シークレット"))


def mk_basic_auth(r):
    user = r.choice(USERS)
    pw = mk_password_random(r)["value"] if r.random() < 0.6 else mk_password_memorable(r)["value"]
    return V("basic_auth", b64((user + ":" + pw).encode()), "basic",
             ("AUTH_HEADER", "Basic auth header", "Basic認証ヘッダー"), user=user)


def mk_session_cookie(r):
    p = r.randrange(5)
    if p == 0:
        name = "session"
        val = b64u(json.dumps({"user_id": r.randint(1, 9999), "_fresh": True}).encode()) + "." + rs(r, B64U, 6) + "." + rs(r, B64U, 27)
    elif p == 1:
        name = "_acme_session"
        val = rs(r, B64, 120) + "--" + hexs(r, 40)
    elif p == 2:
        name = "connect.sid"
        val = "s%3A" + rs(r, B64U, 32) + "." + pct(rs(r, B64, 43))
    elif p == 3:
        name = "PHPSESSID"
        val = rs(r, "abcdefghijklmnopqrstuv0123456789", 26)
    else:
        name = "sessionid"
        val = rs(r, LOW + DIG, 32)
    return V("session_cookie", val, "cookie", ("SESSION_COOKIE", "session cookie", "セッションCookie"), cname=name)


def mk_k8s_secret_data(r):
    pw = r.choice([mk_password_random, mk_password_memorable, mk_generic_api_token])(r)["value"]
    return V("k8s_secret_data", b64(pw.encode()), "k8sdata", ("password", "password", "パスワード"))


def mk_wireguard_private_key(r):
    k = bytearray(rb(r, 32))
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    lab = r.choice([("PrivateKey", "WireGuard private key", "WireGuardの秘密鍵"),
                    ("WG_PRIVATE_KEY", "WireGuard private key", "WireGuardの秘密鍵"),
                    ("PresharedKey", "WireGuard preshared key", "WireGuardの事前共有鍵")])
    return V("wireguard_private_key", b64(bytes(k)), "wg", lab)


def mk_age_secret_key(r):
    return V("age_secret_key", "AGE-SECRET-KEY-1" + rs(r, BECH.upper(), 58), "age",
             ("SOPS_AGE_KEY", "age secret key", "ageの秘密鍵"))


def ssh_ed25519_blob(r):
    return struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + rb(r, 32)


def sshstr(b):
    return struct.pack(">I", len(b)) + b


def mk_ssh_private_key(r):
    if r.random() < 0.7:
        pub = ssh_ed25519_blob(r)
        raw = (b"openssh-key-v1\x00" + sshstr(b"none") + sshstr(b"none") + sshstr(b"") +
               struct.pack(">I", 1) + sshstr(pub) + sshstr(rb(r, 144)))
        body = wrap64(b64(raw), 70)
        return V("ssh_private_key", body, "block", ("SSH_PRIVATE_KEY", "SSH private key", "SSHの秘密鍵"),
                 begin="-----BEGIN OPENSSH PRIVATE KEY-----", end="-----END OPENSSH PRIVATE KEY-----",
                 path=r.choice(["~/.ssh/id_ed25519", "~/.ssh/deploy_key", "keys/ci_ed25519", ".ssh/id_ed25519"]))
    raw = bytes.fromhex("308206e3020100") + b"\x02\x82\x01\x81\x00" + rb(r, 384 + 300)
    body = wrap64(b64(raw), 70)
    return V("ssh_private_key", body, "block", ("SSH_PRIVATE_KEY", "SSH private key", "SSHの秘密鍵"),
             begin="-----BEGIN OPENSSH PRIVATE KEY-----", end="-----END OPENSSH PRIVATE KEY-----",
             path=r.choice(["~/.ssh/id_rsa", "deploy/id_rsa"]))


def mk_pem_private_key(r):
    p = r.randrange(4)
    if p == 0:
        raw = bytes.fromhex("308204a40201000282010100") + rb(r, 1180)
        bg, en = "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----"
    elif p == 1:
        raw = bytes.fromhex("30770201010420") + rb(r, 32) + bytes.fromhex("a00a06082a8648ce3d030107a144034200") + rb(r, 65)
        bg, en = "-----BEGIN EC PRIVATE KEY-----", "-----END EC PRIVATE KEY-----"
    elif p == 2:
        raw = bytes.fromhex("302e020100300506032b657004220420") + rb(r, 32)
        bg, en = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"
    else:
        raw = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7") + rb(r, 1190)
        bg, en = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"
    body = wrap64(b64(raw))
    return V("pem_private_key", body, "block", ("TLS_PRIVATE_KEY", "TLS private key", "TLS証明書の秘密鍵"),
             begin=bg, end=en, path=r.choice(["certs/server.key", "tls/tls.key", "/etc/ssl/private/api.key", "jwt/private.pem"]))


def mk_pgp_private_key(r):
    raw = b"\x94\x58\x04" + rb(r, 40 * r.randint(8, 14))
    body = wrap64(b64(raw))
    crc = "=" + rs(r, B64, 4)
    return V("pgp_private_key", body, "block", ("GPG_PRIVATE_KEY", "GPG private key", "GPGの秘密鍵"),
             begin="-----BEGIN PGP PRIVATE KEY BLOCK-----", end="-----END PGP PRIVATE KEY BLOCK-----",
             path=r.choice(["release-signing.asc", "secret.asc", "keys/maintainer.sec.asc"]), crc=crc, blank=True)


def mk_presigned_signature(r):
    p = r.randrange(3)
    if p == 0:
        return V("presigned_signature", hexs(r, 64), "sig", ("X-Amz-Signature", "S3 presigned URL signature", "署名付きURLの署名"), style="s3")
    if p == 1:
        return V("presigned_signature", pct(b64(rb(r, 32))), "sig", ("sig", "Azure SAS signature", "SASトークンの署名"), style="sas")
    return V("presigned_signature", hexs(r, 256), "sig", ("X-Goog-Signature", "GCS signed URL signature", "署名付きURLの署名"), style="gcs")


# ----------------------------------------------------------------- provider shapes
def P(kind, value, lab, cls="tok", **kw):
    return V(kind, value, cls, lab, **kw)


def mk_aws_access_key_id(r):
    return P("aws_access_key_id", r.choice(["AKIA", "AKIA", "ASIA"]) + rs(r, B32, 16),
             ("AWS_ACCESS_KEY_ID", "AWS access key ID", "AWSのアクセスキーID"))


def mk_aws_secret_access_key(r):
    return P("aws_secret_access_key", rs(r, ALNUM + "+/", 40),
             ("AWS_SECRET_ACCESS_KEY", "AWS secret access key", "AWSのシークレットアクセスキー"))


def mk_github_token(r):
    p = r.randrange(5)
    if p == 0:
        v = "github_pat_11" + rs(r, UP + DIG, 20) + "_" + rs(r, ALNUM, 59)
    else:
        v = ["ghp_", "ghp_", "gho_", "ghs_", "ghu_"][p] + rs(r, ALNUM, 36)
    return P("github_token", v, r.choice([("GITHUB_TOKEN", "GitHub token", "GitHubのトークン"),
                                          ("GH_TOKEN", "GitHub personal access token", "GitHubの個人アクセストークン")]))


def mk_gitlab_token(r):
    return P("gitlab_token", "glpat-" + rs(r, ALNUM + "-_", 20),
             ("GITLAB_TOKEN", "GitLab access token", "GitLabのアクセストークン"))


def mk_slack_token(r):
    p = r.randrange(3)
    if p == 0:
        v = "xoxb-%s-%s-%s" % (digits(r, 12), digits(r, 13), rs(r, ALNUM, 24))
        lab = ("SLACK_BOT_TOKEN", "Slack bot token", "Slackのボットトークン")
    elif p == 1:
        v = "xoxp-%s-%s-%s-%s" % (digits(r, 12), digits(r, 12), digits(r, 13), hexs(r, 32))
        lab = ("SLACK_USER_TOKEN", "Slack user token", "Slackのユーザートークン")
    else:
        v = "xapp-1-A%s-%s-%s" % (rs(r, UP + DIG, 10), digits(r, 13), hexs(r, 64))
        lab = ("SLACK_APP_TOKEN", "Slack app-level token", "Slackのアプリトークン")
    return P("slack_token", v, lab)


def mk_slack_webhook(r):
    tok = rs(r, ALNUM, 24)
    url = "https://hooks.slack.com/services/T%s/B%s/%s" % (rs(r, UP + DIG, 8), rs(r, UP + DIG, 10), tok)
    return P("slack_webhook", url, ("SLACK_WEBHOOK_URL", "Slack webhook URL", "SlackのWebhook URL"), cls="webhook", secret=tok)


def mk_discord_webhook(r):
    tok = rs(r, B64U, 68)
    url = "https://discord.com/api/webhooks/%s/%s" % (digits(r, 19), tok)
    return P("discord_webhook", url, ("DISCORD_WEBHOOK_URL", "Discord webhook URL", "DiscordのWebhook URL"), cls="webhook", secret=tok)


def mk_stripe_key(r):
    p = r.randrange(4)
    if p == 0:
        return P("stripe_key", "sk_live_" + rs(r, ALNUM, 24), ("STRIPE_SECRET_KEY", "Stripe secret key", "Stripeのシークレットキー"))
    if p == 1:
        return P("stripe_key", "sk_live_51" + rs(r, ALNUM, 97), ("STRIPE_SECRET_KEY", "Stripe secret key", "Stripeのシークレットキー"))
    if p == 2:
        return P("stripe_key", "rk_live_51" + rs(r, ALNUM, 97), ("STRIPE_RESTRICTED_KEY", "Stripe restricted key", "Stripeの制限付きキー"))
    return P("stripe_key", "whsec_" + rs(r, ALNUM, 32), ("STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret", "StripeのWebhook署名シークレット"))


def mk_openai_key(r):
    if r.random() < 0.6:
        v = "sk-proj-" + rs(r, B64U, 74) + "T3BlbkFJ" + rs(r, B64U, 74)
    else:
        v = "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20)
    return P("openai_key", v, ("OPENAI_API_KEY", "OpenAI API key", "OpenAIのAPIキー"))


def mk_anthropic_key(r):
    if r.random() < 0.8:
        v = "sk-ant-api03-" + rs(r, B64U, 93) + "AA"
        lab = ("ANTHROPIC_API_KEY", "Anthropic API key", "AnthropicのAPIキー")
    else:
        v = "sk-ant-admin01-" + rs(r, B64U, 93) + "AA"
        lab = ("ANTHROPIC_ADMIN_KEY", "Anthropic admin key", "Anthropicの管理キー")
    return P("anthropic_key", v, lab)


def mk_google_api_key(r):
    return P("google_api_key", "AIza" + rs(r, B64U, 35),
             r.choice([("GOOGLE_API_KEY", "Google API key", "GoogleのAPIキー"),
                       ("GEMINI_API_KEY", "Gemini API key", "GeminiのAPIキー"),
                       ("YOUTUBE_API_KEY", "YouTube Data API key", "YouTube Data APIのキー")]))


def mk_google_oauth_client_secret(r):
    return P("google_oauth_client_secret", "GOCSPX-" + rs(r, B64U, 28),
             ("GOOGLE_CLIENT_SECRET", "Google OAuth client secret", "Google OAuthのクライアントシークレット"))


def mk_gcp_service_account_key(r):
    raw = bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8") + rb(r, 1190)
    return P("gcp_service_account_key", wrap64(b64(raw)), ("GOOGLE_APPLICATION_CREDENTIALS", "service account key", "サービスアカウントキー"),
             cls="gcpsa")


def mk_twilio_auth_token(r):
    return P("twilio_auth_token", hexs(r, 32), ("TWILIO_AUTH_TOKEN", "Twilio auth token", "Twilioの認証トークン"))


def mk_sendgrid_key(r):
    return P("sendgrid_key", "SG." + rs(r, B64U, 22) + "." + rs(r, B64U, 43), ("SENDGRID_API_KEY", "SendGrid API key", "SendGridのAPIキー"))


def mk_npm_token(r):
    return P("npm_token", "npm_" + rs(r, ALNUM, 36), ("NPM_TOKEN", "npm token", "npmのトークン"))


def mk_pypi_token(r):
    return P("pypi_token", "pypi-AgEIcHlwaS5vcmc" + rs(r, B64U, r.randint(60, 140)), ("PYPI_API_TOKEN", "PyPI API token", "PyPIのAPIトークン"))


def mk_huggingface_token(r):
    return P("huggingface_token", "hf_" + rs(r, UP + LOW, 34), ("HF_TOKEN", "Hugging Face token", "Hugging Faceのトークン"))


def mk_discord_bot_token(r):
    v = b64u(digits(r, 18).encode()) + "." + rs(r, B64U, 6) + "." + rs(r, B64U, 38)
    return P("discord_bot_token", v, ("DISCORD_BOT_TOKEN", "Discord bot token", "Discordのボットトークン"))


def mk_telegram_bot_token(r):
    v = digits(r, r.choice([9, 10])) + ":AA" + rs(r, B64U, 33)
    return P("telegram_bot_token", v, ("TELEGRAM_BOT_TOKEN", "Telegram bot token", "Telegramのボットトークン"))


def mk_mailgun_key(r):
    return P("mailgun_key", "key-" + hexs(r, 32), ("MAILGUN_API_KEY", "Mailgun API key", "MailgunのAPIキー"))


def mk_shopify_token(r):
    return P("shopify_token", r.choice(["shpat_", "shpss_"]) + hexs(r, 32), ("SHOPIFY_ACCESS_TOKEN", "Shopify access token", "Shopifyのアクセストークン"))


def mk_digitalocean_token(r):
    return P("digitalocean_token", "dop_v1_" + hexs(r, 64), ("DIGITALOCEAN_TOKEN", "DigitalOcean token", "DigitalOceanのトークン"))


def mk_databricks_token(r):
    return P("databricks_token", "dapi" + hexs(r, 32), ("DATABRICKS_TOKEN", "Databricks token", "Databricksのトークン"))


def mk_linear_key(r):
    return P("linear_key", "lin_api_" + rs(r, ALNUM, 40), ("LINEAR_API_KEY", "Linear API key", "LinearのAPIキー"))


def mk_doppler_token(r):
    return P("doppler_token", "dp.st.prd." + rs(r, ALNUM, 40), ("DOPPLER_TOKEN", "Doppler service token", "Dopplerのサービストークン"))


def mk_azure_storage_key(r):
    return P("azure_storage_key", b64(rb(r, 64)), ("AZURE_STORAGE_KEY", "Azure storage account key", "Azureストレージのアカウントキー"))


def mk_jwt(r):
    alg = r.choice(["HS256", "RS256", "HS256", "ES256"])
    hdr = b64u(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    iat = r.randint(1700000000, 1760000000)
    payload = {"sub": str(r.randint(1000, 999999)), "email": r.choice(USERS).replace("_", ".") + "@acme.dev",
               "role": r.choice(["admin", "user", "service"]), "iat": iat, "exp": iat + r.choice([900, 3600, 86400])}
    pl = b64u(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64u(rb(r, 32 if alg in ("HS256",) else (64 if alg == "ES256" else 256)))
    return P("jwt", hdr + "." + pl + "." + sig, r.choice([("ACCESS_TOKEN", "access token", "アクセストークン"),
                                                          ("ID_TOKEN", "ID token", "IDトークン"),
                                                          ("JWT", "JWT", "JWT"),
                                                          ("SUPABASE_SERVICE_ROLE_KEY", "Supabase service role key", "Supabaseのservice_roleキー")]))


# ----------------------------------------------------------------- carrier machinery
def fill(tpl, F):
    return re.sub(r"\{(\w+)\}", lambda m: F.get(m.group(1), m.group(0)), tpl)


def ts(r):
    return "2025-%02d-%02dT%02d:%02d:%02d.%03dZ" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 23),
                                                    r.randint(0, 59), r.randint(0, 59), r.randint(0, 999))


def fields(r, v, ins):
    en = v["en"]
    return dict(v=ins, en=en, En=en[0].upper() + en[1:], ja=v["ja"], env=v["env"], camel=camel(v["env"]),
                snake=snake(v["env"]), user=r.choice(USERS), host=r.choice(DBHOSTS), n=str(r.randint(3, 240)),
                sha7=hexs(r, 7), url=r.choice(API_URLS), repo=r.choice(REPOS), ts=ts(r),
                hn=str(r.randint(120, 2400)), pid=str(r.randint(300, 65000)))


def qv(r, val):
    """how prose presents a value"""
    if " " in val:
        return r.choice(['"%s"', "`%s`", "'%s'", "“%s”"]) % val
    return r.choice(["%s", "%s", "`%s`", '"%s"', "`%s`", "'%s'"]) % val


def jq(r, val):
    """Japanese prose presentation (no surrounding spaces needed)"""
    if " " in val or not val.isascii():
        return r.choice(["「%s」", "『%s』", "`%s`"]) % val
    return r.choice(["%s", "%s", "「%s」", "`%s`"]) % val


PW_PROSE_EN = [
    "The {en} is {q}.",
    "Use {q} to log in as `{user}`.",
    "I reset the {en} to {q} — you may want to rotate it after testing.",
    "Logged in to the admin panel with {user} / {q}.",
    "Found it: the {en} for staging is {q} (from `docker-compose.yml`).",
    "The tests were failing because the {en} in CI was {q}, while the fixture expected the old one.",
    "Your temporary {en} is {q}. You'll be asked to change it on first login.",
    "For reference, `{env}` is currently set to {q}.",
    "Heads up: `settings.py` hardcodes the {en} {q} on line {n}.",
    "According to the README, {user}'s {en} is {q}.",
    "The {en}, {q}, was accepted and the migration ran.",
    "You can sign in with username `{user}` and {en} {q}.",
    "I unlocked it with {q} and exported the certificate.",
    "the password is {q}",
    "Password: {q}",
    "OK — I changed the {en} from the default to {q} and restarted the container.",
]
TOK_PROSE_EN = [
    "Your new {en} is {q} — copy it now, it won't be shown again.",
    "I've set `{env}` to {q} in `.env.local`.",
    "The request failed because the {en} {q} has been revoked.",
    "Found a leaked {en} in `config/prod.yml`: {q}.",
    "Using {en} {q} for the deploy step.",
    "The {en} is {q}.",
    "I generated a fresh {en}: {q}. Add it to the repository secrets.",
    "It looks like `{env}` was committed in {sha7}; the value is {q}, so it should be rotated.",
    "{En}: {q}",
    "Set {env} to {q} and rerun `npm test`.",
    "The app reads the {en} from `.env`, which currently contains {q}.",
    "I'll use {q} as the {en} for the integration tests.",
]
JA_SP = [
    "{ja}は {v} です。",
    "{ja}を {v} に変更しました。",
    "{ja}: {v}",
    "{env} に {v} を設定しました。",
    "新しい{ja}は `{v}` です。初回ログイン後に変更してください。",
    "{user} ユーザーの{ja}は {v} になっています。",
    "ステージング環境の{ja}として {v} が使われていました。",
    "確認したところ、{ja}は **{v}** でした。",
    "{ja}は {v} なので、.env に追記しておきます。",
    "設定ファイルに {v} という{ja}がハードコードされています。",
    "テスト用の{ja}（{v}）でログインできました。",
]
JA_NOSP = [
    "{ja}は{v}です。",
    "{ja}を{v}に変更しました。",
    "{ja}：{v}",
    "{ja}が{v}のままになっているので、本番前に変えてください。",
    "{env}={v}を.envに追加しました。",
    "ログインには{v}を使ってください（{ja}）。",
    "{ja}【{v}】",
    "{v}が{ja}です。",
    "{ja}は{v}、ユーザー名は{user}です。",
    "{ja}に{v}が設定されていたため、認証に成功しました。",
]


def c_prose_en(r, v):
    val = v["value"]
    tpls = PW_PROSE_EN if v["cls"] == "pw" else TOK_PROSE_EN
    F = fields(r, v, val)
    F["q"] = qv(r, val)
    return say(r, fill(r.choice(tpls), F)), val


def c_prose_ja_sp(r, v):
    val = v["value"]
    F = fields(r, v, val)
    if " " in val:
        F["v"] = "「%s」" % val
    return say(r, fill(r.choice(JA_SP), F)), val


def c_prose_ja_nosp(r, v):
    val = v["value"]
    F = fields(r, v, val)
    F["v"] = jq(r, val)
    return say(r, fill(r.choice(JA_NOSP), F)), val


MD_MARK = ["**%s**", "*%s*", "`%s`", "~~%s~~", "***%s***", "<code>%s</code>", "``%s``", "_%s_"]


def c_md_wrap(r, v):
    val = v["value"]
    m = r.choice(MD_MARK) % val
    F = fields(r, v, val)
    F["m"] = m
    tpl = r.choice(["The {en} is {m}.", "- **{En}**: {m}", "> {env}={m}", "{ja}は{m}です。",
                    "1. Log in with {m}\n2. Open *Settings → Security*\n3. Rotate the {en}",
                    "### Credentials\n\n- user: `{user}`\n- {en}: {m}", "新しい{ja}：{m}（必ず変更してください）",
                    "| key | value |\n|---|---|\n| {env} | {m} |"])
    return say(r, fill(tpl, F)), val


def c_md_table(r, v):
    val = v["value"]
    F = fields(r, v, val)
    rows = ["| `DB_HOST` | `%s` |" % F["host"], "| `DB_PORT` | `5432` |", "| `%s` | `%s` |" % (v["env"], val),
            "| `LOG_LEVEL` | `info` |"]
    r.shuffle(rows)
    hdr = r.choice(["| Variable | Value |\n|----------|-------|", "| 変数 | 値 |\n|---|---|"])
    lead = r.choice(["Here's the current environment for staging:\n\n", "現在の設定値です：\n\n", ""])
    return lead + hdr + "\n" + "\n".join(rows), val


def c_md_split(r, v):
    val = v["value"]
    mode = r.randrange(4)
    if mode == 0 and any(c in val for c in "_*`"):
        esc = re.sub(r"([_*`])", r"\\\1", val)
        F = fields(r, v, esc)
        return say(r, fill(r.choice(["The {en} is {v}.", "{ja}は {v} です。", "{En}: {v}"]), F)), esc
    if len(val) < 14 or " " in val:
        return None
    p = r.randint(7, len(val) - 7)
    a, b = val[:p], val[p:]
    if mode == 1:
        ins = a + r.choice(["\u200b", "\u00ad", "\u2060"]) + b
    else:
        ins = r.choice(["**%s**%s", "%s**%s**", "`%s`%s", "*%s*%s", "**%s**`%s`", "%s<wbr>%s", "`%s``%s`"]) % (a, b)
    F = fields(r, v, ins)
    tpl = r.choice(["The {en} is {v}.", "{ja}は {v} です。", "{ja}は{v}です。", "- {En}: {v}", "Use {v} when prompted."])
    return say(r, fill(tpl, F)), ins


def c_wrapped(r, v):
    val = v["value"]
    if len(val) < 16:
        return None
    F = fields(r, v, "")
    lead = fill(r.choice([
        "{env}=", "export {env}=", "The {en} is ", "{ja}は ", "  {snake}: ", "I added it to .env.local: {env}=",
        "⏺ Done. The {en} you asked for is ", "curl -H 'X-Api-Key: ", "Authorization: Bearer ",
        "{ts} DEBUG loaded {snake}=", "{ja}を次の値に更新しました: ", "     {n} +{env}=",
    ] if v["cls"] == "tok" else [
        "{env}=", "export {env}=", "The {en} is ", "{ja}は ", "  {snake}: ", "I added it to .env.local: {env}=",
        "⏺ Done. The {en} you asked for is ", "{ts} DEBUG loaded {snake}=", "{ja}を次の値に更新しました: ",
        "     {n} +{env}=", "Your {en}: ",
    ]), F)
    width = r.choice([80, 100, 120, 72])
    p = width - len(lead)
    if not (6 <= p <= len(val) - 6):
        p = r.randint(6, len(val) - 6)
    a, b = val[:p], val[p:]
    tail = r.choice(["", "", "'", ".", " です。", ""])
    if r.random() < 0.2:
        wid = len(lead) + p
        ins = a + " │\n│ " + b
        text = "╭" + "─" * (wid + 2) + "╮\n│ " + lead + ins + " " * max(0, wid - len(b)) + " │\n╰" + "─" * (wid + 2) + "╯"
        return text, ins
    ind = r.choice(["", "", "  ", "     "])
    ins = a + "\n" + ind + b
    return lead + ins + tail, ins


def c_env_file(r, v):
    val = v["value"]
    line = v["env"] + "=" + (('"%s"' % val) if (" " in val or r.random() < 0.25) else val)
    others = r.sample(ENV_FILLER, r.randint(2, 6))
    others.insert(r.randint(0, len(others)), line)
    fn = r.choice([".env", ".env.local", ".env.production", "config/.env", "docker/.env", ".envrc"])
    if fn == ".envrc":
        others = ["export " + o for o in others]
    return tool(r, "cat " + fn, others), val


def c_export(r, v):
    val = v["value"]
    env = v["env"]
    p = r.randrange(6)
    if p == 0:
        return "$ export %s=%s" % (env, shq(val)), val
    if p == 1:
        return "Run this first:\n\n```bash\nexport %s='%s'\nnpm run dev\n```" % (env, val), val
    if p == 2:
        return tool(r, "export %s=%s && npm run deploy" % (env, shq(val)),
                    ["> acme-api@1.4.2 deploy", "> node scripts/deploy.js", "", "Deployed to production in 41s."]), val
    if p == 3:
        return "set -gx %s %s" % (env, shq(val)), val
    if p == 4:
        return 'PS C:\\src\\acme> $env:%s = "%s"' % (env, val), val
    return "%s=%s ./scripts/run-integration-tests.sh" % (env, shq(val)), val


def c_set_x(r, v):
    val = v["value"]
    env = v["env"]
    pre = r.sample(["+ set -euo pipefail", "+ cd /srv/app", "+ echo 'deploying...'", "deploying...",
                    "+ source ./scripts/lib.sh", "++ date +%s", "+ START=1747472764"], r.randint(1, 3))
    cls = v["cls"]
    opts = ["+ export %s" % shq(env + "=" + val)]
    if cls == "tok":
        opts += ["+ curl -fsS -H %s %s" % (shq("Authorization: Bearer " + val), r.choice(API_URLS)),
                 "+ gh api -H %s /user" % shq("Authorization: token " + val)]
    if cls == "pw":
        opts += ["+ PGPASSWORD=%s\n+ psql -h %s -U %s -c 'select 1'" % (shq(val), r.choice(DBHOSTS), r.choice(USERS)),
                 "+ mysql -uroot %s -e 'SHOW DATABASES'" % shq("-p" + val),
                 "+ docker login -u ci -p %s registry.acme.dev" % shq(val)]
    if cls == "key":
        opts += ["++ openssl enc -aes-256-cbc -pbkdf2 -k %s -in backup.tar -out backup.tar.enc" % shq(val)]
    line = r.choice(opts)
    post = r.choice(["", "\n+ echo done\ndone", "\n++ curl: (22) The requested URL returned error: 401"])
    return "\n".join(pre) + "\n" + line + post, val


def c_diff(r, v):
    val = v["value"]
    env = v["env"]
    p = r.randrange(3)
    if p == 0:
        body = ["diff --git a/.env b/.env", "index %s..%s 100644" % (hexs(r, 7), hexs(r, 7)), "--- a/.env", "+++ b/.env",
                "@@ -1,4 +1,5 @@", " NODE_ENV=production", " PORT=3000", "-%s=" % env,
                "+%s=%s" % (env, ('"%s"' % val) if " " in val else val), " LOG_LEVEL=info"]
    elif p == 1:
        body = ["--- a/config/settings.py", "+++ b/config/settings.py", "@@ -12,7 +12,7 @@ DEBUG = False",
                " ALLOWED_HOSTS = ['*']", "-%s = os.environ['%s']" % (env, env), '+%s = "%s"' % (env, val), " "]
    else:
        body = ["@@ -20,6 +20,7 @@ services:", "     environment:", "       POSTGRES_DB: app",
                '+      %s: "%s"' % (env, val), "     ports:"]
    if r.random() < 0.5:
        return tool(r, "git diff" + r.choice(["", " --cached", " HEAD~1"]), body), val
    return "\n".join(body), val


def c_history(r, v):
    val = v["value"]
    env = v["env"]
    cls = v["cls"]
    cmds = ["export %s=%s" % (env, shq(val))]
    if cls == "pw":
        cmds += ["mysql -u root -p%s" % (shq(val) if not SAFE_SH.match(val) else val),
                 "sshpass -p %s ssh deploy@%s" % (shq(val), r.choice(DBHOSTS)),
                 "echo %s | docker login ghcr.io -u ci --password-stdin" % shq(val),
                 "redis-cli -h cache -a %s" % shq(val)]
    elif cls == "tok":
        cmds += ["curl -H %s %s" % (shq("X-Api-Key: " + val), r.choice(API_URLS)),
                 "gh auth login --with-token <<< %s" % shq(val)]
    else:
        cmds += ["%s=%s ./bin/decrypt-backup" % (env, shq(val))]
    cmd = r.choice(cmds)
    others = ["git status", "ls -la", "cd ~/src/acme-api", "npm ci", "docker compose up -d", "vim .env",
              "kubectl get pods -n prod", "git pull --rebase", "make test"]
    if r.random() < 0.6:
        n = r.randint(400, 2000)
        lines = ["%5d  %s" % (n + i, c) for i, c in enumerate(r.sample(others, 3) + [cmd] + r.sample(others, 2))]
        return tool(r, "history | tail -6", lines), val
    t = r.randint(1700000000, 1750000000)
    lines = [": %d:0;%s" % (t + 37 * i, c) for i, c in enumerate(r.sample(others, 2) + [cmd] + r.sample(others, 1))]
    return tool(r, "tail -4 ~/.zsh_history", lines), val


def c_docker_inspect(r, v):
    val = v["value"]
    env = v["env"]
    envs = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "%s=%s" % (env, val),
            "NODE_VERSION=20.11.1", "YARN_VERSION=1.22.19"]
    if r.random() < 0.5:
        return tool(r, "docker inspect api --format '{{json .Config.Env}}'", [json.dumps(envs, ensure_ascii=False)]), val
    lines = ['        "Config": {', '            "Hostname": "%s",' % hexs(r, 12), '            "Env": [']
    lines += ['                "%s",' % e for e in envs[:-1]] + ['                "%s"' % envs[-1], "            ],",
                                                                '            "Cmd": [', '                "node",',
                                                                '                "server.js"', "            ],"]
    return tool(r, "docker inspect api | sed -n '60,74p'", lines), val


def c_code(r, v):
    val = v["value"]
    env = v["env"]
    cls = v["cls"]
    host = r.choice(DBHOSTS)
    user = r.choice(USERS)
    langs = {
        "python": ["%s = \"%s\"" % (env, val), "%s = \"%s\"" % (snake(env), val),
                   "os.environ.setdefault(\"%s\", \"%s\")" % (env, val)],
        "javascript": ["const %s = '%s';" % (camel(env), val), "process.env.%s = \"%s\";" % (env, val)],
        "go": ["const %s = \"%s\"" % (camel(env), val), "os.Setenv(\"%s\", \"%s\")" % (env, val)],
        "rust": ["let %s = \"%s\";" % (snake(env), val), "std::env::set_var(\"%s\", \"%s\");" % (env, val),
                 "const %s: &str = \"%s\";" % (env, val)],
        "java": ["private static final String %s = \"%s\";" % (env, val)],
        "csharp": ["private const string %s = \"%s\";" % (camel(env)[0].upper() + camel(env)[1:], val)],
        "ruby": ["ENV[\"%s\"] ||= \"%s\"" % (env, val)],
        "php": ["define('%s', '%s');" % (env, val)],
    }
    if cls == "pw":
        langs["python"].append('conn = psycopg2.connect(host="%s", user="%s", password="%s", dbname="app")' % (host, user, val))
        langs["javascript"].append("const pool = new Pool({ host: '%s', user: '%s', password: '%s' });" % (host, user, val))
        langs["java"].append('Connection c = DriverManager.getConnection(url, "%s", "%s");' % (user, val))
        langs["csharp"].append('var cs = "Server=%s;Database=app;User Id=%s;Password=%s;";' % (host, user, val))
        langs["php"].append("$pdo = new PDO($dsn, '%s', '%s');" % (user, val))
        langs["rust"].append('let opts = PgConnectOptions::new().host("%s").username("%s").password("%s");' % (host, user, val))
        langs["go"].append('cfg := mysql.Config{User: "%s", Passwd: "%s", Net: "tcp", Addr: "%s:3306"}' % (user, val, host))
    elif cls == "tok":
        langs["python"] += ['headers = {"Authorization": "Bearer %s"}' % val,
                            'resp = requests.get(url, params={"api_key": "%s"}, timeout=10)' % val]
        langs["javascript"].append("axios.defaults.headers.common['Authorization'] = 'Bearer %s';" % val)
        langs["java"].append('conn.setRequestProperty("Authorization", "Bearer %s");' % val)
        langs["go"].append('req.Header.Set("X-Api-Key", "%s")' % val)
        langs["rust"].append('let resp = client.get(url).bearer_auth("%s").send().await?;' % val)
        langs["csharp"].append('client.DefaultRequestHeaders.Add("X-Api-Key", "%s");' % val)
        if v["kind"] == "openai_key":
            langs["python"].append('client = OpenAI(api_key="%s")' % val)
        if v["kind"] == "anthropic_key":
            langs["python"].append('client = anthropic.Anthropic(api_key="%s")' % val)
    else:
        langs["python"].append('cipher = Fernet(b"%s")' % val if v["kind"] == "base64_secret" else 'key = bytes.fromhex("%s")' % val)
        langs["go"].append('var hmacKey = []byte("%s")' % val)
    lang = r.choice(sorted(langs))
    line = r.choice(langs[lang])
    ext = {"python": "py", "javascript": "js", "go": "go", "rust": "rs", "java": "java", "csharp": "cs",
           "ruby": "rb", "php": "php"}[lang]
    fn = r.choice(["src/config", "app/settings", "lib/client", "internal/db/conn", "scripts/seed", "tests/helpers"]) + "." + ext
    n = r.randint(3, 180)
    p = r.randrange(4)
    if p == 0:
        return say(r, "I found a hardcoded credential in `%s`:\n\n```%s\n%s\n```\n\nWe should move it to an environment variable." % (fn, lang, line)), val
    if p == 1:
        return tool(r, "rg -n %s" % r.choice([env, "password", "token", "key"]), ["%s:%d:%s" % (fn, n, line)]), val
    if p == 2:
        return tool(r, "sed -n '%d,%dp' %s" % (n - 1, n + 1, fn),
                    ["# TODO: load from env" if ext in ("py", "rb") else "// TODO: load from env", line, ""]), val
    return line, val


def c_yaml(r, v):
    val = v["value"]
    env = v["env"]
    if r.random() < 0.5 and yaml_plain_ok(val):
        y = val
    else:
        y = r.choice(['"%s"', "'%s'"]) % val
    key = snake(env)
    p = r.randrange(6)
    if p == 0:
        lines = ["database:", "  host: %s" % r.choice(DBHOSTS), "  port: 5432", "  user: %s" % r.choice(USERS),
                 "  %s: %s" % ("password" if v["cls"] == "pw" else key, y), "  pool: 10"]
    elif p == 1:
        lines = ["services:", "  db:", "    image: postgres:16", "    environment:", "      POSTGRES_DB: app",
                 "      %s: %s" % (env, y)]
    elif p == 2:
        lines = ["        env:", "          - name: NODE_ENV", "            value: production",
                 "          - name: %s" % env, "            value: %s" % y]
    elif p == 3:
        lines = ["env:", "  NODE_VERSION: 20", "  %s: %s" % (env, y), "jobs:", "  test:", "    runs-on: ubuntu-latest"]
    elif p == 4:
        lines = ["# group_vars/prod.yml", "ansible_user: deploy", "%s: %s" % (key, y)]
    else:
        lines = ["services:", "  api:", "    environment:", "      - %s=%s" % (env, val if " " not in val else val), "      - PORT=3000"]
        y = val
    fn = r.choice(["config/database.yml", "docker-compose.yml", "k8s/deployment.yaml", ".github/workflows/ci.yml",
                   "group_vars/prod.yml", "values.yaml"])
    if r.random() < 0.6:
        return tool(r, "cat " + fn, lines), val
    return "```yaml\n" + "\n".join(lines) + "\n```", val


def c_json(r, v):
    val = v["value"]
    key = camel(v["env"])
    p = r.randrange(4)
    if p == 0:
        obj = {"database": {"host": r.choice(DBHOSTS), "user": r.choice(USERS), ("password" if v["cls"] == "pw" else key): val}}
    elif p == 1:
        obj = {"name": "acme-api", "region": "ap-northeast-1", key: val, "timeoutMs": 5000}
    elif p == 2:
        obj = {"ConnectionStrings": {"Default": "Host=%s;Database=app"}, "Auth": {key[0].upper() + key[1:]: val}}
        obj["ConnectionStrings"]["Default"] = obj["ConnectionStrings"]["Default"] % r.choice(DBHOSTS)
    else:
        obj = {"mcpServers": {"acme": {"command": "npx", "args": ["-y", "@acme/mcp-server"], "env": {v["env"]: val}}}}
    if r.random() < 0.35:
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        return tool(r, "cat config.json", [s]), val
    lines = json.dumps(obj, ensure_ascii=False, indent=2).split("\n")
    fn = r.choice(["config/default.json", "appsettings.json", ".mcp.json", "secrets.json", ".vscode/settings.json"])
    return tool(r, "cat " + fn, lines), val


def xml_esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def c_conf(r, v):
    val = v["value"]
    env = v["env"]
    key = snake(env)
    p = r.randrange(6)
    if p == 0:
        lines = ["[database]", 'host = "%s"' % r.choice(DBHOSTS), '%s = "%s"' % ("password" if v["cls"] == "pw" else key, val)]
        fn = "config.toml"
    elif p == 1:
        lines = ["[%s]" % r.choice(["client", "default", "smtp", "auth"]), "user = %s" % r.choice(USERS),
                 "%s = %s" % ("password" if v["cls"] == "pw" else key, val)]
        fn = r.choice(["~/.my.cnf", "settings.ini", "setup.cfg"])
    elif p == 2:
        lines = ["spring.datasource.url=jdbc:postgresql://%s:5432/app" % r.choice(DBHOSTS),
                 "spring.datasource.username=%s" % r.choice(USERS),
                 "spring.datasource.%s=%s" % ("password" if v["cls"] == "pw" else camel(env), val)]
        fn = "src/main/resources/application.properties"
    elif p == 3:
        e = xml_esc(val)
        lines = ["<appSettings>", '  <add key="Environment" value="Production" />',
                 '  <add key="%s" value="%s" />' % (camel(env)[0].upper() + camel(env)[1:], e), "</appSettings>"]
        return tool(r, "cat Web.config", lines), e
    elif p == 4:
        lines = ['region = "ap-northeast-1"', '%s = "%s"' % (key, val), 'instance_type = "t3.medium"']
        fn = "terraform.tfvars"
    else:
        if " " in val:
            return None
        e = xml_esc(val)
        lines = ["<server>", "  <id>acme-releases</id>", "  <username>%s</username>" % r.choice(USERS),
                 "  <password>%s</password>" % e, "</server>"]
        return tool(r, "cat ~/.m2/settings.xml", lines), e
    return tool(r, "cat " + fn, lines), val


def c_error_echo(r, v):
    val = v["value"]
    cls = v["cls"]
    F = fields(r, v, val)
    if cls == "tok":
        tpls = ["Error: Invalid API key: {v}", "AuthenticationError: 401 Unauthorized (key={v})",
                "warning: {en} {v} expires in 3 days; run `acme auth refresh`",
                "Error response from daemon: login attempt to https://registry.acme.dev/v2/ failed: token {v} is invalid",
                "fatal: could not read Password for 'https://{v}@github.com': terminal prompts disabled",
                "✗ {En} rejected by server: {v} (HTTP 403)",
                "エラー: {ja} {v} は無効です（401 Unauthorized）"]
    elif cls == "pw":
        tpls = ["Error: authentication failed for user '{user}' with password '{v}'",
                "mysqladmin: [Warning] Using a password on the command line interface can be insecure.\nmysqladmin: connect to server at 'localhost' failed\nerror: 'Access denied for user 'root'@'localhost' (using password: YES)' -- tried password {v}",
                "ValidationError: password '{v}' was found in a data breach (haveibeenpwned)",
                "ldap_bind: Invalid credentials (49) for cn={user},dc=acme,dc=dev / {v}",
                "エラー: パスワード「{v}」でのログインに失敗しました"]
    else:
        tpls = ["ValueError: invalid key length for {en} '{v}'", "Error: failed to decrypt with {en} {v}: bad padding",
                "panic: config: {snake}={v} is not valid", "エラー: {ja} {v} の形式が正しくありません"]
    return fill(r.choice(tpls), F), val


def c_stack_trace(r, v):
    val = v["value"]
    cls = v["cls"]
    user = r.choice(USERS)
    p = r.randrange(5)
    if p == 0:
        call = ('client.login("%s", "%s")' % (user, val)) if cls == "pw" else ('client = Client(api_key="%s")' % val)
        text = ("Traceback (most recent call last):\n  File \"/srv/app/sync.py\", line %d, in <module>\n    %s\n"
                "  File \"/usr/lib/python3.12/site-packages/acme/client.py\", line 88, in __init__\n"
                "    raise AuthError(resp.text)\nacme.errors.AuthError: 401 Unauthorized" % (r.randint(10, 99), call))
    elif p == 1:
        if cls == "pw":
            hdr = "auth: { username: '%s', password: '%s' }" % (user, val)
        elif cls == "tok":
            hdr = "headers: { Authorization: 'Bearer %s' }" % val
        else:
            hdr = "data: { %s: '%s' }" % (camel(v["env"]), val)
        text = ("AxiosError: Request failed with status code 401\n    at settle (node_modules/axios/lib/core/settle.js:19:12)\n"
                "    at IncomingMessage.handleStreamEnd (node_modules/axios/lib/adapters/http.js:589:11) {\n"
                "  code: 'ERR_BAD_REQUEST',\n  config: {\n    url: '%s',\n    %s\n  }\n}" % (r.choice(API_URLS), hdr))
    elif p == 2:
        text = ("Exception in thread \"main\" java.lang.IllegalStateException: Failed to login with %s '%s'\n"
                "\tat com.acme.auth.Client.connect(Client.java:112)\n\tat com.acme.App.main(App.java:27)" % (v["en"], val))
    elif p == 3:
        text = ("panic: %s: invalid credentials (%s=%s)\n\ngoroutine 1 [running]:\nmain.main()\n"
                "\t/src/cmd/worker/main.go:31 +0x1d4\nexit status 2" % (r.choice(["auth", "db", "upstream"]), snake(v["env"]), val))
    else:
        text = ("thread 'main' panicked at src/main.rs:%d:10:\ncalled `Result::unwrap()` on an `Err` value: "
                "Config(\"rejected %s \\\"%s\\\"\")\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
                % (r.randint(10, 99), v["en"], val))
    return text, val


def c_log_line(r, v):
    val = v["value"]
    F = fields(r, v, val)
    if v["cls"] == "tok":
        tpls = ["{ts} DEBUG http: request headers={'Authorization': 'Bearer {v}', 'Accept': 'application/json'}",
                "level=debug msg=\"loaded config\" {snake}={v} region=ap-northeast-1",
                "[{ts}] INFO  webhook: verified request with {snake}={v}",
                "May 17 09:12:44 web-1 app[{pid}]: using {env}={v}"]
    elif v["cls"] == "pw":
        tpls = ["[INFO] Connecting to mysql://{user}@{host}:3306 with password={v}",
                "{ts} DEBUG db: dsn=\"host={host} user={user} password={v} dbname=app\"",
                "May 17 09:12:44 web-1 app[{pid}]: login ok user={user} pass={v}",
                "level=warn msg=\"falling back to default credentials\" user={user} password={v}"]
    else:
        tpls = ["level=debug msg=\"loaded config\" {snake}={v}", "{ts} DEBUG crypto: using {snake}={v}",
                "May 17 09:12:44 web-1 app[{pid}]: {env}={v}"]
    tpl = r.choice(tpls)
    if " " in val:
        F["v"] = '"%s"' % val
    return tool(r, r.choice(["docker logs --tail 20 api", "kubectl logs deploy/api -n prod --tail=20",
                             "tail -n 20 log/production.log", "journalctl -u api -n 20"]), [fill(tpl, F)]), val


def c_claude_update(r, v):
    val = v["value"]
    env = v["env"]
    fn = r.choice(["src/config.ts", "app/settings.py", "config/secrets.rb", "internal/config/config.go"])
    n = r.randint(8, 90)
    if fn.endswith(".ts"):
        old, new = "  %s: process.env.%s," % (camel(env), env), '  %s: "%s",' % (camel(env), val)
    elif fn.endswith(".py"):
        old, new = "%s = os.environ[\"%s\"]" % (env, env), "%s = \"%s\"" % (env, val)
    elif fn.endswith(".rb"):
        old, new = "%s = ENV.fetch(\"%s\")" % (env, env), "%s = \"%s\"" % (env, val)
    else:
        old, new = "\t%s: os.Getenv(\"%s\")," % (camel(env)[0].upper() + camel(env)[1:], env), "\t%s: \"%s\"," % (camel(env)[0].upper() + camel(env)[1:], val)
    lines = ["Updated %s with 1 addition and 1 removal" % fn, "       %3d    " % (n - 1) + "# config",
             "       %3d -  " % n + old, "       %3d +  " % n + new, "       %3d    " % (n + 1)]
    return "⏺ Update(%s)\n  ⎿  " % fn + "\n     ".join(lines), val


def c_claude_write(r, v):
    val = v["value"]
    fn = r.choice([".env.local", ".env.test", "docker/.env", ".dev.vars"])
    lines = r.sample(ENV_FILLER, 2) + ["%s=%s" % (v["env"], ('"%s"' % val) if " " in val else val)]
    if r.random() < 0.5:
        lines.reverse()
    return "⏺ Write(%s)\n  ⎿  Wrote %d lines to %s\n     " % (fn, len(lines), fn) + "\n     ".join(lines), val


# --- password-only carriers
def c_sql(r, v):
    val = v["value"]
    u = r.choice(USERS)
    p = r.randrange(7)
    stmts = ["CREATE USER %s WITH PASSWORD '%s';" % (u, val),
             "ALTER ROLE %s WITH LOGIN PASSWORD '%s';" % (u, val),
             "CREATE USER '%s'@'%%' IDENTIFIED BY '%s';" % (u, val),
             "ALTER USER '%s'@'localhost' IDENTIFIED WITH caching_sha2_password BY '%s';" % (u, val),
             "ALTER LOGIN sa WITH PASSWORD = '%s';" % val,
             "SET PASSWORD FOR '%s'@'localhost' = '%s';" % (u, val),
             "CREATE ROLE %s LOGIN ENCRYPTED PASSWORD '%s' VALID UNTIL 'infinity';" % (u, val)]
    s = stmts[p]
    q = r.randrange(3)
    if q == 0:
        return tool(r, 'psql -h %s -U postgres -c "%s"' % (r.choice(DBHOSTS), s.replace('"', '\\"')),
                    [r.choice(["CREATE ROLE", "ALTER ROLE"])]), val
    if q == 1:
        return "```sql\n-- migrations/0007_reporting_user.sql\n%s\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO %s;\n```" % (s, u), val
    return "%s> %s\nQuery OK, 0 rows affected (0.01 sec)" % (r.choice(["mysql", "postgres=#", "app=>"]), s), val


def c_cli_pw(r, v):
    val = v["value"]
    u = r.choice(USERS)
    h = r.choice(DBHOSTS)
    cmds = [("mysql -h %s -u %s %s app -e 'select 1'" % (h, u, shq("-p" + val)), ["mysql: [Warning] Using a password on the command line interface can be insecure.", "1"]),
            ("sshpass -p %s ssh %s@%s uptime" % (shq(val), u, h), [" 10:42:01 up 12 days,  3:04,  0 users,  load average: 0.08, 0.03, 0.01"]),
            ("curl -u %s %s" % (shq(u + ":" + val), r.choice(API_URLS)), ['{"status":"ok"}']),
            ("docker login registry.acme.dev -u %s -p %s" % (u, shq(val)), ["WARNING! Using --password via the CLI is insecure. Use --password-stdin.", "Login Succeeded"]),
            ("redis-cli -h %s -a %s PING" % (h, shq(val)), ["Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.", "PONG"]),
            ("htpasswd -b -c .htpasswd %s %s" % (u, shq(val)), ["Adding password for user %s" % u]),
            ("zip -P %s backup.zip dump.sql" % shq(val), ["  adding: dump.sql (deflated 81%)"]),
            ("7z a %s backup.7z ./data" % shq("-p" + val), ["Everything is Ok"]),
            ("keytool -list -keystore release.jks -storepass %s" % shq(val), ["Keystore type: PKCS12", "Your keystore contains 1 entry"]),
            ("ldapsearch -x -D cn=%s,dc=acme,dc=dev -w %s -b dc=acme,dc=dev" % (u, shq(val)), ["ldap_bind: Invalid credentials (49)"]),
            ("smbclient //fs01/share -U %s" % shq("alice%" + val), ["Try \"help\" to get a list of possible commands.", "smb: \\>"]),
            ("openssl pkcs12 -in cert.p12 -nodes -passin %s -out cert.pem" % shq("pass:" + val), ["(no output)"])]
    cmd, out = r.choice(cmds)
    return tool(r, cmd, out), val


def c_url_userinfo(r, v):
    val = v["value"]
    e = pct(val)
    u = r.choice(USERS)
    h = r.choice(DBHOSTS)
    if v["cls"] == "pw":
        url = r.choice(["postgres://%s:%s@%s:5432/app" % (u, e, h), "postgresql://%s:%s@%s/app?sslmode=require" % (u, e, h),
                        "mysql://%s:%s@%s:3306/shop" % (u, e, h), "redis://:%s@%s:6379/0" % (e, h),
                        "mongodb+srv://%s:%s@cluster0.ab1cd.mongodb.net/?retryWrites=true" % (u, e),
                        "amqp://%s:%s@rabbit:5672/" % (u, e), "https://%s:%s@nexus.acme.dev/repository/pypi/simple" % (u, e)])
    else:
        url = r.choice(["https://x-access-token:%s@github.com/%s.git" % (e, r.choice(REPOS)),
                        "https://oauth2:%s@gitlab.com/%s.git" % (e, r.choice(REPOS)),
                        "https://%s@github.com/%s.git" % (e, r.choice(REPOS)),
                        "https://__token__:%s@upload.pypi.org/legacy/" % e])
    F = fields(r, v, url)
    if v["cls"] == "pw":
        tpl = r.choice(["DATABASE_URL={v}", "Connecting to {v} ...", "The connection string is `{v}`.",
                        "接続文字列は {v} です。", "2025-05-17 09:12:44 ERROR could not connect to {v}: timeout",
                        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection failed\n[url: {v}]"])
    else:
        tpl = r.choice(["[remote \"origin\"]\n\turl = {v}\n\tfetch = +refs/heads/*:refs/remotes/origin/*",
                        "$ git remote get-url origin\n{v}", "Cloning into 'api'...\n(git clone {v})",
                        "リモートURLにトークンが含まれています: {v}"])
    return fill(tpl, F), e


def c_netrc(r, v):
    val = v["value"]
    if " " in val:
        return None
    u = r.choice(USERS)
    p = r.randrange(3)
    if p == 0:
        return tool(r, "cat ~/.netrc", ["machine api.acme.dev", "  login %s" % u, "  password %s" % val]), val
    if p == 1:
        return tool(r, "cat ~/.pgpass", ["%s:5432:app:%s:%s" % (r.choice(DBHOSTS), u, val)]), val
    e = pct(val)
    return tool(r, "cat ~/.git-credentials", ["https://%s:%s@git.acme.dev" % (u, e)]), e


def c_form_body(r, v):
    val = v["value"]
    e = urllib.parse.quote_plus(val)
    if v["cls"] == "pw":
        body = "username=%s&password=%s&remember=1" % (r.choice(USERS), e)
    else:
        body = "grant_type=client_credentials&client_id=web-%s&client_secret=%s" % (hexs(r, 6), e)
    if r.random() < 0.5:
        return tool(r, "curl -s -X POST %s -d '%s'" % (r.choice(["https://auth.acme.dev/oauth/token", "https://app.acme.dev/login"]), body),
                    ['{"error":"invalid_grant"}']), e
    return "POST /oauth/token HTTP/1.1\nHost: auth.acme.dev\nContent-Type: application/x-www-form-urlencoded\n\n" + body, e


# --- token-only carriers
def c_header(r, v):
    val = v["value"]
    h = r.choice(["X-Api-Key: %s", "Authorization: Token %s", "Authorization: Bearer %s", "Private-Token: %s",
                  "X-Auth-Token: %s", "api-key: %s", "Authorization: token %s", "x-api-key: %s"]) % val
    p = r.randrange(4)
    if p == 0:
        lines = ["> GET /v1/orders HTTP/2", "> Host: api.acme.dev", "> user-agent: curl/8.5.0", "> " + h,
                 "> accept: */*", ">", "< HTTP/2 401"]
        return tool(r, "curl -v https://api.acme.dev/v1/orders 2>&1 | head -8", lines), val
    if p == 1:
        return tool(r, "curl -s -H %s %s | jq .count" % (shq(h), r.choice(API_URLS)), ["42"]), val
    if p == 2:
        return "GET /api/v2/projects HTTP/1.1\nHost: internal.acme.io\n%s\nAccept: application/json" % h, val
    return "### Request\n\n```http\nPOST %s\nContent-Type: application/json\n%s\n```" % (r.choice(API_URLS), h), val


def c_url_query(r, v):
    val = v["value"]
    e = pct(val)
    k = r.choice(["access_token", "api_key", "key", "token", "apikey", "auth", "client_secret"])
    url = "%s?%s" % (r.choice(API_URLS), r.choice(["q=tokyo&%s=%s&units=metric", "%s=%s", "page=2&per_page=100&%s=%s"]) % (k, e))
    F = fields(r, v, url)
    tpl = r.choice(["GET {v} → 200 OK", "Fetching {v}", "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: {v}",
                    "ブラウザで {v} を開くとデータが取得できます。", "127.0.0.1 - - [17/May/2025:09:12:44 +0900] \"GET {v} HTTP/1.1\" 200 512",
                    "curl '{v}'"])
    return fill(tpl, F), e


def c_cli_tok(r, v):
    val = v["value"]
    cmds = [("gh auth login --with-token <<< %s" % shq(val), ["✓ Logged in to github.com account kenji-sato"]),
            ("npm config set //registry.npmjs.org/:_authToken=%s" % shq(val), ["(no output)"]),
            ("vercel deploy --prod --token %s" % shq(val), ["✅  Production: https://acme.vercel.app [41s]"]),
            ("CLOUDFLARE_API_TOKEN=%s npx wrangler deploy" % shq(val), ["Uploaded acme-worker (2.31 sec)", "Deployed acme-worker triggers (0.42 sec)"]),
            ("helm repo add acme https://charts.acme.dev --username ci --password %s" % shq(val), ['"acme" has been added to your repositories']),
            ("terraform apply -auto-approve -var %s" % shq("api_token=" + val), ["Apply complete! Resources: 0 added, 1 changed, 0 destroyed."]),
            ("docker run --rm -e %s acme/api:1.4.2 ./bin/check" % shq(v["env"] + "=" + val), ["config OK"])]
    cmd, out = r.choice(cmds)
    return tool(r, cmd, out), val


# --- provider-specific carriers
def c_aws_creds_file(r, v):
    val = v["value"]
    kid = "AKIA" + rs(r, B32, 16)
    sec = rs(r, ALNUM + "+/", 40)
    if v["kind"] == "aws_access_key_id":
        kid = val
    else:
        sec = val
    lines = ["[default]", "aws_access_key_id = " + kid, "aws_secret_access_key = " + sec, "region = ap-northeast-1"]
    if r.random() < 0.4:
        lines = ["[profile prod]"] + lines[1:]
    return tool(r, "cat ~/.aws/credentials", lines), val


def c_azure_conn(r, v):
    val = v["value"]
    cs = "DefaultEndpointsProtocol=https;AccountName=acme%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (rs(r, LOW + DIG, 6), val)
    return r.choice(["AZURE_STORAGE_CONNECTION_STRING=\"%s\"" % cs, "接続文字列: %s" % cs,
                     "\"AzureWebJobsStorage\": \"%s\"," % cs]), val


def c_npmrc(r, v):
    val = v["value"]
    return tool(r, "cat ~/.npmrc", ["registry=https://registry.npmjs.org/", "//registry.npmjs.org/:_authToken=%s" % val,
                                    "save-exact=true"]), val


def c_pypirc(r, v):
    val = v["value"]
    return tool(r, "cat ~/.pypirc", ["[distutils]", "index-servers = pypi", "", "[pypi]", "username = __token__",
                                     "password = %s" % val]), val


def c_telegram_url(r, v):
    val = v["value"]
    u = "https://api.telegram.org/bot%s/%s" % (val, r.choice(["sendMessage", "getUpdates", "setWebhook"]))
    return r.choice(["curl -s %s -d chat_id=%d -d text=ok" % (u, r.randint(100000, 999999999)),
                     "Polling %s ..." % u, "POST %s → 409 Conflict" % u]), val


def c_webhook_curl(r, v):
    val = v["value"]
    return tool(r, "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy finished\"}' %s" % val,
                ["ok"]), v["secret"]


# --- class-specific carriers
def c_basic(r, v):
    val = v["value"]
    p = r.randrange(6)
    if p == 0:
        return tool(r, "curl -v https://registry.acme.dev/v2/_catalog 2>&1 | grep -i '^>'",
                    ["> GET /v2/_catalog HTTP/1.1", "> Host: registry.acme.dev", "> Authorization: Basic %s" % val]), val
    if p == 1:
        return 'headers = {"Authorization": "Basic %s"}' % val, val
    if p == 2:
        return tool(r, "cat ~/.docker/config.json", ["{", '  "auths": {', '    "registry.acme.dev": {',
                                                     '      "auth": "%s"' % val, "    }", "  }", "}"]), val
    if p == 3:
        return "%s DEBUG outgoing request: GET /api/health Authorization=Basic %s" % (ts(r), val), val
    if p == 4:
        return "The Basic auth header is `Authorization: Basic %s`." % val, val
    return "Basic認証ヘッダーは Authorization: Basic %s です。" % val, val


def c_cookie(r, v):
    val = v["value"]
    name = v["cname"]
    p = r.randrange(7)
    if p == 0:
        return "Cookie: %s=%s; theme=dark; lang=ja" % (name, val), val
    if p == 1:
        return "< set-cookie: %s=%s; Path=/; HttpOnly; Secure; SameSite=Lax" % (name, val), val
    if p == 2:
        return tool(r, "curl -s -b '%s=%s' https://app.acme.dev/api/me" % (name, val), ['{"id":42,"role":"admin"}']), val
    if p == 3:
        return "resp = requests.get(url, cookies={\"%s\": \"%s\"})" % (name, val), val
    if p == 4:
        return "> document.cookie\n'%s=%s; _ga=GA1.1.%d.%d'" % (name, val, r.randint(10**8, 10**9), r.randint(1700000000, 1750000000)), val
    if p == 5:
        return "セッションCookieは %s=%s でした。これを使えばログイン済みとして API を叩けます。" % (name, val), val
    return "I copied your session cookie (`%s=%s`) from the HAR file to reproduce the bug." % (name, val), val


def c_k8sdata(r, v):
    val = v["value"]
    key = r.choice(["password", "db-password", "api-key", "token", "POSTGRES_PASSWORD"])
    p = r.randrange(4)
    if p == 0:
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: db-credentials", "type: Opaque", "data:",
                 "  username: %s" % b64(r.choice(USERS).encode()), "  %s: %s" % (key, val)]
        return tool(r, "kubectl get secret db-credentials -o yaml | head -8", lines), val
    if p == 1:
        return tool(r, "kubectl get secret db-credentials -o jsonpath='{.data.%s}'" % key, [val]), val
    if p == 2:
        return "Secret の data.%s は %s です（base64 エンコード済み）。" % (key, val), val
    return "```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  %s: %s\n```" % (key, val), val


def c_sig(r, v):
    val = v["value"]
    st = v["style"]
    if st == "s3":
        url = ("https://acme-exports.s3.ap-northeast-1.amazonaws.com/reports/2025-05.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
               "&X-Amz-Credential=ASIA%s%%2F20250517%%2Fap-northeast-1%%2Fs3%%2Faws4_request&X-Amz-Date=20250517T091244Z"
               "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=%s" % (rs(r, B32, 16), val))
    elif st == "sas":
        url = ("https://acmeexports.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r"
               "&se=2025-06-01T00:00:00Z&st=2025-05-17T00:00:00Z&spr=https&sig=%s" % val)
    else:
        url = ("https://storage.googleapis.com/acme-builds/app.tar.gz?X-Goog-Algorithm=GOOG4-RSA-SHA256"
               "&X-Goog-Credential=signer%%40acme-prod.iam.gserviceaccount.com%%2F20250517%%2Fauto%%2Fstorage%%2Fgoog4_request"
               "&X-Goog-Date=20250517T091244Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=%s" % val)
    p = r.randrange(5)
    if p == 0:
        return "Here's the download link (valid for 1 hour):\n%s" % url, val
    if p == 1:
        return tool(r, "curl -sSfo report.csv '%s'" % url, ["(no output)"]), val
    if p == 2:
        return "ダウンロード用の署名付きURLを発行しました: %s" % url, val
    if p == 3:
        return json.dumps({"downloadUrl": url, "expiresIn": 3600}, indent=2), val
    # hard-wrapped at 100 columns: the printed secret carries the same line breaks
    width = 100
    i = url.index(val)
    out = "\n".join(url[a:a + width] for a in range(0, len(url), width))
    ins = ""
    for k in range(i, i + len(val)):
        if k > i and k % width == 0:
            ins += "\n"
        ins += url[k]
    if any(len(f) < 6 for f in ins.split("\n")):
        return "Here's the download link (valid for 1 hour):\n%s" % url, val
    return "Presigned URL:\n" + out, ins


# --- wireguard / age / totp
def c_wg(r, v):
    val = v["value"]
    pub = b64(rb(r, 32))
    p = r.randrange(4)
    if v["env"] == "PresharedKey":
        lines = ["[Peer]", "PublicKey = %s" % pub, "PresharedKey = %s" % val, "AllowedIPs = 10.8.0.%d/32" % r.randint(2, 250),
                 "Endpoint = vpn.acme.dev:51820"]
        return tool(r, "sudo cat /etc/wireguard/wg0.conf | sed -n '8,12p'", lines), val
    if p == 0:
        lines = ["[Interface]", "PrivateKey = %s" % val, "Address = 10.8.0.1/24", "ListenPort = 51820", "", "[Peer]",
                 "PublicKey = %s" % pub, "AllowedIPs = 10.8.0.2/32"]
        return tool(r, "sudo cat /etc/wireguard/wg0.conf", lines), val
    if p == 1:
        return tool(r, "wg genkey | tee privatekey | wg pubkey > publickey; cat privatekey", [val]), val
    if p == 2:
        return tool(r, "sudo wg showconf wg0", ["[Interface]", "ListenPort = 51820", "FwMark = 0xca6c", "PrivateKey = %s" % val]), val
    return "WireGuard の秘密鍵は %s です。公開鍵 %s のほうをサーバーに登録してください。" % (val, pub), val


def c_age(r, v):
    val = v["value"]
    pub = "age1" + rs(r, BECH, 58)
    p = r.randrange(4)
    if p == 0:
        return tool(r, "age-keygen", ["# created: 2025-05-17T09:12:44+09:00", "# public key: %s" % pub, val]), val
    if p == 1:
        return tool(r, "cat ~/.config/sops/age/keys.txt", ["# created: 2024-11-02T10:01:12+09:00", "# public key: %s" % pub, val]), val
    if p == 2:
        return "SOPS_AGE_KEY=%s sops -d secrets.enc.yaml" % val, val
    return "age の秘密鍵（%s）はパスワードマネージャーに保存して、リポジトリには公開鍵 %s だけを置きます。" % (val, pub), val


def c_otpauth(r, v):
    val = v["value"]
    if " " in val:
        return None
    acct = r.choice(USERS) + "@acme.dev"
    iss = r.choice(["GitHub", "AWS", "Acme", "GitLab", "Okta"])
    u = "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30" % (iss, pct(acct), val, iss)
    return r.choice(["QR code payload: %s" % u, "Scanned: %s" % u, "2FA 登録用URL: %s" % u,
                     tool(r, "zbarimg --raw qr.png", [u])]), val


def c_totp_manual(r, v):
    val = v["value"]
    return r.choice(["Can't scan the QR code? Enter this setup key manually: %s" % val,
                     "Your two-factor secret is %s — store it in your password manager." % val,
                     "QRコードが読み取れない場合は、次のセットアップキーを入力してください: %s" % val,
                     "認証アプリに「%s」を手入力しました。" % val]), val


# --- key blocks
def block_parts(r, v):
    lines = list(v["value"])
    head = [v["begin"]] + ([""] if v.get("blank") else [])
    tail = ([v["crc"]] if v.get("crc") else []) + [v["end"]]
    return head, lines, tail


def c_block_cat(r, v):
    head, body, tail = block_parts(r, v)
    cmd = "cat " + v["path"]
    if r.random() < 0.72:
        text = "⏺ Bash(%s)\n  ⎿  " % cmd + "\n     ".join(head + body + tail)
        return text, "\n     ".join(body)
    return "$ %s\n" % cmd + "\n".join(head + body + tail), "\n".join(body)


def c_block_fence(r, v):
    head, body, tail = block_parts(r, v)
    lead = r.choice(["Here is the key you asked for:", "秘密鍵の中身は以下の通りです。", "The deploy key in `%s` is:" % v["path"],
                     "I found this %s committed in the repo:" % v["en"]])
    return lead + "\n\n```\n" + "\n".join(head + body + tail) + "\n```", "\n".join(body)


def c_block_diff(r, v):
    head, body, tail = block_parts(r, v)
    hdr = ["diff --git a/%s b/%s" % (v["path"].lstrip("~/"), v["path"].lstrip("~/")), "new file mode 100600",
           "--- /dev/null", "+++ b/%s" % v["path"].lstrip("~/"), "@@ -0,0 +1,%d @@" % (len(head + body + tail))]
    text = "\n".join(hdr) + "\n" + "\n".join("+" + l for l in head + body + tail)
    return text, "\n+".join(body)


def c_block_yaml(r, v):
    head, body, tail = block_parts(r, v)
    ind = "    "
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: deploy-key", "stringData:", "  key.pem: |"]
    lines += [ind + l if l else "" for l in head + body + tail]
    return "\n".join(lines), ("\n" + ind).join(body)


def c_block_trunc(r, v):
    head, body, tail = block_parts(r, v)
    if len(body) < 4:
        return None
    k = r.randint(2, 3)
    shown = head + body[:k]
    rest = len(head) + len(body) + len(tail) - len(shown)
    text = "⏺ Bash(cat %s)\n  ⎿  " % v["path"] + "\n     ".join(shown) + "\n     … +%d lines (ctrl+r to expand)" % rest
    return text, "\n     ".join(body[:k])


def c_block_json(r, v):
    head, body, tail = block_parts(r, v)
    s = "\\n".join(head + body + tail) + "\\n"
    key = r.choice(["privateKey", "private_key", "sshKey", "signingKey"])
    return '{"%s": "%s", "passphrase": null}' % (key, s), "\\n".join(body)


def c_block_env(r, v):
    head, body, tail = block_parts(r, v)
    return 'DEPLOY_KEY="%s\n' % head[0] + "\n".join(head[1:] + body + tail) + '"', "\n".join(body)


def c_gcpsa(r, v):
    body = list(v["value"])
    proj = "acme-prod-%d" % r.randint(100000, 999999)
    pk = "-----BEGIN PRIVATE KEY-----\\n" + "\\n".join(body) + "\\n-----END PRIVATE KEY-----\\n"
    lines = ["{", '  "type": "service_account",', '  "project_id": "%s",' % proj,
             '  "private_key_id": "%s",' % hexs(r, 40), '  "private_key": "%s",' % pk,
             '  "client_email": "deployer@%s.iam.gserviceaccount.com",' % proj,
             '  "client_id": "%s",' % digits(r, 21), '  "token_uri": "https://oauth2.googleapis.com/token"', "}"]
    if r.random() < 0.5:
        return tool(r, "cat gcp-sa.json", lines), "\\n".join(body)
    return "サービスアカウントのキーファイル（gcp-sa.json）の中身です：\n```json\n" + "\n".join(lines) + "\n```", "\\n".join(body)


# transforming carriers may print the value differently: not for composite values
TRANSFORMING = {"md_split", "wrapped", "url_userinfo", "url_query", "form_body", "conf", "netrc"}

CARRIERS = {
    "env_file": c_env_file, "export": c_export, "set_x": c_set_x, "diff": c_diff, "history": c_history,
    "docker_inspect": c_docker_inspect, "code": c_code, "yaml": c_yaml, "json": c_json, "conf": c_conf,
    "prose_en": c_prose_en, "prose_ja_spaced": c_prose_ja_sp, "prose_ja_nospace": c_prose_ja_nosp,
    "md_wrap": c_md_wrap, "md_split": c_md_split, "md_table": c_md_table, "wrapped": c_wrapped,
    "error_echo": c_error_echo, "stack_trace": c_stack_trace, "log_line": c_log_line,
    "claude_update": c_claude_update, "claude_write": c_claude_write,
    "sql": c_sql, "cli_pw": c_cli_pw, "url_userinfo": c_url_userinfo, "netrc": c_netrc, "form_body": c_form_body,
    "header": c_header, "url_query": c_url_query, "cli_tok": c_cli_tok,
    "aws_creds_file": c_aws_creds_file, "azure_conn": c_azure_conn, "npmrc": c_npmrc, "pypirc": c_pypirc,
    "telegram_url": c_telegram_url, "webhook_curl": c_webhook_curl,
    "basic": c_basic, "cookie": c_cookie, "k8s_secret": c_k8sdata, "presigned_url": c_sig,
    "wg_conf": c_wg, "age_keygen": c_age, "otpauth": c_otpauth, "totp_manual": c_totp_manual,
    "block_cat": c_block_cat, "block_fence": c_block_fence, "block_diff": c_block_diff, "block_yaml": c_block_yaml,
    "block_truncated": c_block_trunc, "block_json": c_block_json, "block_env": c_block_env, "gcp_sa_json": c_gcpsa,
}

COMMON = {"env_file": 2, "export": 1, "set_x": 1.2, "diff": 1.5, "history": 1.2, "docker_inspect": 1, "code": 2,
          "yaml": 1.5, "json": 1, "conf": 1, "prose_en": 3, "prose_ja_spaced": 2.5, "prose_ja_nospace": 2.5,
          "md_wrap": 1.5, "md_split": 1.5, "md_table": 0.7, "wrapped": 2, "error_echo": 1, "stack_trace": 1,
          "log_line": 1, "claude_update": 1, "claude_write": 0.7}
CLS_CARRIERS = {
    "pw": dict(COMMON, sql=3, cli_pw=1.5, url_userinfo=1.5, netrc=0.7, form_body=0.6),
    "tok": dict(COMMON, header=3, url_query=1.5, cli_tok=1, url_userinfo=0.6, form_body=0.5),
    "key": dict(COMMON),
    "totp": dict(COMMON, otpauth=4, totp_manual=4),
    "wg": {"wg_conf": 10, "prose_en": 1, "prose_ja_spaced": 1, "prose_ja_nospace": 1, "md_wrap": 1, "wrapped": 1,
           "env_file": 1, "yaml": 1, "json": 1, "diff": 1, "code": 0.5, "claude_write": 0.5},
    "age": {"age_keygen": 10, "prose_en": 1, "prose_ja_spaced": 1, "prose_ja_nospace": 1, "md_wrap": 1, "wrapped": 1,
            "env_file": 1, "yaml": 1, "export": 1, "history": 0.5},
    "cookie": {"cookie": 10, "prose_en": 1, "prose_ja_nospace": 1, "wrapped": 1, "md_wrap": 1},
    "basic": {"basic": 10, "prose_ja_nospace": 1, "wrapped": 1},
    "k8sdata": {"k8s_secret": 1},
    "sig": {"presigned_url": 1},
    "block": {"block_cat": 2, "block_fence": 2, "block_diff": 1.5, "block_yaml": 1.5, "block_truncated": 2,
              "block_json": 1, "block_env": 1},
    "gcpsa": {"gcp_sa_json": 1},
    "webhook": {"env_file": 2, "yaml": 1, "json": 1, "code": 1, "prose_en": 1.5, "prose_ja_spaced": 1,
                "prose_ja_nospace": 1, "history": 1, "md_wrap": 1, "webhook_curl": 2},
}
KIND_EXTRA = {
    "aws_access_key_id": {"aws_creds_file": 3}, "aws_secret_access_key": {"aws_creds_file": 3},
    "azure_storage_key": {"azure_conn": 5}, "npm_token": {"npmrc": 3}, "pypi_token": {"pypirc": 3},
    "telegram_bot_token": {"telegram_url": 3}, "github_token": {"url_userinfo": 2}, "gitlab_token": {"url_userinfo": 2},
}

SECRET_PLAN = [
    # provider shapes (~30%)
    (mk_aws_access_key_id, 7), (mk_aws_secret_access_key, 8), (mk_github_token, 10), (mk_gitlab_token, 5),
    (mk_slack_token, 5), (mk_slack_webhook, 2), (mk_stripe_key, 6), (mk_openai_key, 7), (mk_anthropic_key, 7),
    (mk_google_api_key, 6), (mk_google_oauth_client_secret, 3), (mk_gcp_service_account_key, 3),
    (mk_twilio_auth_token, 3), (mk_sendgrid_key, 4), (mk_npm_token, 4), (mk_pypi_token, 3), (mk_huggingface_token, 4),
    (mk_discord_bot_token, 3), (mk_discord_webhook, 2), (mk_telegram_bot_token, 4), (mk_mailgun_key, 2),
    (mk_shopify_token, 2), (mk_digitalocean_token, 2), (mk_databricks_token, 2), (mk_linear_key, 2),
    (mk_doppler_token, 2), (mk_azure_storage_key, 4), (mk_jwt, 10),
    # everything else
    (mk_password_random, 29), (mk_password_memorable, 24), (mk_password_leet, 12), (mk_password_unicode, 18),
    (mk_password_spaces, 12), (mk_passphrase_words, 20), (mk_password_lowercase, 14), (mk_pin_digits, 14),
    (mk_recovery_code, 4), (mk_totp_seed, 12), (mk_hex_key, 24), (mk_generic_api_token, 22), (mk_base64_secret, 14),
    (mk_basic_auth, 6), (mk_session_cookie, 8), (mk_k8s_secret_data, 5), (mk_wireguard_private_key, 8),
    (mk_age_secret_key, 6), (mk_ssh_private_key, 8), (mk_pem_private_key, 7), (mk_pgp_private_key, 5),
    (mk_presigned_signature, 6),
]
PROVIDER_KINDS = 28  # first 28 entries of SECRET_PLAN


def gen_secrets(r):
    out = []
    seen = set()
    for maker, count in SECRET_PLAN:
        used = {}
        for _ in range(count):
            for attempt in range(200):
                v = maker(r)
                if isinstance(v["value"], str) and any(c in v["value"] for c in "'\"\\`\n"):
                    continue
                opts = dict(CLS_CARRIERS[v["cls"]])
                opts.update(KIND_EXTRA.get(v["kind"], {}))
                if "secret" in v:
                    opts = {k: w_ for k, w_ in opts.items() if k not in TRANSFORMING}
                names = sorted(opts)
                weights = [opts[n] / (1 + 1.5 * used.get(n, 0)) for n in names]
                name = r.choices(names, weights)[0]
                res = CARRIERS[name](r, v)
                if res is None:
                    continue
                text, ins = res
                secret = v.get("secret", ins)
                if len(secret) < 8 or text.count(secret) != 1 or secret in seen:
                    continue
                frags = secret.split("\n")
                if any(len(f.strip(" │+")) < 6 for f in frags if f.strip(" │+")) and len(frags) > 1:
                    continue
                used[name] = used.get(name, 0) + 1
                seen.add(secret)
                out.append({"kind": v["kind"], "secret": secret, "text": text, "carrier": name})
                break
            else:
                raise RuntimeError("could not place a %s" % maker.__name__)
    return out


# ================================================================= look-alikes
MSGS = ["fix: handle empty token list in tokenizer", "feat(auth): rotate refresh tokens on use",
        "chore: bump serde to 1.0.203", "refactor: extract PasswordPolicy", "test: cover api_key header parsing",
        "docs: explain how to set OPENAI_API_KEY", "fix(db): retry on connection reset", "ci: cache cargo registry",
        "Revert \"feat: add session cache\"", "perf: avoid cloning secrets map"]
FILES = ["dist/app-1.4.2-linux-x86_64.tar.gz", "node-v20.11.1-linux-x64.tar.xz", "speakja-nvim-0.3.0.zip",
         "model.safetensors", "ubuntu-24.04-live-server-amd64.iso", "go1.22.3.linux-amd64.tar.gz", "voice-ja.onnx"]
NAMES = ["Kenji Sato", "Alice Chen", "Bob Martin", "Yuki Tanaka", "dependabot[bot]"]


def sha(r, n=40):
    return hexs(r, n)


def lk_git_commit(r):
    s, s7 = sha(r), sha(r, 7)
    m = r.choice(MSGS)
    return r.choice([
        "commit %s\nAuthor: %s <%s@users.noreply.github.com>\nDate:   Fri May 16 18:%02d:11 2025 +0900\n\n    %s"
        % (s, r.choice(NAMES), r.randint(1000000, 9999999), r.randint(0, 59), m),
        tool(r, "git log --oneline -4", ["%s %s" % (sha(r, 7), m_) for m_ in r.sample(MSGS, 4)]),
        "[main %s] %s\n 3 files changed, %d insertions(+), %d deletions(-)" % (s7, m, r.randint(1, 300), r.randint(0, 90)),
        "HEAD is now at %s %s" % (s7, m),
        "Reverted commit %s; the regression came from the tokenizer refactor." % s,
        "コミット %s を取り消しました。" % s,
        "Fixes a regression introduced in commit %s." % sha(r, 12),
        tool(r, "git push origin main", ["To github.com:%s.git" % r.choice(REPOS), "   %s..%s  main -> main" % (s7, sha(r, 7))]),
        "git cherry-pick %s" % s,
        "The failing build is on commit %s (branch `feature/token-refresh`)." % s,
        "Merge: %s %s" % (sha(r, 7), sha(r, 7)),
        "rev = \"%s\"  # pinned commit of tree-sitter-lua" % s,
    ])


def lk_checksum_sha256(r):
    h = sha(r, 64)
    f = r.choice(FILES)
    return r.choice([
        "%s  %s" % (h, f),
        tool(r, "sha256sum " + f, ["%s  %s" % (h, f)]),
        "[[package]]\nname = \"%s\"\nversion = \"%d.%d.%d\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"%s\""
        % (r.choice(["serde", "tokio", "ring", "base64", "hmac", "sha2", "secrecy"]), r.randint(0, 2), r.randint(0, 40), r.randint(0, 20), h),
        "SHA256 checksum: %s — matches the release page." % h,
        "Digest: sha256:%s\nStatus: Downloaded newer image for postgres:16" % h,
        "チェックサム（SHA-256）: %s — 一致しました。" % h,
        "requests==2.32.3 \\\n    --hash=sha256:%s" % h,
        "✓ checksum verified: %s" % h,
        "\"sha256\": \"%s\"," % h,
        "Expected checksum %s, got %s" % (h, sha(r, 64)),
    ])


def lk_checksum_other(r):
    return r.choice([
        'ETag: "%s"' % sha(r, 32), "MD5 (%s) = %s" % (r.choice(FILES), sha(r, 32)), "md5sum: %s" % sha(r, 32),
        "%s  %s" % (sha(r, 40), r.choice(FILES)), "Build ID: %s" % sha(r, 40),
        "x-goog-hash: md5=%s" % b64(rb(r, 16)), "Content-MD5: %s" % b64(rb(r, 16)),
        "sha1 of the blob is %s" % sha(r, 40), "BuildID[sha1]=%s, for GNU/Linux 3.2.0, stripped" % sha(r, 40),
        "ファイルのMD5は %s です。" % sha(r, 32),
    ])


def lk_docker_ids(r):
    return r.choice([
        "CONTAINER ID   IMAGE         COMMAND                  CREATED       STATUS       PORTS                    NAMES\n"
        "%s   postgres:16   \"docker-entrypoint.s…\"   2 hours ago   Up 2 hours   0.0.0.0:5432->5432/tcp   db" % sha(r, 12),
        "Successfully built %s\nSuccessfully tagged acme/api:latest" % sha(r, 12),
        "Container %s exited with code 137 (OOMKilled)." % sha(r, 64),
        "sha256:%s" % sha(r, 64),
        tool(r, "docker images -q acme/api", [sha(r, 12)]),
        " => => writing image sha256:%s  0.0s" % sha(r, 64),
        "Image ID: sha256:%s" % sha(r, 64),
        "コンテナ %s を再起動しました。" % sha(r, 12),
    ])


def wg_pub(r):
    return b64(rb(r, 32))


def lk_wireguard_public(r):
    k = wg_pub(r)
    return r.choice([
        "[Peer]\nPublicKey = %s\nAllowedIPs = 10.8.0.%d/32\nEndpoint = vpn.acme.dev:51820" % (k, r.randint(2, 250)),
        tool(r, "sudo wg show", ["interface: wg0", "  public key: %s" % k, "  private key: (hidden)", "  listening port: 51820",
                                 "", "peer: %s" % wg_pub(r), "  latest handshake: 1 minute, 12 seconds ago"]),
        "PublicKey = %s" % k,
        "Add this peer to the server: public key %s, allowed IP 10.8.0.%d/32." % (k, r.randint(2, 250)),
        "クライアントの公開鍵（PublicKey）は %s です。" % k,
        tool(r, "cat publickey", [k]),
        "peer: %s\n  endpoint: 203.0.113.%d:51820\n  allowed ips: 10.8.0.0/24\n  transfer: 1.21 MiB received, 3.4 MiB sent" % (k, r.randint(1, 254)),
    ])


def ssh_pub(r):
    p = r.randrange(3)
    if p == 0:
        return "ssh-ed25519 " + b64(ssh_ed25519_blob(r))
    if p == 1:
        blob = sshstr(b"ssh-rsa") + sshstr(b"\x01\x00\x01") + sshstr(b"\x00" + rb(r, 256))
        return "ssh-rsa " + b64(blob)
    blob = sshstr(b"ecdsa-sha2-nistp256") + sshstr(b"nistp256") + sshstr(b"\x04" + rb(r, 64))
    return "ecdsa-sha2-nistp256 " + b64(blob)


def lk_ssh_public(r):
    k = ssh_pub(r)
    who = "%s@%s" % (r.choice(["kenji", "alice", "ci", "deploy"]), r.choice(["laptop", "mbp.local", "runner-3", "bastion"]))
    return r.choice([
        "%s %s" % (k, who), tool(r, "cat ~/.ssh/id_ed25519.pub", ["%s %s" % (k, who)]),
        "github.com %s" % k, "Add this public key to `~/.ssh/authorized_keys` on the server:\n\n%s %s" % (k, who),
        "公開鍵はこちらです: %s %s" % (k, who),
        "- name: add deploy key\n  authorized_key:\n    user: deploy\n    key: \"%s %s\"" % (k, who),
    ])


def lk_ssh_fingerprint(r):
    fp = "SHA256:" + b64(rb(r, 32)).rstrip("=")
    return r.choice([
        "The key fingerprint is:\n%s kenji@laptop\nThe key's randomart image is:" % fp,
        "ED25519 key fingerprint is %s.\nAre you sure you want to continue connecting (yes/no/[fingerprint])?" % fp,
        "256 %s deploy@ci (ED25519)" % fp, "ホスト鍵のフィンガープリントは %s です。" % fp,
        "Warning: Permanently added 'github.com' (ED25519) to the list of known hosts. (%s)" % fp,
    ])


def lk_pem_public_cert(r):
    if r.random() < 0.5:
        body = wrap64(b64(bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + rb(r, 256) + bytes.fromhex("0203010001")))
        blk = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(body) + "\n-----END PUBLIC KEY-----"
        lead = r.choice(["Here is the public key for verifying webhook signatures:", "JWT検証用の公開鍵です：", "public.pem:"])
    else:
        body = wrap64(b64(bytes.fromhex("308203") + rb(r, 700)))
        blk = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body) + "\n-----END CERTIFICATE-----"
        lead = r.choice(["The server presented this certificate:", "CA証明書（ca.crt）の内容：", "tls.crt:"])
    if r.random() < 0.4:
        lines = blk.split("\n")
        return "⏺ Bash(cat certs/public.pem)\n  ⎿  " + "\n     ".join(lines[:3]) + "\n     … +%d lines (ctrl+r to expand)" % (len(lines) - 3)
    return lead + "\n" + blk


def lk_age_pgp_public(r):
    return r.choice([
        "# public key: age1%s" % rs(r, BECH, 58),
        "creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: age1%s" % rs(r, BECH, 58),
        "Encrypting for recipient age1%s" % rs(r, BECH, 58),
        "pub   ed25519 2024-03-01 [SC]\n      %s\nuid           [ultimate] Kenji Sato <kenji@acme.dev>" % rs(r, "0123456789ABCDEF", 40),
        "gpg --keyserver keys.openpgp.org --recv-keys %s" % rs(r, "0123456789ABCDEF", 16),
        "Primary key fingerprint: %s" % " ".join(rs(r, "0123456789ABCDEF", 4) for _ in range(10)),
        "gpg: Signature made Fri May 16 18:02:11 2025 JST\ngpg:                using EDDSA key %s\ngpg: Good signature from \"Yuki Tanaka <yuki@acme.dev>\"" % rs(r, "0123456789ABCDEF", 40),
        "-----BEGIN PGP SIGNATURE-----\n\niHUEABYKAB0WIQ%s\n%s\n=%s\n-----END PGP SIGNATURE-----" % (rs(r, B64, 50), rs(r, B64, 24), rs(r, B64, 4)),
    ])


def lk_token_word(r):
    n = r.randint(1000, 200000)
    return r.choice([
        "token_count = len(tokenizer.encode(text))",
        "Loaded tokenizer.json (%d tokens in vocab)" % r.choice([32000, 50257, 128256, 151936]),
        'response = client.messages.create(model="claude-sonnet-4-5", max_tokens=4096, messages=msgs)',
        "SyntaxError: Unexpected token '}' in JSON at position %d" % r.randint(10, 9000),
        "error: expected one of `,`, `:`, or `}`, found token `=`",
        "Forbidden (403): CSRF token missing or incorrect.",
        "The access token expires after 3600 seconds; refresh_token_ttl is 30 days.",
        "def refresh_access_token(self, refresh_token: str) -> TokenPair:",
        "Token usage: %s input / %s output" % (format(n, ","), format(r.randint(100, 9000), ",")),
        "トークン数が上限（%d）を超えました。" % r.choice([200000, 128000, 8192]),
        "src/auth/token_store.rs:%d:5" % r.randint(10, 400),
        "TokenKind::Ident(sym) => self.parse_path(sym),",
        "Rate limit: %s input tokens per minute" % format(r.choice([40000, 80000, 400000]), ","),
        "permissions:\n  contents: read\n  id-token: write",
        "jwt.decode(token, public_key, algorithms=[\"RS256\"], audience=\"api\")",
        "if (!token) return res.status(401).json({ error: 'missing token' });",
        "max_tokens=%d, temperature=0.2, top_p=0.9" % r.choice([256, 1024, 4096, 8192]),
        "test auth::tests::rejects_expired_token ... ok",
        "The tokenizer splits `speakja` into 3 tokens: `speak`, `j`, `a`.",
        "let tokens: Vec<Token> = lexer.tokenize(&src)?;",
        "Context left until auto-compact: %d%%" % r.randint(3, 40),
        "→ %s tokens · %ds" % (format(n, ","), r.randint(2, 300)),
        "トークナイザーを tokenizer.json から読み込みます。",
        "GitHub token permissions are set to read-only for pull requests from forks.",
    ])


def lk_password_policy(r):
    k = r.choice([10, 12, 14, 16])
    return r.choice([
        "Passwords must be at least %d characters and include an uppercase letter, a number and a symbol." % k,
        "パスワードは%d文字以上で、英大文字・数字・記号をそれぞれ1文字以上含める必要があります。" % k,
        "MIN_PASSWORD_LENGTH = %d" % k, "password_min_length: %d\npassword_require_symbol: true" % k,
        "validators: [MinimumLengthValidator(min_length=%d), CommonPasswordValidator()]" % k,
        "Error: password too weak (zxcvbn score 1/4)",
        "The password field is hashed with argon2id (m=65536, t=3, p=4) before storage.",
        "PASSWORD_HASHERS = ['django.contrib.auth.hashers.Argon2PasswordHasher']",
        "Your password expires in %d days." % r.randint(2, 30),
        "The password is incorrect.", "The password is required.", "The password is stored in 1Password under \"Prod DB\".",
        "Password reset link sent; it expires in %d minutes." % r.choice([15, 30, 60]),
        "password must match /^(?=.*[A-Z])(?=.*\\d).{%d,}$/" % k,
        "✗ password: must be 12+ characters with a symbol",
        "Use a passphrase of at least four random words instead of a short password.",
        "`validate_password(pw: &str) -> Result<(), PolicyError>` checks length and character classes.",
        "ALTER ROLE app VALID UNTIL '2026-01-01';  -- password rotation reminder",
    ])


def lk_placeholder(r):
    return r.choice([
        "OPENAI_API_KEY=<your-api-key>", "export OPENAI_API_KEY=sk-...", "password: ${DB_PASSWORD}",
        "token: ${{ secrets.GITHUB_TOKEN }}", 'api_key = os.environ["API_KEY"]', "const key = process.env.STRIPE_SECRET_KEY;",
        "API_KEY=your_api_key_here", "Authorization: Bearer <token>", 'curl -H "Authorization: Bearer $TOKEN" https://api.acme.dev/v1/me',
        'curl -H "X-Api-Key: $API_KEY" %s' % r.choice(API_URLS), "DB_PASSWORD=          # set in 1Password",
        'password: "********"', "secret: [REDACTED]", "aws_secret_access_key = <redacted>",
        "valueFrom:\n  secretKeyRef:\n    name: db-credentials\n    key: password", "op://Engineering/Postgres/password",
        "vault kv get -field=password secret/prod/db",
        "arn:aws:secretsmanager:ap-northeast-1:%s:secret:prod/db-password-%s" % (digits(r, 12), rs(r, ALNUM, 6)),
        "Set ANTHROPIC_API_KEY in your environment (it starts with `sk-ant-`).", "STRIPE_SECRET_KEY=sk_test_...",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "password: {{ .Values.db.password }}",
        "DATABASE_URL=postgres://<user>:<password>@<host>:5432/<db>", "PGPASSWORD=$(cat /run/secrets/db_password) psql -h db",
        "パスワードは `${DB_PASSWORD}` から読み込みます。", "AWS_SECRET_ACCESS_KEY=YOUR_SECRET_ACCESS_KEY",
        "api_key: !ENV ${WEATHER_API_KEY}", 'String token = System.getenv("API_TOKEN");',
        "let key = std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY not set\");",
        "password = getpass.getpass(\"Password: \")", "Enter passphrase (empty for no passphrase):",
        "-e POSTGRES_PASSWORD=${POSTGRES_PASSWORD:?required}", "client_secret: \"${GOOGLE_CLIENT_SECRET}\"",
        "headers: { Authorization: `Bearer ${accessToken}` }", "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "--password-stdin < ~/.config/registry-token", "環境変数 OPENAI_API_KEY に APIキー（sk-で始まる文字列）を設定してください。",
        "secretRef: { name: %s-env }" % r.choice(["api", "worker", "web"]),
    ])


def lk_uuid(r):
    u = ruuid(r)
    return r.choice([
        "Created workspace %s" % u, "id: %s" % u, "X-Correlation-ID: %s" % u, "Resuming conversation %s" % u,
        "~/.claude/projects/-home-kenji-acme/%s.jsonl" % u, "ユーザーID %s のレコードを削除しました。" % u,
        "\"tenantId\": \"%s\"," % u, "UUID=%s /data ext4 defaults 0 2" % u, "Job %s finished in 12.4s" % u,
        "installation_id=%s" % u,
    ])


def lk_request_id(r):
    return r.choice([
        "x-request-id: req_011C%s" % rs(r, ALNUM, 20), "request-id: req_%s" % rs(r, ALNUM, 14),
        "RequestId: %s Duration: %.2f ms Billed Duration: %d ms" % (ruuid(r), r.uniform(1, 900), r.randint(1, 900)),
        "cf-ray: %s-NRT" % hexs(r, 16), "traceparent: 00-%s-%s-01" % (hexs(r, 32), hexs(r, 16)),
        "X-Amzn-Trace-Id: Root=1-%s-%s" % (hexs(r, 8), hexs(r, 24)), "trace_id=%s span_id=%s" % (hexs(r, 32), hexs(r, 16)),
        "Error 500 (request %s). Please include this ID when contacting support." % hexs(r, 32),
        "リクエストID %s でエラーが発生しました。" % ruuid(r), "x-amz-request-id: %s" % rs(r, UP + DIG, 16),
        "x-amz-id-2: %s" % b64(rb(r, 57)), "request_id=%s" % rs(r, CROCK, 26),
    ])


def lk_base64_words(r):
    ph = r.choice(["hello world", "Thanks for your order!", "admin", "deploy", "application/json", "kenji@acme.dev",
                   "This is a test message.", "こんにちは世界", "username", "production"])
    e = b64(ph.encode())
    return r.choice([
        "$ echo '%s' | base64 -d\n%s" % (e, ph), "data:\n  username: %s" % e,
        "Content-Transfer-Encoding: base64\n\n%s" % e, "decoded `%s` → \"%s\"" % (e, ph),
        "base64 で「%s」は %s になります。" % (ph, e), "\"payload\": \"%s\"" % e,
    ])


def lk_camel_identifier(r):
    ids = ["passwordResetTokenRepository", "AbstractAuthenticationTokenFilterChainProxy", "getOrCreateApiKeyRotationScheduler",
           "UserCredentialsValidationException", "SecretKeyFactorySpiDelegateProvider", "refreshAccessTokenIfExpiredOrMissing",
           "OAuth2AuthorizedClientManagerConfigurer", "validatePasswordStrengthAgainstPolicy", "TokenBucketRateLimiterMiddleware",
           "encryptSensitiveFieldsBeforePersisting", "KeyStoreCredentialProviderFactoryBean", "sessionCookieSerializerFactory",
           "InMemoryApiKeyStoreForIntegrationTests", "redactSecretsFromTerminalOutputBuffer"]
    i = r.choice(ids)
    return r.choice([
        "Renamed `%s` to `%s` across 14 files." % (i, r.choice(ids)),
        "at com.acme.auth.%s.handle(%s.java:%d)" % (i[0].upper() + i[1:], i[0].upper() + i[1:], r.randint(10, 400)),
        "error[E0425]: cannot find function `%s` in this scope" % i, "`%s` は未使用なので削除しました。" % i,
        "export function %s(input: string): boolean {" % i, "TypeError: %s is not a function" % i,
    ])


def lk_hashed_path(r):
    return r.choice([
        "node_modules/.pnpm/@babel+core@7.24.%d_supports-color@8.1.1/node_modules/@babel/core/lib/index.js" % r.randint(0, 9),
        "/nix/store/%s-openssl-3.0.13/lib/libssl.so.3" % rs(r, NIXB32, 32),
        "target/debug/deps/libserde-%s.rlib" % hexs(r, 16), "dist/assets/index-%s.js  142.31 kB │ gzip: 45.12 kB" % rs(r, B64U, 8),
        ".next/static/chunks/pages/_app-%s.js" % hexs(r, 16), "__pycache__/settings.cpython-312.pyc",
        ".git/objects/%s/%s" % (hexs(r, 2), hexs(r, 38)),
        "~/.cache/huggingface/hub/models--cl-tohoku--bert-base-japanese/snapshots/%s/config.json" % hexs(r, 40),
        "~/.cargo/registry/src/index.crates.io-%s/tokio-1.37.0/src/lib.rs" % hexs(r, 16),
        "/var/lib/docker/overlay2/%s/merged" % hexs(r, 64), "/tmp/pytest-of-kenji/pytest-%d/test_token_refresh0" % r.randint(1, 99),
        "/home/kenji/.vscode-server/bin/%s/node" % hexs(r, 40), "~/.m2/repository/org/springframework/security/spring-security-crypto/6.2.4/",
        "warning: unused variable `key` at target/release/build/ring-%s/out/" % hexs(r, 16),
        "Compiling speakja v0.3.0 (/work/main)\n    Finished `release` profile [optimized] target(s) in 42.1s",
        "/run/user/1000/vscode-git-%s.sock" % hexs(r, 10),
    ])


def lk_version_string(r):
    return r.choice([
        "github.com/acme/lib v0.0.0-2024%02d%02d152122-%s" % (r.randint(1, 12), r.randint(1, 28), hexs(r, 12)),
        "version 1.2.3-beta.4+exp.sha.%s" % hexs(r, 7), "rustc 1.78.0 (9b00956e5 2024-04-29)", "node v20.11.1",
        "NVIM v0.10.0-dev-2981+g%s" % hexs(r, 9), "Docker version 26.1.3, build %s" % hexs(r, 7),
        "Python 3.12.3 (main, Apr 10 2024, 05:33:47) [GCC 13.2.0] on linux",
        "acme-api@1.4.%d (git %s, built 2025-05-17)" % (r.randint(0, 20), hexs(r, 8)),
        "kubectl: Client Version: v1.30.1, Kustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3",
        "image: ghcr.io/acme/api:1.4.2-%s" % hexs(r, 7),
    ])


def lk_ja_mention(r):
    return r.choice([
        "パスワードを忘れた場合は、ログイン画面の「パスワードをお忘れですか？」から再設定できます。",
        "データベースのパスワードは環境変数 DB_PASSWORD から読み込むように変更しました。",
        "APIキーがまだ設定されていないため、%d件のテストをスキップしました。" % r.randint(2, 40),
        "トークンの有効期限が切れているので、`gh auth login` で再ログインしてください。",
        "パスワードは%d文字以上にしてください。" % r.choice([8, 10, 12]),
        "秘密鍵はリポジトリにコミットしないでください。.gitignore に追加しました。",
        "パスワードは .env に書かずに、1Password から取得する形にしましょう。",
        "認証トークンはリクエストヘッダーの Authorization に入れて送ります。",
        "パスワードが間違っています。", "パスワードは正しく設定されています。",
        "パスワードはハッシュ化（bcrypt, cost=%d）して保存しています。" % r.choice([10, 12, 14]),
        "APIキーは `process.env.OPENAI_API_KEY` から読み込まれます。",
        "シークレットは GitHub の Settings → Secrets and variables → Actions に登録してください。",
        "パスワード認証を無効にして、公開鍵認証のみにしました。",
        "パスワードのリセットメールを %s@acme.dev に送信しました。" % r.choice(USERS),
        "パスワード: ********（マスクされています）", "ユーザー名とパスワードを入力してください。",
        "パスワード変更後、%d件のセッションをすべて無効化しました。" % r.randint(2, 30),
        "暗号化キーは KMS（alias/app-prod）で管理されています。", "公開鍵は ~/.ssh/id_ed25519.pub にあります。",
        "パスワードは必須項目です。", "APIキーをローテーションしたので、古いキーは使えなくなりました。",
        "テストではダミーのパスワードを使うようにモックを追加しました。", "パスワードは%d日ごとに変更が必要です。" % r.choice([30, 60, 90]),
    ])


def lk_numbers(r):
    return r.choice([
        "Processed %d rows in %.1fs" % (r.randint(10**7, 10**9), r.uniform(1, 90)), "epoch ms: %d" % r.randint(1700000000000, 1760000000000),
        "AWS account %s" % digits(r, 12), "Listening on port %d" % r.choice([3000, 8080, 5432]),
        "PR #%d merged" % r.randint(100, 99999), "inode %d" % r.randint(10**7, 10**9),
        "Build #%d.%d" % (r.randint(20240000, 20251231), r.randint(1, 9)), "Total: %s bytes" % format(r.randint(10**7, 10**10), ","),
        "Slack channel C0%s, user U0%s" % (rs(r, UP + DIG, 8), rs(r, UP + DIG, 8)), "Order %d has shipped." % r.randint(10**9, 10**10),
        "%d passed, %d failed in %.2fs" % (r.randint(10, 900), r.randint(0, 3), r.uniform(1, 90)),
        "電話番号の桁数チェック（%d桁）を追加しました。" % r.choice([10, 11]),
    ])


def lk_integrity_hash(r):
    return r.choice([
        '"integrity": "sha512-%s==",' % rs(r, B64, 86),
        "github.com/pkg/errors v0.9.1 h1:%s=" % rs(r, B64, 43),
        "golang.org/x/crypto v0.23.0/go.mod h1:%s=" % rs(r, B64, 43),
        "  integrity sha1-%s=" % rs(r, B64, 27),
        "<script src=\"https://cdn.jsdelivr.net/npm/htmx.org@1.9.12\" integrity=\"sha384-%s\" crossorigin=\"anonymous\"></script>" % rs(r, B64, 64),
        "\"narHash\": \"sha256-%s=\"," % rs(r, B64, 43),
    ])


def lk_public_ids(r):
    return r.choice([
        "Created customer cus_%s" % rs(r, ALNUM, 14), "PaymentIntent pi_%s succeeded" % rs(r, ALNUM, 24),
        "publishable key (safe to expose in the browser): pk_live_%s" % rs(r, ALNUM, 24),
        "i-0%s is running" % hexs(r, 16), "sg-0%s allows 443 from 0.0.0.0/0" % hexs(r, 16),
        "ULID: %s" % rs(r, CROCK, 26), "ipfs://bafybei%s" % rs(r, "abcdefghijklmnopqrstuvwxyz234567", 52),
        "pod/api-%s-%s restarted" % (rs(r, "bcdfghjklmnpqrstvwxz2456789", 10), rs(r, "bcdfghjklmnpqrstvwxz2456789", 5)),
        "ObjectId(\"%s\")" % hexs(r, 24), "tx hash 0x%s confirmed in block %d" % (hexs(r, 64), r.randint(10**7, 2 * 10**7)),
        "contract address 0x%s" % hexs(r, 40), "Sentry issue ACME-API-%s" % rs(r, UP + DIG, 3),
        "client_id: %s.apps.googleusercontent.com" % (digits(r, 12) + "-" + rs(r, LOW + DIG, 32)),
        "installation %s, app id %d" % (digits(r, 8), r.randint(100000, 999999)),
    ])


def lk_oauth_public_params(r):
    return r.choice([
        "https://accounts.google.com/o/oauth2/v2/auth?client_id=%s.apps.googleusercontent.com&redirect_uri=http%%3A%%2F%%2Flocalhost%%3A8080%%2Fcallback&response_type=code&scope=openid%%20email&state=%s&code_challenge=%s&code_challenge_method=S256"
        % (digits(r, 12) + "-" + rs(r, LOW + DIG, 32), rs(r, B64U, 22), rs(r, B64U, 43)),
        "code_challenge=%s&code_challenge_method=S256" % rs(r, B64U, 43),
        "nonce=%s&state=%s" % (rs(r, B64U, 22), rs(r, B64U, 22)),
        "https://github.com/login/oauth/authorize?client_id=Iv1.%s&scope=repo%%20read:org" % hexs(r, 16),
        "Open https://github.com/login/device and enter the code %s-%s" % (rs(r, UP + DIG, 4), rs(r, UP + DIG, 4)),
        "?page=%d&per_page=100&sort=created&direction=desc&v=%s" % (r.randint(2, 40), hexs(r, 8)),
    ])


def lk_auth_error_no_value(r):
    return r.choice([
        'FATAL:  password authentication failed for user "%s"' % r.choice(USERS),
        "401 Unauthorized: Bad credentials", "An error occurred (UnrecognizedClientException): The security token included in the request is invalid.",
        "%s@%s: Permission denied (publickey)." % (r.choice(USERS), r.choice(DBHOSTS)),
        "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/%s.git/'" % r.choice(REPOS),
        "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
        "openai.AuthenticationError: Error code: 401 - {'error': {'message': 'Incorrect API key provided.', 'type': 'invalid_request_error'}}",
        "jwt: token is expired (exp=%d)" % r.randint(1700000000, 1760000000), "InvalidSignatureException: Signature expired",
        "gpg: decryption failed: No secret key", "Error: Bad passphrase, try again for /home/kenji/.ssh/id_ed25519:",
        "認証に失敗しました: APIキーが無効です（401）。",
    ])


def lk_masked_secret(r):
    return r.choice([
        "API key: %s%s" % ("*" * r.randint(20, 36), hexs(r, 4)), "Token: ghp_****************************%s" % rs(r, ALNUM, 4),
        "password: ••••••••", "AWS_ACCESS_KEY_ID=AKIA****************", "パスワード: ********",
        "Using key sk-proj-…%s" % rs(r, ALNUM, 4), "Authorization: Bearer ***", "DB_PASSWORD=[hidden]",
        "STRIPE_SECRET_KEY=sk_live_••••%s" % rs(r, ALNUM, 4),
    ])


def lk_env_var_names(r):
    names = ["DATABASE_URL", "REDIS_URL", "SECRET_KEY_BASE", "STRIPE_API_KEY", "OPENAI_API_KEY", "JWT_SECRET",
             "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "SENTRY_DSN", "SMTP_PASSWORD"]
    k = r.sample(names, r.randint(3, 6))
    return r.choice([
        "Required env vars: " + ", ".join(k), "Missing environment variables: " + ", ".join(k),
        "必要な環境変数: " + "、".join(k), "env_keys = %s" % json.dumps(k),
        "| Name | Required |\n|---|---|\n" + "\n".join("| `%s` | yes |" % x for x in k),
    ])


LOOK_PLAN = [
    (lk_git_commit, 28), (lk_checksum_sha256, 26), (lk_checksum_other, 14), (lk_docker_ids, 14),
    (lk_wireguard_public, 16), (lk_ssh_public, 16), (lk_ssh_fingerprint, 8), (lk_pem_public_cert, 10),
    (lk_age_pgp_public, 10), (lk_token_word, 26), (lk_password_policy, 18), (lk_placeholder, 36), (lk_uuid, 14),
    (lk_request_id, 16), (lk_base64_words, 12), (lk_camel_identifier, 14), (lk_hashed_path, 20),
    (lk_version_string, 12), (lk_ja_mention, 22), (lk_numbers, 12), (lk_integrity_hash, 10), (lk_public_ids, 16),
    (lk_oauth_public_params, 6), (lk_auth_error_no_value, 12), (lk_masked_secret, 8), (lk_env_var_names, 4),
]


def gen_looks(r):
    out = []
    seen = set()
    for fn, count in LOOK_PLAN:
        kind = fn.__name__[3:]
        for _ in range(count):
            for attempt in range(400):
                t = fn(r)
                if r.random() < 0.25 and not t.startswith(("⏺", "$")) and "\n" not in t:
                    t = "⏺ " + t
                if t not in seen:
                    break
            else:
                raise RuntimeError("could not make a unique " + kind)
            seen.add(t)
            out.append({"kind": kind, "text": t})
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: python3 gen.py SEED OUT.json\n")
        return 2
    seed = argv[1]
    r = random.Random("speakja-creds8:" + seed)
    secrets = gen_secrets(r)
    looks = gen_looks(r)
    assert len(secrets) == 400 and len(looks) == 400, (len(secrets), len(looks))
    for s in secrets:
        assert len(s["secret"]) >= 8 and s["text"].count(s["secret"]) == 1, s
    # no look-alike may contain any generated secret (defensive; values are random)
    for lk in looks:
        for s in secrets:
            assert s["secret"] not in lk["text"]
    r.shuffle(secrets)
    r.shuffle(looks)
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump({"secrets": secrets, "looks": looks}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

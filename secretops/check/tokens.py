"""Provider token formats, written from each provider's documented format (public facts).

Two families:
- PREFIXED: a literal prefix or marker, then a fixed alphabet and length. A rule's regex runs only
  on text that holds one of its markers, found for all rules at once in one pass.
- KEYED: formats with no prefix of their own (a UUID, 32 hex digits) that only count next to the
  provider's name, as in ``HEROKU_API_KEY=…`` or ``okta: {token: …}``.
The secret is always group ``s``.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from secretops.check.patterns import KEY_WORDS
from secretops.util.budget import Recent

# Words every secret-like key holds (patterns.KEY_WORDS), and `widget` (a dashboard widget's API key
# sits under a plain `key:`): where none occurs on a line or near it, no key there names a secret
# (check/delta.py reads changed lines so).
HINT_WORDS = (*KEY_WORDS, "widget")
# What else a content rule needs to find before it can fire, beside the markers and a hinted key
# (patterns.HINTED_KEY): sops metadata, an escape (`kind: "Secr\x65t"`), base64 of `-----BEGIN`
# (tls.key, kubeconfig) and of `AGE-SECRET-KEY-`, a PEM, PuTTY or OpenVPN private key, a secretGenerator; and `kind`
# with `Secret` (both: plaintext-secret's and unscannable's pre-test).
TRIGGERS = ("sops", "\\", "LS0tLS1CRUdJTi", "QUdFLVNFQ1JFVC1LRVkt", "RS1TRUNSRVQtS0VZ", "R0UtU0VDUkVULUtF",
            "PRIVATE KEY", "secretGenerator", "PuTTY-User-Key-File-", "OpenVPN Static key", "userlist.txt")

# Password files known by their names, whose lines hold no marker (`host:5432:db:user:pw`, `"user" "pw"`):
# libpq's `.pgpass` and PgBouncer's `userlist.txt`. A blob at such a path is never quiet.
PASSWORD_FILES = (".pgpass", "pgpass", "userlist.txt")


def password_file(path: str) -> bool:
    """``path`` names a password file (PASSWORD_FILES, or `*.pgpass`)."""
    name = path.rsplit("/", 1)[-1].lower()
    return name in PASSWORD_FILES or name.endswith(".pgpass")


_END = r"(?![A-Za-z0-9_\-])"  # the token ends here: no more token characters follow
_B = r"(?<![A-Za-z0-9_\-])"  # …and none come before it
# Caddy's DNS provider modules whose one argument is the API token
_CADDY_DNS = ("cloudflare", "duckdns", "digitalocean", "hetzner", "vultr", "netlify", "gandi", "dnsimple", "ionos",
              "namesilo", "godaddy")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

PREFIXED: list[tuple[str, tuple[str, ...], str]] = [
    ("AWS access key id", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
     rf"{_B}(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{{16}}){_END}"),
    ("AWS Bedrock API key", ("ABSK",), rf"{_B}(?P<s>ABSK[A-Za-z0-9+/]{{109,269}}={{0,2}})(?![A-Za-z0-9+/=])"),
    ("AWS Bedrock short-term API key", ("bedrock-api-key-",),
     r"(?P<s>bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&_\-]{20,})"),
    ("GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), rf"{_B}(?P<s>gh[pousr]_[A-Za-z0-9]{{36,255}}){_END}"),
    ("GitHub fine-grained token", ("github_pat_",), rf"{_B}(?P<s>github_pat_[A-Za-z0-9_]{{82}}){_END}"),
    ("GitLab token", ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "gloas-", "glimt-",
                      "glagent-", "glffct-", "gltst-", "glwt-", "glsa_"),
     rf"{_B}(?P<s>(?:glpat|gldt|glrt|glptt|glft|glsoat|gloas|glimt|glagent|glffct|gltst|glwt)-[0-9A-Za-z_\-]{{20,300}}"
     rf"(?:\.[0-9a-z]{{2}}\.?[0-9a-z]{{7}})?|glcbt-[0-9A-Za-z]{{1,5}}_[0-9A-Za-z_\-]{{20}}){_END}"),
    ("GitLab runner registration token", ("GR1348941",), r"(?P<s>GR1348941[0-9A-Za-z_\-]{20,})"),
    ("GitLab session cookie", ("_gitlab_session=",), r"_gitlab_session=(?P<s>[0-9a-z]{32})"),
    ("Slack token", ("xox",),
     rf"{_B}(?P<s>xox(?:[abposr]|e(?:\.xox[bp])?)-(?:\d-)?[0-9A-Za-z]{{8,}}(?:-[0-9A-Za-z]{{3,}}){{0,5}}){_END}"),
    ("Slack app token", ("xapp-",), rf"{_B}(?P<s>xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+){_END}"),
    ("Slack webhook", ("hooks.slack.com",),
     r"(?P<s>hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,}(?:/[A-Za-z0-9+/_\-]+)*)"),
    ("Stripe key", ("_live_", "_test_", "_prod_"),
     rf"{_B}(?P<s>(?:sk|rk)_(?:live|test|prod)_[0-9A-Za-z]{{10,99}}){_END}"),
    ("Stripe webhook secret", ("whsec_",), rf"{_B}(?P<s>whsec_[0-9A-Za-z]{{32,}}){_END}"),
    ("Google API key", ("AIza",), rf"{_B}(?P<s>AIza[0-9A-Za-z_\-]{{35}}){_END}"),
    ("Google OAuth client secret", ("GOCSPX-",), rf"{_B}(?P<s>GOCSPX-[0-9A-Za-z_\-]{{28}}){_END}"),
    ("Google OAuth access token", ("ya29.",), rf"{_B}(?P<s>ya29\.[0-9A-Za-z_\-]{{30,}}){_END}"),
    ("npm token", ("npm_",), rf"{_B}(?P<s>npm_[A-Za-z0-9]{{36}}){_END}"),
    ("PyPI token", ("pypi-AgEI",), r"(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})"),
    ("RubyGems token", ("rubygems_",), rf"{_B}(?P<s>rubygems_[a-f0-9]{{48}}){_END}"),
    ("Clojars token", ("CLOJARS_",), rf"(?P<s>CLOJARS_[a-z0-9]{{60}}){_END}"),
    ("NuGet API key", ("oy2",), rf"{_B}(?P<s>oy2[a-z0-9]{{43}}){_END}"),
    ("JSON Web Token", ("eyJ",),
     # (a payload whose first claim starts with a digit, `{"1password.com/…"`, is `eyI…`: base64 of `{"` and a
     # character below `@`)
     rf"{_B}(?P<s>eyJ[A-Za-z0-9_\-]{{10,}}\.ey[IJ][A-Za-z0-9_\-]{{10,}}\.(?:[A-Za-z0-9_\-]{{10,}})?)(?![A-Za-z0-9_\-.])"),
    ("Anthropic API key", ("sk-ant-",), rf"{_B}(?P<s>sk-ant-(?:api03|admin01|oat01|sid01)-[A-Za-z0-9_\-]{{80,120}}){_END}"),
    ("OpenAI API key", ("T3BlbkFJ",), rf"{_B}(?P<s>sk-(?:[a-z]+-)?[A-Za-z0-9_\-]{{20,80}}T3BlbkFJ[A-Za-z0-9_\-]{{20,80}}){_END}"),
    ("OpenAI API key", ("sk-proj-", "sk-svcacct-", "sk-admin-"),
     rf"{_B}(?P<s>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{{80,200}}){_END}"),
    ("Hugging Face token", ("hf_", "api_org_"), rf"{_B}(?P<s>(?:hf_|api_org_)[A-Za-z]{{34}}){_END}"),
    ("Perplexity API key", ("pplx-",), rf"{_B}(?P<s>pplx-[A-Za-z0-9]{{48}}){_END}"),
    ("Groq API key", ("gsk_",), rf"{_B}(?P<s>gsk_[A-Za-z0-9]{{52}}){_END}"),
    ("OpenRouter API key", ("sk-or-v1-",), rf"{_B}(?P<s>sk-or-v1-[a-f0-9]{{64}}){_END}"),
    ("NVIDIA API key", ("nvapi-",), rf"{_B}(?P<s>nvapi-[A-Za-z0-9_\-]{{64}}){_END}"),
    ("LangSmith API key", ("lsv2_",), rf"{_B}(?P<s>lsv2_(?:pt|sk)_[a-f0-9]{{32}}_[a-f0-9]{{10}}){_END}"),
    ("Typeform token", ("tfp_",), rf"{_B}(?P<s>tfp_[a-z0-9_.=\-]{{59}}){_END}"),
    ("Yandex API key", ("AQVN",), rf"{_B}(?P<s>AQVN[A-Za-z0-9_\-]{{35,38}}){_END}"),
    ("42 Intra secret", ("s-s4t2",), rf"{_B}(?P<s>s-s4t2(?:ud|af)-[a-f0-9]{{64}}){_END}"),
    ("SettleMint token", ("sm_pat_", "sm_aat_", "sm_sat_"), rf"{_B}(?P<s>sm_(?:pat|aat|sat)_[A-Za-z0-9]{{16}}){_END}"),
    ("xAI API key", ("xai-",), rf"{_B}(?P<s>xai-[A-Za-z0-9]{{80}}){_END}"),
    ("Replicate API token", ("r8_",), rf"{_B}(?P<s>r8_[A-Za-z0-9]{{37}}){_END}"),
    ("Heroku API key", ("HRKU-",), rf"{_B}(?P<s>HRKU-[0-9A-Za-z_\-]{{60}}){_END}"),
    ("Square token", ("EAAA", "sq0atp-", "sq0csp-"),
     rf"{_B}(?P<s>EAAA[A-Za-z0-9_\-]{{60}}|sq0atp-[A-Za-z0-9_\-]{{22}}|sq0csp-[A-Za-z0-9_\-]{{43}}){_END}"),
    ("Azure AD client secret", ("Q~",), r"(?<![A-Za-z0-9_~.\-])(?P<s>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})"
     r"(?![A-Za-z0-9_~.\-])"),
    ("Azure storage connection string", ("AccountKey=",),
     r"(?P<s>AccountName=[^;\s]+;AccountKey=[A-Za-z0-9+/]{40,}={0,2})"),
    ("Azure SAS token", ("sig=",), r"[?&]sv=\d{4}-\d\d-\d\d[^\s\"']*?&sig=(?P<s>[A-Za-z0-9%+/]{30,}={0,2})"),
    ("Twilio API key", ("SK",), rf"{_B}(?P<s>SK[0-9a-f]{{32}}){_END}"),
    ("SendGrid API key", ("SG.",), rf"{_B}(?P<s>SG\.[A-Za-z0-9_\-]{{22}}\.[A-Za-z0-9_\-]{{43}}){_END}"),
    ("Brevo (Sendinblue) API key", ("xkeysib-",), rf"{_B}(?P<s>xkeysib-[a-f0-9]{{64}}-[A-Za-z0-9]{{16}}){_END}"),
    # (`pubkey-…` is Mailgun's public validation key: `key-` begins the private one, after no letter)
    ("Mailgun key", ("key-",), rf"(?i:mailgun)[\s\S]{{0,40}}?(?<![A-Za-z0-9])(?P<s>key-[a-f0-9]{{32}}){_END}"),
    ("DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"), rf"{_B}(?P<s>do[por]_v1_[a-f0-9]{{64}}){_END}"),
    ("Shopify token", ("shpat_", "shpca_", "shppa_", "shpss_"), rf"{_B}(?P<s>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{{32}}){_END}"),
    ("Atlassian API token", ("ATATT3",), rf"{_B}(?P<s>ATATT3[A-Za-z0-9_\-=]{{186}}){_END}"),
    ("Databricks token", ("dapi",), rf"{_B}(?P<s>dapi[a-f0-9]{{32}}(?:-\d)?){_END}"),
    ("Doppler token", ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct."),  # service tokens may name their config
     rf"{_B}(?P<s>dp\.(?:pt|st|sa|ct)\.(?:[a-z0-9_\-]{{2,35}}\.)?[A-Za-z0-9]{{40,44}}){_END}"),
    ("Dynatrace token", ("dt0c01.",), rf"{_B}(?P<s>dt0c01\.[A-Za-z0-9]{{24}}\.[A-Za-z0-9]{{64}}){_END}"),
    ("Linear API key", ("lin_api_", "lin_oauth_"), rf"{_B}(?P<s>lin_api_[A-Za-z0-9]{{40}}|lin_oauth_[a-f0-9]{{64}}){_END}"),
    ("Postman API key", ("PMAK-",), rf"{_B}(?P<s>PMAK-[a-fA-F0-9]{{24}}-[a-fA-F0-9]{{34}}){_END}"),
    ("Pulumi token", ("pul-",), rf"{_B}(?P<s>pul-[a-f0-9]{{40}}){_END}"),
    ("Grafana token", ("glc_", "glsa_", "eyJrIjoi"),
     rf"{_B}(?P<s>glc_[A-Za-z0-9+/]{{32,400}}={{0,3}}|glsa_[A-Za-z0-9]{{32}}_[A-Fa-f0-9]{{8}}|eyJrIjoi[A-Za-z0-9]{{60,400}}={{0,3}}){_END}"),
    ("New Relic key", ("NRAK-", "NRII-", "NRJS-"), rf"{_B}(?P<s>NRAK-[A-Z0-9]{{27}}|NRII-[A-Za-z0-9\-]{{32}}|NRJS-[a-f0-9]{{19}}){_END}"),
    ("Sentry token", ("sntrys_", "sntryu_"), rf"{_B}(?P<s>sntryu_[a-f0-9]{{64}}|sntrys_eyJ[A-Za-z0-9+/=_]{{60,}}){_END}"),
    ("Terraform Cloud token", (".atlasv1.",), rf"{_B}(?P<s>[A-Za-z0-9]{{14}}\.atlasv1\.[A-Za-z0-9_\-=]{{60,70}}){_END}"),
    ("Vault token", ("hvs.", "hvb."), rf"{_B}(?P<s>hv[sb]\.[A-Za-z0-9_\-]{{90,300}}){_END}"),
    ("1Password service account token", ("ops_eyJ",), r"(?P<s>ops_eyJ[A-Za-z0-9+/]{250,}={0,3})"),
    ("Cloudflare origin CA key", ("v1.0-",), rf"{_B}(?P<s>v1\.0-[a-f0-9]{{24}}-[a-f0-9]{{146}}){_END}"),
    ("Docker Hub token", ("dckr_pat_", "dckr_oat_"), rf"{_B}(?P<s>dckr_(?:pat|oat)_[A-Za-z0-9_\-]{{27,}}){_END}"),
    ("Tailscale key", ("tskey-",), rf"{_B}(?P<s>tskey-(?:api|auth|client|webhook|scim)-[A-Za-z0-9]{{10,}}-[A-Za-z0-9]{{20,}}){_END}"),
    ("Fly.io token", ("fo1_", "fm1a_", "fm1r_", "fm2_"),
     rf"{_B}(?P<s>fo1_[A-Za-z0-9_\-]{{43}}|fm[12][ar]?_[A-Za-z0-9+/]{{100,}}={{0,3}})"),
    ("Supabase token", ("sbp_",), rf"{_B}(?P<s>sbp_[a-f0-9]{{40}}){_END}"),
    # Supabase's API keys of 2025: `sb_secret_…` (server side; `sb_publishable_…` is public by design)
    ("Supabase secret key", ("sb_secret_",), rf"{_B}(?P<s>sb_secret_[A-Za-z0-9_\-]{{20,100}}){_END}"),
    ("Contentful personal access token", ("CFPAT-",), rf"{_B}(?P<s>CFPAT-[A-Za-z0-9_\-]{{43}}){_END}"),
    ("CircleCI token", ("CCIPAT_", "CCIPRJ_"), rf"{_B}(?P<s>CCIP(?:AT|RJ)_[A-Za-z0-9]{{22}}_[a-f0-9]{{40}}){_END}"),
    ("Private Packagist token", ("packagist_",), rf"{_B}(?P<s>packagist_[ou][ru]t_[a-f0-9]{{68}}){_END}"),
    # Dropbox's short-lived access tokens of 2024 (`sl.u.…`; the older `sl.…` only beside `dropbox`: KEYED)
    ("Dropbox access token", ("sl.u.",), rf"{_B}(?P<s>sl\.u\.[A-Za-z0-9_\-]{{100,}}){_END}"),
    # a 1Password account's Secret Key (`A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX`: 34 letters and digits)
    ("1Password secret key", ("A3-",),
     rf"{_B}(?P<s>A3-[A-Z0-9]{{6}}-(?:[A-Z0-9]{{11}}|[A-Z0-9]{{6}}-[A-Z0-9]{{5}})-[A-Z0-9]{{5}}-[A-Z0-9]{{5}}-[A-Z0-9]{{5}}){_END}"),
    ("Bitbucket app password", ("ATBB",), rf"{_B}(?P<s>ATBB[A-Za-z0-9_=.\-]{{32}}){_END}"),
    # Firebase Cloud Messaging's legacy server key: `AAAA` + 7, `:APA91b` + 134
    ("Firebase Cloud Messaging server key", (":APA91b",),
     rf"{_B}(?P<s>AAAA[A-Za-z0-9_\-]{{7}}:APA91b[A-Za-z0-9_\-]{{134}}){_END}"),
    # Plex's X-Plex-Token, in a URL's query or a header (20 characters)
    ("Plex token", ("X-Plex-Token", "x-plex-token"),
     r"(?i:x-plex-token)[\"']?[ \t]*[=:][ \t]*[\"']?(?P<s>[A-Za-z0-9_\-]{20})(?![A-Za-z0-9_\-])"),
    ("PlanetScale token", ("pscale_",), rf"{_B}(?P<s>pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.\-]{{32,64}}){_END}"),
    ("Prefect token", ("pnu_",), rf"{_B}(?P<s>pnu_[A-Za-z0-9]{{36}}){_END}"),
    ("ReadMe token", ("rdme_",), rf"{_B}(?P<s>rdme_[a-z0-9]{{70}}){_END}"),
    ("Notion token", ("ntn_", "secret_"), rf"{_B}(?P<s>ntn_[0-9]{{11}}[A-Za-z0-9]{{35}}|secret_[A-Za-z0-9]{{43}}){_END}"),
    ("Infracost token", ("ico-",), rf"{_B}(?P<s>ico-[A-Za-z0-9]{{32}}){_END}"),
    ("Octopus Deploy key", ("API-",), rf"{_B}(?P<s>API-[A-Z0-9]{{26}}){_END}"),
    ("OpenShift token", ("sha256~",), rf"{_B}(?P<s>sha256~[A-Za-z0-9_\-]{{43}}){_END}"),
    ("Sourcegraph token", ("sgp_",), rf"{_B}(?P<s>sgp_(?:[a-fA-F0-9]{{16}}_|local_)?[a-fA-F0-9]{{40}}){_END}"),
    ("Artifactory token", ("AKCp", "cmVmdGtu"), rf"{_B}(?P<s>AKCp[A-Za-z0-9]{{69}}|cmVmdGtu[A-Za-z0-9]{{56}}){_END}"),
    ("Shippo token", ("shippo_",), rf"{_B}(?P<s>shippo_(?:live|test)_[a-fA-F0-9]{{40}}){_END}"),
    ("Duffel token", ("duffel_",), rf"{_B}(?P<s>duffel_(?:test|live)_[A-Za-z0-9_\-=]{{43}}){_END}"),
    ("EasyPost key", ("EZAK", "EZTK"), rf"{_B}(?P<s>EZ[AT]K[A-Za-z0-9]{{54}}){_END}"),
    ("Frame.io token", ("fio-u-",), rf"{_B}(?P<s>fio-u-[A-Za-z0-9_\-=]{{64}}){_END}"),
    ("Flutterwave key", ("FLWSECK", "FLWPUBK"), r"(?P<s>FLW(?:SECK|PUBK)_TEST-[a-hA-H0-9]{12,32}(?:-X)?)"),
    ("Buildkite token", ("bkua_",), rf"{_B}(?P<s>bkua_[a-f0-9]{{40}}){_END}"),
    ("Figma token", ("figd_",), rf"{_B}(?P<s>figd_[A-Za-z0-9_\-]{{40}}){_END}"),
    ("Netlify token", ("nfp_",), rf"{_B}(?P<s>nfp_[A-Za-z0-9]{{36}}){_END}"),
    ("Render API key", ("rnd_",), rf"{_B}(?P<s>rnd_[A-Za-z0-9]{{32}}){_END}"),
    ("Pinecone API key", ("pcsk_",), rf"{_B}(?P<s>pcsk_[A-Za-z0-9_]{{40,}}){_END}"),
    ("Scalingo token", ("tk-us-",), rf"{_B}(?P<s>tk-us-[A-Za-z0-9_\-]{{48}}){_END}"),
    ("Alibaba access key id", ("LTAI",), rf"{_B}(?P<s>LTAI[A-Za-z0-9]{{20}}){_END}"),
    ("Adobe client secret", ("p8e-",), rf"{_B}(?P<s>p8e-[A-Za-z0-9]{{32}}){_END}"),
    ("Airtable token", ("pat",), rf"{_B}(?P<s>pat[A-Za-z0-9]{{14}}\.[a-f0-9]{{64}}){_END}"),
    ("Microsoft Teams webhook", ("webhook.office.com",),
     r"(?P<s>https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9\-@]{40,}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36})"),
    ("Discord webhook", ("discord.com/api/webhooks", "discordapp.com/api/webhooks"),
     r"(?P<s>discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,})"),
    ("Telegram bot token", (":AA",), rf"{_B}(?P<s>\d{{8,10}}:AA[A-Za-z0-9_\-]{{33}}){_END}"),
    ("Facebook access token", ("EAAC", "EAAM"), rf"{_B}(?P<s>EAA[CM][A-Za-z0-9]{{100,}}){_END}"),
    ("Mapbox secret token", ("sk.eyJ",), rf"{_B}(?P<s>sk\.eyJ[A-Za-z0-9_\-]{{50,}}\.[A-Za-z0-9_\-]{{20,}}){_END}"),
    ("Plaid access token", ("access-sandbox-", "access-development-", "access-production-"),
     rf"(?P<s>access-(?:sandbox|development|production)-{_UUID})"),
    ("PayPal Braintree token", ("access_token$",), r"(?P<s>access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})"),
    ("MaxMind license key", ("_mmk",), rf"{_B}(?P<s>[A-Za-z0-9]{{6}}_[A-Za-z0-9]{{29}}_mmk){_END}"),
    ("ClickHouse Cloud secret", ("4b1d",), rf"{_B}(?P<s>4b1d[A-Za-z0-9]{{38}}){_END}"),
    ("Harness API key", ("pat.", "sat."), rf"{_B}(?P<s>[ps]at\.[A-Za-z0-9_\-]{{22}}\.[A-Za-z0-9]{{24}}\.[A-Za-z0-9]{{20}}){_END}"),
    ("age private key", ("AGE-SECRET-KEY-",), r"(?P<s>AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{58,})"),
    ("Pushover token", ("pover://", "pushover://"),  # Apprise's URL: pover://{user key}@{app token}
     r"(?P<s>p(?:ush)?over://[A-Za-z0-9]{30}@[A-Za-z0-9]{30})(?![A-Za-z0-9])"),
    # redis.conf and redis-server's flags: `requirepass <password>` (often in a ConfigMap's redis.conf)
    ("Redis password", ("requirepass", "masterauth"),
     r"(?m)(?:^[ \t]*|--)(?:requirepass|masterauth)[ \t]+[\"']?(?P<s>[^\s\"'#`]{4,128})"),  # (`: Markdown's code)
    # HAProxy's `stats auth <user>:<password>` and a userlist's `user <name> insecure-password <password>`
    ("HAProxy password", ("stats auth", "insecure-password"),
     r"(?m)^[ \t]*stats[ \t]+auth[ \t]+[^\s:]+:(?P<s>\S{3,128})|\binsecure-password[ \t]+(?P<s2>\S{3,128})"),
    # Redis ACL rules (users.acl, `ACL SETUSER`): `>password` adds a password in plaintext (`#<sha256>` a hash)
    ("Redis ACL password", (" on >", "SETUSER", "setuser"),
     r"(?mi)^[ \t]*(?:acl[ \t]+setuser|user)[ \t]+[^\s>]+[ \t]+(?:[^\n>]*?[ \t])?>(?P<s>\S{3,128})"),
    # npm's registry credentials in .npmrc: `_auth` (base64 of user:password) and `_password` (base64)
    ("npm registry credentials", ("_auth=", "_auth =", "_password=", "_password ="),
     r"(?m)(?:^|:)[ \t]*_(?:auth|password)[ \t]*=[ \t]*[\"']?(?P<s>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"),
    # Caddy's DNS providers take their API token as the one argument (`tls { dns cloudflare <token> }`)
    ("Caddy DNS provider token", tuple(f"dns {name}" for name in _CADDY_DNS),
     r"(?m)^[ \t]*dns[ \t]+(?:" + "|".join(_CADDY_DNS) + r")[ \t]+(?P<s>[^\s{}\"']{16,256})[ \t]*\r?$"),
    # a .netrc entry (`machine h login u password p`, on one line or several)
    ("netrc password", ("machine ", "machine\t"),
     r"(?m)^[ \t]*machine[ \t]+\S+(?:\s+(?:login|account|port)[ \t]+\S+)*\s+password[ \t]+(?P<s>\S{3,128})"),
    # ADO.NET / ODBC / JDBC and libpq keyword connection strings: `Server=db;User Id=app;Password=…;`,
    # `host=db user=app password=…`
    ("Connection string password", ("Password=", "password=", "PASSWORD=", "Pwd=", "pwd=", "PWD="),
     r"(?i)\b(?:server|data source|host|hostname|address|database|initial catalog|dbname|user id|uid|user|username)"
     r"[ \t]*=[ \t]*[^;\s\"']+(?:[ \t]*;[ \t]*|[ \t]+)(?:[a-z][\w ]{0,20}?[ \t]*=[ \t]*[^;\s\"']*(?:[ \t]*;[ \t]*|[ \t]+))"
     r"{0,10}?(?:password|pwd)[ \t]*=[ \t]*(?P<s>[^;\s\"'\\`]{3,128})"),  # (`\n` ends it in code, ` in Markdown)
    # Honeycomb's ingest keys (`hcaik_…`, `hcxik_…`) and classic ingest keys (`hcaic_…`, `hcxic_…`)
    ("Honeycomb key", ("hcaik_", "hcxik_", "hcaic_", "hcxic_"), rf"{_B}(?P<s>hc[a-z]i[kc]_[a-z0-9]{{20,100}}){_END}"),
    # Proxmox VE API tokens: `USER@REALM!TOKENID=UUID` (and the header's `PVEAPIToken=` before it)
    ("Proxmox API token", ("@pam!", "@pve!", "PVEAPIToken="),
     rf"(?P<s>[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-]+![A-Za-z0-9_.\-]+[=:]{_UUID}){_END}"),
    # An HTTP Authorization header with its credentials, wherever it is written (a curl line continued
    # with `\`, nginx's `proxy_set_header`, a client's `headers:`): Basic only when it decodes to user:pass
    ("HTTP Authorization header", ("Authorization", "authorization", "AUTHORIZATION"),
     r"(?i:authorization)[\"']?[ \t]*[:=]?[ \t]*[\"']?[ \t]*(?:(?i:bearer|token)[ \t]+"
     r"(?P<s>[A-Za-z0-9._~+/\-]{16,1000}={0,2})(?![A-Za-z0-9._~+/=\-])"
     r"|(?i:basic)[ \t]+(?P<s2>[A-Za-z0-9+/]{8,1000}={0,2})(?![A-Za-z0-9+/=]))"),
    # SQL that sets a password (init scripts in a ConfigMap): PostgreSQL's `CREATE|ALTER USER|ROLE … PASSWORD '…'`,
    # MySQL's `IDENTIFIED [WITH plugin] BY '…'`
    ("SQL password", ("PASSWORD '", "password '", "IDENTIFIED", "identified"),
     r"(?i)\b(?:(?:CREATE|ALTER)[ \t]+(?:USER|ROLE)\b[^;\n]{0,200}?\bPASSWORD|IDENTIFIED(?:[ \t]+WITH[ \t]+\w+)?"
     r"[ \t]+BY)[ \t]+'(?P<s>[^'\s]{3,128})'"),
    ("Docker registry auth", ('"auth"',), r"\"auth\"\s*:\s*\"(?P<s>[A-Za-z0-9+/]{12,}={0,2})\""),
    ("Docker config (.dockerconfigjson)", (".dockerconfigjson",),
     r"\.dockerconfigjson[\"']?[ \t]*:[ \t]*[\"']?(?P<s>[A-Za-z0-9+/]{20,}={0,2})"),
    # (the user may be empty: `redis://:password@host`, as Redis and libpq take it)
    ("URL with a password", ("://",),
     r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:/@\"'<>]{0,64}:(?P<s>[^\s:/@\"'$%{}<>]{3,128})@[\w.\-]+"),
    # a password in a URL's query: JDBC's `jdbc:postgresql://db/app?user=app&password=…`, MySQL's and
    # SQL Server's drivers, ODBC and many HTTP APIs
    ("URL query password", ("?password=", "&password=", "?Password=", "&Password=", "?passwd=", "&passwd="),
     r"[?&](?i:password|passwd)=(?P<s>[^&\s\"'#<>;\\`]{3,128})"),
    # GitLab's API token header (`curl --header "PRIVATE-TOKEN: …"`, its documented form), any token
    # generation: the legacy 20 characters carry no prefix
    ("GitLab PRIVATE-TOKEN header", ("PRIVATE-TOKEN",),
     r"PRIVATE-TOKEN[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[A-Za-z0-9_\-]{20,64})(?![A-Za-z0-9_\-])"),
    # an API key or access token in a URL's query (`…/cloudwatch?apiKey=…`, OAuth's `?access_token=…`):
    # only a value shaped like a generated one counts (`?apiKey=test` is a docs' example)
    ("URL query API key", ("?apiKey=", "&apiKey=", "?apikey=", "&apikey=", "?api_key=", "&api_key=",
                           "?access_token=", "&access_token="),
     r"[?&](?:apiKey|apikey|api_key|access_token)=(?P<s>[^&\s\"'#<>;\\`]{12,256})"),
    ("curl credentials", ("curl",),
     r"curl\b[^\n]*?\s(?:-u|--user)[ =]['\"]?[^\s:'\"]{1,64}:(?P<s>[^\s'\"]{3,128})|curl\b[^\n]*?-H[ =]?['\"]"
     r"Authorization:\s*(?:Bearer|Basic|Token)\s+(?P<s2>[A-Za-z0-9._~+/=\-]{8,})"),
]

# (kind, provider keywords (lowercase), the value's alphabet and length).
KEYED: list[tuple[str, tuple[str, ...], str]] = [
    ("AWS secret access key", ("aws", "secret_access_key", "secretaccesskey", "secret-access-key"),
     r"[A-Za-z0-9/+]{40}"),
    ("Heroku API key", ("heroku",), _UUID),
    ("Okta token", ("okta",), r"00[A-Za-z0-9=_\-]{40}"),
    ("Snyk token", ("snyk",), _UUID),
    ("Datadog key", ("datadog", "dd_api_key", "dd_app_key", "dd-api-key"), r"[a-f0-9]{32}|[a-f0-9]{40}"),
    ("Cloudflare API key", ("cloudflare", "cf_api"), r"[A-Za-z0-9_\-]{40}|[a-f0-9]{37}"),
    ("Mailchimp API key", ("mailchimp",), r"[a-f0-9]{32}-us\d{1,2}"),
    ("Discord token", ("discord",), r"[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}|[a-f0-9]{64}"),
    ("Azure DevOps token", ("azure_devops", "azure-devops", "azdo", "ado_pat", "system_accesstoken"),
     r"[a-z2-7]{52}|[A-Za-z0-9]{84}"),
    ("Azure key", ("azure", "az_"), r"[A-Za-z0-9+/]{86}==|[a-f0-9]{32}"),
    ("Twilio auth token", ("twilio",), r"[a-f0-9]{32}"),
    ("Algolia key", ("algolia",), r"[a-f0-9]{32}"),
    ("Bitbucket secret", ("bitbucket",), r"[A-Za-z0-9=_\-]{64}|[A-Za-z0-9]{32}"),
    ("Confluent secret", ("confluent",), r"[A-Za-z0-9+/]{64}"),
    ("Contentful token", ("contentful",), r"[A-Za-z0-9=_\-]{43}"),
    ("Fastly token", ("fastly",), r"[A-Za-z0-9=_\-]{32}"),
    ("LaunchDarkly key", ("launchdarkly",), r"(?:api|sdk|mob)-" + _UUID + r"|[A-Za-z0-9=_\-]{40}"),
    ("Sentry token", ("sentry",), r"[a-f0-9]{64}"),
    ("SonarQube token", ("sonar",), r"(?:squ_|sqp_|sqa_)?[a-f0-9]{40}"),
    ("Sumo Logic key", ("sumo",), r"[A-Za-z0-9]{64}"),
    ("Terraform token", ("tfe_token", "tfc_token", "atlas_token"), r"[A-Za-z0-9.\-_]{60,100}"),
    ("Twitter secret", ("twitter",), r"[A-Za-z0-9]{45,50}|A{22}[A-Za-z0-9%]{80,100}"),
    ("Zendesk token", ("zendesk",), r"[A-Za-z0-9]{40}"),
    ("Telegram bot token", ("telegram",), r"\d{5,16}:A[A-Za-z0-9_\-]{34}"),
    ("Intercom token", ("intercom",), r"[A-Za-z0-9=_\-]{60}"),
    ("PagerDuty key", ("pagerduty",), r"[A-Za-z0-9_+\-]{20}|[a-f0-9]{32}"),
    ("HubSpot key", ("hubspot",), _UUID + r"|pat-(?:na|eu)1-" + _UUID),
    ("CircleCI token", ("circleci", "circle_token"), r"(?:CCIPAT_)?[A-Za-z0-9_]{40,}"),
    ("Codecov token", ("codecov",), _UUID + r"|[a-f0-9]{32}"),
    ("Mattermost token", ("mattermost",), r"[a-z0-9]{26}"),
    ("Dropbox token", ("dropbox",), r"sl\.[A-Za-z0-9_\-=]{130,}|[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_\-=]{43}"),
    ("Kraken key", ("kraken",), r"[A-Za-z0-9/=_+\-]{80,90}"),
    ("Cohere key", ("cohere", "co_api_key"), r"[A-Za-z0-9]{40}"),
    ("Mistral key", ("mistral",), r"[A-Za-z0-9]{32}"),
    ("DeepSeek key", ("deepseek",), r"sk-[a-f0-9]{32}"),
    ("Vercel token", ("vercel",), r"[A-Za-z0-9]{24}"),
    ("Elastic key", ("elastic",), r"[A-Za-z0-9_\-]{20,}==?|essu_[A-Za-z0-9]{40,}"),
    ("Auth0 secret", ("auth0",), r"[A-Za-z0-9_\-]{64}"),
    ("Jira/Confluence token", ("jira", "confluence", "atlassian"), r"[A-Za-z0-9]{24}"),
    ("JFrog key", ("jfrog", "artifactory"), r"[A-Za-z0-9]{64}|[A-Za-z0-9]{73}"),
    ("Hetzner Cloud token", ("hcloud", "hetzner"), r"[A-Za-z0-9]{64}"),
    ("Pushover token", ("pushover",), r"[A-Za-z0-9]{30}"),
    ("Honeycomb key", ("honeycomb",), r"[a-f0-9]{32}|[A-Za-z0-9]{22}"),  # classic keys (`x-honeycomb-team: …`)
]

_ASSIGN = r"[\w.\-]{0,30}[\"']?[ \t]*(?:=|:|:=|=>)[ \t]*[\"'`]?"


@functools.cache
def _finder() -> tuple[dict[str, list[int]], dict[str, list[int]], Any, Any]:
    """Two RE2 patterns that find every rule's markers in one linear pass each (Python's `re` is
    about 30x slower on an alternation of this size): prefixes as written, provider names in any case."""
    from secretops.sops import regex

    by_marker: dict[str, list[int]] = {}
    for index, (_kind, markers, _rx) in enumerate(PREFIXED):
        for marker in markers:
            by_marker.setdefault(marker, []).append(index)
    by_word: dict[str, list[int]] = {}
    for index, (_kind, words, _value) in enumerate(KEYED):
        for word in words:
            by_word.setdefault(word, []).append(index)

    def alternation(words: dict[str, list[int]]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    return (by_marker, by_word, regex.compile(alternation(by_marker)),
            regex.compile("(?i)" + alternation(by_word)))


@functools.cache
def _prefixed(index: int) -> tuple[str, re.Pattern[str]]:
    kind, _markers, regex = PREFIXED[index]
    return kind, re.compile(regex)


@functools.cache
def _keyed(index: int) -> tuple[str, re.Pattern[str]]:
    kind, keywords, value = KEYED[index]
    words = "|".join(re.escape(k) for k in keywords)
    return kind, re.compile(rf"(?i:{words}){_ASSIGN}(?P<s>{value})(?![A-Za-z0-9_\-+/=])")


# Rules whose markers are common words (`pat` in `pattern`, `://` in every URL): in a large text
# the selector looks for the start of their token instead, a bounded piece of the rule's own pattern
# (every match of the rule holds a match of it).
_SHAPES = {
    "Airtable token": r"pat[A-Za-z0-9]{14}\.",
    "1Password secret key": r"A3-[A-Z0-9]{6}-",  # (`SHA3-256`)
    "Bitbucket app password": r"ATBB[A-Za-z0-9_=.\-]{32}",  # (four letters a base64 run may hold)
    "Notion token": r"ntn_[0-9]{11}|secret_[A-Za-z0-9]{43}",
    "Twilio API key": r"SK[0-9a-f]{32}",
    "URL with a password": r"://[^\s:/@\"'<>]{0,64}:[^\s:/@\"'$%{}<>]{3,128}@",
    "netrc password": r"machine[ \t]+\S+\s+(?:(?:login|account|port)[ \t]+\S+\s+)*password[ \t]",
}
# Rules whose markers are common but whose matches hold a narrower piece: selected where a marker
# and that piece both occur (each match of the rule holds the piece, so the rule is never left out).
_NARROWED = {
    "Connection string password": r"(?i)(?:password|pwd)[ \t]*=[ \t]*[^;\s\"'\\`]{3}",
    "curl credentials": r"curl[^\n]*(?:[\s\pZ](?:-u|--user)[ =]|-H[ =]?['\"]Authorization:)",
}


class _Entry(NamedTuple):
    pattern: str
    prefixed: tuple[int, ...] = ()
    keyed: tuple[int, ...] = ()
    narrows: bool = False  # a piece that must occur beside the rule's marker (_NARROWED, KEYED)


@functools.cache
def _selector() -> tuple[Any, list[_Entry]]:
    """Every marker (and shape) in one RE2::Set: one linear pass over a large text names the rules
    worth running there, however often a marker occurs (RE2's findall costs a Python call a match).
    A provider-named (KEYED) rule is selected where its whole pattern, loosened, occurs: its words
    alone are in many manifests (`aws`, `azure`), its keyed value in few. The last pattern, the end
    of the text, proves that the pass was whole: RE2 gives no match at all when its DFA runs out of
    memory, and then the markers are searched as for other texts."""
    import re2

    by_marker, by_word, _markers, _words = _finder()
    shaped = {i for i, (kind, _m, _rx) in enumerate(PREFIXED) if kind in _SHAPES}
    entries: list[_Entry] = []
    for marker, rules in by_marker.items():
        if [i for i in rules if i not in shaped]:
            entries.append(_Entry(re.escape(marker), tuple(i for i in rules if i not in shaped)))
    entries += [_Entry(_SHAPES[PREFIXED[i][0]], (i,)) for i in sorted(shaped)]
    entries += [_Entry(loosened(_NARROWED[kind]), (i,), (), True) for i, (kind, _m, _rx) in enumerate(PREFIXED)
                if kind in _NARROWED]
    words = "|".join(re.escape(word) for word in by_word)
    entries += [_Entry(f"(?i:{words})", (), tuple(range(len(KEYED))))]
    entries += [_Entry(_keyed_piece(i), (), (i,), True) for i in range(len(KEYED))]
    from secretops.check.patterns import LETTER_ESCAPE, PATCH_OP, hinted_key_pattern

    triggers = [re.escape(t) for t in TRIGGERS if t != "\\"] + [LETTER_ESCAPE]
    entries.append(_Entry("|".join(triggers)))  # the other rules' needs (an escape: where it spells a letter)
    entries.append(_Entry("Secret"))  # _SECRET: with `kind`, a document may be a Secret
    entries.append(_Entry("kind"))  # _KIND
    entries.append(_Entry(hinted_key_pattern() + "|(?i:widget)|secretGenerator|" + PATCH_OP))  # _HINTED
    entries.append(_Entry("(?i)" + "|".join(map(re.escape, HINT_WORDS)) + r"|\\"))  # _WORDS: a word of one, or `\`
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    selector = re2.Set.SearchSet(options)
    for entry in entries:
        selector.Add(entry.pattern)
    selector.Add(r"\z")
    selector.Compile()
    return selector, entries


# The last entries of the selector, counted from its end (the end of the text is -0: len(entries)).
_TRIGGERS, _SECRET, _KIND, _HINTED, _WORDS = 5, 4, 3, 2, 1


class _Selection(NamedTuple):
    prefixed: list[int]
    keyed: list[int]
    hinted: bool  # a key that names a secret (patterns.HINTED_KEY), a widget or a secretGenerator
    triggered: bool  # a trigger of another rule (TRIGGERS, or an escape that spells a letter)
    kind_secret: bool  # `kind` and `Secret` occur (rules_content.might_hold_a_secret decides what they are)
    no_words: bool  # no marker, provider name, hint word or `\` either (`Secret` holds a word; `kind` alone is none)

    @property
    def reach(self) -> str:
        """What may fire, `kind` and `Secret` aside: "" nothing; "keyed" only the credential rule's reading
        of keys that name secrets (no marker, piece nor trigger); "all"."""
        if self.prefixed or self.keyed or self.triggered:
            return "all"
        return "keyed" if self.hinted else ""

    @property
    def quiet(self) -> bool:
        """No rule can fire: no rule's marker (and piece), trigger, hinted key, nor `kind` with `Secret`."""
        return not self.reach and not self.kind_secret


@functools.lru_cache(maxsize=1)  # the blob's quiet test and its credential rule share the one pass
def _select(text: str) -> _Selection | None:
    return _selected(text)


def _selected(text: str | bytes) -> _Selection | None:
    """The selector's pass over ``text``, as RE2 reads it: its UTF-8 bytes. A large text's is kept:
    a version is asked of more than once (its quiet test; again when its change is not proved harmless
    and it is checked in full, after the rest of its batch; by the credential rule, as text encoded to
    the same bytes). Hashing and comparing its bytes costs a fraction of a pass."""
    from secretops.check.patterns import utf8

    data = text if isinstance(text, bytes) else utf8(text)
    if len(data) < _KEEP_FROM:
        return _selected_bytes(data)
    kept = _KEPT.get(data)
    if kept is None:
        kept = (_selected_bytes(data),)
        _KEPT.put(data, kept)
    return kept[0]


_KEEP_FROM = 16 << 10  # bytes
_KEPT: Recent[bytes, tuple[_Selection | None]] = Recent(48 << 20, lambda data, _kept: len(data))


# sops's ciphertext, and the age armor of its data keys, written as sops writes them (base64, padded
# only at its end): random text, on which RE2's automaton builds a new state at nearly every byte (~70 us
# a KB, against ~1 us a KB of YAML). No rule's match can lie in it, nor start or end there: a marker in
# it is masked (check/mask.py), a provider's name meets no `:` in it, nor an `=` but its padding, which
# `,` or a line break follows; `]`, `,` and `-----END` end every token. The selector passes over it;
# the rules still read the whole text.
_B64 = rb"[A-Za-z0-9+/]*={0,2}"
_CIPHERTEXT_PATTERN = (rb"(?<=ENC\[AES256_GCM,)data:" + _B64 + rb",iv:" + _B64 + rb",tag:" + _B64 +
                       rb",type:[a-z]{1,8}(?=\])|(?<=-----BEGIN AGE ENCRYPTED FILE-----)"
                       rb"(?:\r?\n[ \t]*" + _B64 + rb")+(?=\r?\n[ \t]*-----END AGE ENCRYPTED FILE-----)")
_CIPHERTEXT: re.Pattern[bytes] | None = None  # compiled on first use: a large scan's (the hook never asks)


def _ciphertext() -> re.Pattern[bytes]:
    global _CIPHERTEXT
    if _CIPHERTEXT is None:
        _CIPHERTEXT = re.compile(_CIPHERTEXT_PATTERN)
    return _CIPHERTEXT


def _selected_bytes(data: bytes) -> _Selection | None:
    selector, entries = _selector()
    if b"ENC[AES256_GCM," in data or b"-----BEGIN AGE ENCRYPTED FILE-----" in data:
        data = _ciphertext().sub(b"", data)
    hits = selector.Match(data) or []
    end = len(entries)
    if end not in hits:
        return None  # the pass did not reach the end
    marked: set[int] = set()
    narrowed_p: set[int] = set()
    named: set[int] = set()
    narrowed_k: set[int] = set()
    for hit in hits:
        if hit < end:
            entry = entries[hit]
            (narrowed_p if entry.narrows else marked).update(entry.prefixed)
            (narrowed_k if entry.narrows else named).update(entry.keyed)
    prefixed = sorted(i for i in marked if i not in _narrowed_prefixed() or i in narrowed_p)
    keyed = sorted(named & narrowed_k)
    return _Selection(prefixed, keyed, end - _HINTED in hits, end - _TRIGGERS in hits,
                      end - _SECRET in hits and end - _KIND in hits, {end, end - _KIND}.issuperset(hits))


def _keyed_piece(index: int) -> str:
    """What every match of a KEYED rule holds, for RE2: its words, a key's rest and an assignment, then
    its value. The key's rest is any run of non-spaces (RE2's `\\S` takes every non-ASCII character),
    unbounded: a bounded run of Unicode word characters, 45 times over, is more than RE2's memory for a
    set (every match of `[\\w.\\-]{0,30}` is one of `\\S*`)."""
    _kind, words, value = KEYED[index]
    assign = _ASSIGN.replace(r"[\w.\-]{0,30}", r"\S*")
    return f"(?i:{'|'.join(re.escape(w) for w in words)}){assign}(?:{loosened(value)})"


@functools.cache
def _narrowed_prefixed() -> frozenset[int]:
    return frozenset(i for i, (kind, _m, _rx) in enumerate(PREFIXED) if kind in _NARROWED)


class Candidates(NamedTuple):
    prefixed: list[tuple[str, re.Pattern[str]]]
    keyed: list[tuple[str, re.Pattern[str]]]
    hinted: bool  # a key may name a secret: patterns.HINTED_KEY, a widget or a secretGenerator
    # hinted is the selector's answer: some match of patterns.HINTED_KEY or its inline hint, the word
    # widget, secretGenerator or a patch operation is in the text (else a hint word is: a looser test)
    proved: bool = False


def quiet(text: str | bytes) -> bool:
    """Nothing in ``text`` that any content rule looks for before it can fire: no marker, no trigger,
    no key that names a secret, not `kind` with `Secret` (the selector's one pass). False when the
    pass could not be proved whole. Bytes are read as UTF-8: pass only bytes that are their own text
    (ASCII without NUL: what util.text.decode reads them as)."""
    selected = _select(text) if isinstance(text, str) else _selected(text)
    return selected is not None and selected.quiet


def stillness(text: str | bytes) -> tuple[str, bool]:
    """What may fire in ``text``, in one pass of the selector: its reach (_Selection.reach: "", "keyed"
    or "all"), and whether `kind` and `Secret` occur besides (whether a document may then be a Secret
    is rules_content.might_hold_a_secret's to say). ("all", False) when the pass could not be proved
    whole."""
    selected = _select(text) if isinstance(text, str) else _selected(text)
    return ("all", False) if selected is None else (selected.reach, selected.kind_secret)


def wordless(text: str | bytes) -> bool:
    """quiet, and not even a hint word anywhere (`kind` may be there): what a few lines taken out of
    their file must be to say nothing (a changed line whose key is on the line above, check/delta.py)."""
    selected = _select(text) if isinstance(text, str) else _selected(text)
    return selected is not None and selected.no_words


def candidates(text: str, small: bool = False) -> Candidates:
    """The prefixed and keyed rules that may match in ``text``, each compiled on first use: the
    selector names them in one pass (~4 us on a 1 KB manifest); a small scan (a commit's worth)
    tests the markers as substrings instead, and never loads RE2 for small texts."""
    from secretops.check.patterns import LARGE

    if (not small or len(text) >= LARGE) and (selected := _select(text)) is not None:
        return Candidates([_prefixed(i) for i in selected.prefixed], [_keyed(i) for i in selected.keyed],
                          selected.hinted, True)
    lower = text.lower()
    hinted = any(w in lower for w in HINT_WORDS)
    if small:
        hits = [i for i, (_k, markers, _rx) in enumerate(PREFIXED) if any(m in text for m in markers)]
        keyed = [i for i, (_k, words, _v) in enumerate(KEYED) if any(w in lower for w in words)]
        return Candidates([_prefixed(i) for i in hits], [_keyed(i) for i in keyed], hinted)
    by_marker, by_word, markers, words = _finder()
    hits = sorted({i for m in set(markers.findall(text)) for i in by_marker[m]})
    keyed = sorted({i for w in set(words.findall(text)) for i in by_word[w.lower()]})
    return Candidates([_prefixed(i) for i in hits], [_keyed(i) for i in keyed], hinted)


def may_match(found: list[tuple[str, re.Pattern[str]]], text: str) -> list[tuple[str, re.Pattern[str]]]:
    """Those of ``found`` that can match somewhere in ``text``. On a large text each is first searched
    by RE2, loosened to match wherever Python's re matches (and maybe elsewhere): one linear pass in C
    each, where Python's re takes tens of milliseconds on a CRD bundle. Those that RE2 cannot take are
    kept."""
    from secretops.check.patterns import LARGE, utf8

    if len(text) < LARGE:
        return found
    data = utf8(text)  # (the wrapper would encode a str again for each search)
    return [(kind, rx) for kind, rx in found if (loose := _relaxed(rx.pattern)) is None or loose.search(data)]


@functools.cache
def _relaxed(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(loosened(pattern).encode(), options)
    except Exception:  # RE2 refuses it (a backreference), or it cannot be loosened: Python's re alone decides
        return None


# Python's classes on str (Unicode) as RE2 spells them: `\s`, `\d`, `\w` at least as wide as Python's.
_WIDE = {"\\s": r"\s\x0b\x1c-\x1f\x85\p{Z}", "\\d": r"\p{Nd}", "\\w": r"\pL\pN\pM_"}


def loosened(pattern: str) -> str:
    r"""``pattern`` for RE2, matching wherever Python's re matches it (and maybe elsewhere): its
    look-around groups and word boundaries left out, `\s`, `\d` and `\w` widened to Unicode (RE2's are
    ASCII), narrow ones kept inside negated classes. ValueError where that cannot be done (`^`, `$`,
    `\S` in a negated class)."""
    out: list[str] = []
    at, negated, in_class = 0, False, False
    multiline = re.match(r"\(\?[a-zA-Z]*m[a-zA-Z]*\)", pattern) is not None  # `^` and `$` at each line, in both
    while at < len(pattern):
        char, pair = pattern[at], pattern[at:at + 2]
        if char == "\\":
            if pair in ("\\b", "\\B") and not in_class:
                pass
            elif pair in _WIDE and not negated:
                out.append(_WIDE[pair] if in_class else f"[{_WIDE[pair]}]")
            elif pair in ("\\S", "\\D", "\\W") and negated:
                raise ValueError("a wide class inside a negated one")
            else:
                out.append(pair)
            at += 2
        elif in_class:
            in_class = char != "]"
            negated = negated and in_class
            out.append(char)
            at += 1
        elif char == "[":
            negated = pattern[at + 1:at + 2] == "^"
            start = at + 1 + negated
            start += pattern[start:start + 1] == "]"  # a `]` first in a class is a member
            out.append(pattern[at:start])
            at, in_class = start, True
        elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), at):
            at = _group_end(pattern, at)
        elif char in "^$" and not multiline:
            raise ValueError("an anchor")  # Python's `$` also matches before a last newline; RE2's does not
        else:
            out.append(char)
            at += 1
    return "".join(out)


def _group_end(pattern: str, at: int) -> int:
    """The offset just past the group that opens at ``at``."""
    depth, in_class = 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            at += 1 + (pattern[at + 1:at + 2] == "^")
            at += pattern[at:at + 1] == "]"
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return at + 1
        at += 1
    return at

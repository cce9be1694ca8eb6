"""A labelled corpus for token recall and false positives, built at run time from public format
documentation (each provider's documented prefix, alphabet and length), GitOps-shaped cases and
documented placeholders. No literal credential is stored: every value is random.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid

A = string.ascii_letters + string.digits
LOW = string.ascii_lowercase + string.digits
UP = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
B64 = A + "+/"
URLSAFE = A + "_-"


def r(n: int, alphabet: str = A) -> str:
    return "".join(random.choice(alphabet) for _ in range(n))


def _jwt(sign: bool = True) -> str:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256" if sign else "none", "typ": "JWT"}).encode())
    body = base64.urlsafe_b64encode(json.dumps({"sub": r(12), "iat": random.randint(1, 2 ** 31)}).encode())
    tail = base64.urlsafe_b64encode(bytes(random.getrandbits(8) for _ in range(32))) if sign else b""
    return b".".join(p.rstrip(b"=") for p in (head, body, tail)).decode()


def _pem_b64() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    return base64.b64encode(pem).decode()


def token_formats() -> dict[str, str]:
    """One fresh token per documented format."""
    return {
        "aws-access-key": "AKIA" + r(16, B32),
        "aws-sts-key": "ASIA" + r(16, B32),
        "aws-bedrock": "ABSK" + r(132, B64),
        "github-pat": "ghp_" + r(36),
        "github-oauth": "gho_" + r(36),
        "github-app": "ghs_" + r(36),
        "github-fine-grained": "github_pat_" + r(22) + "_" + r(59),
        "gitlab-pat": "glpat-" + r(20, URLSAFE),
        "gitlab-deploy": "gldt-" + r(20, URLSAFE),
        "gitlab-runner": "glrt-" + r(20, URLSAFE),
        "gitlab-incoming-mail": "glimt-" + r(25, URLSAFE),
        "gitlab-agent": "glagent-" + r(50, URLSAFE),
        "gitlab-feature-flag": "glffct-" + r(20, URLSAFE),
        "gitlab-routable": "glpat-" + r(27, URLSAFE) + "." + r(2, LOW) + "." + r(7, LOW),
        "slack-bot": "xoxb-" + r(12, string.digits) + "-" + r(13, string.digits) + "-" + r(24),
        "slack-user": "xoxp-" + "-".join(r(12, string.digits) for _ in range(3)) + "-" + r(32, HEX),
        "slack-app": "xapp-1-" + r(11, UP) + "-" + r(13, string.digits) + "-" + r(64, HEX),
        "slack-config": "xoxe.xoxp-1-" + r(164, UP),
        "slack-refresh": "xoxe-1-" + r(146, UP),
        "slack-webhook": "https://hooks.slack.com/services/T" + r(10, UP) + "/B" + r(10, UP) + "/" + r(24),
        "stripe-live": "sk_live_" + r(24),
        "stripe-prod": "sk_prod_" + r(32),
        "stripe-restricted": "rk_prod_" + r(40),
        "google-api": "AIza" + r(35, URLSAFE),
        "google-oauth-secret": "GOCSPX-" + r(28, URLSAFE),
        "npm": "npm_" + r(36),
        "pypi": "pypi-AgEIcHlwaS5vcmc" + r(70, URLSAFE),
        "jwt": _jwt(),
        "jwt-unsigned": _jwt(sign=False),
        "anthropic": "sk-ant-api03-" + r(93, URLSAFE) + "AA",
        "openai-project": "sk-proj-" + r(58, URLSAFE) + "T3BlbkFJ" + r(58, URLSAFE),
        "openai-legacy": "sk-" + r(20) + "T3BlbkFJ" + r(20),
        "huggingface": "hf_" + r(34, string.ascii_letters),
        "heroku-v2": "HRKU-AA" + r(58, URLSAFE),
        "square": "EAAA" + r(60, URLSAFE),
        "square-secret": "sq0csp-" + r(43, URLSAFE),
        "azure-ad-secret": r(3, A) + "8Q~" + r(34, URLSAFE + "~."),
        "azure-storage": "DefaultEndpointsProtocol=https;AccountName=acct" + r(6, LOW) + ";AccountKey="
                         + base64.b64encode(random.randbytes(64)).decode() + ";EndpointSuffix=core.windows.net",
        "twilio": "SK" + r(32, HEX),
        "sendgrid": "SG." + r(22, URLSAFE) + "." + r(43, URLSAFE),
        "digitalocean": "dop_v1_" + r(64, HEX),
        "shopify": "shpat_" + r(32, HEX),
        "databricks": "dapi" + r(32, HEX),
        "doppler": "dp.pt." + r(43),
        "linear": "lin_api_" + r(40),
        "postman": "PMAK-" + r(24, HEX) + "-" + r(34, HEX),
        "pulumi": "pul-" + r(40, HEX),
        "grafana-cloud": "glc_" + r(64, B64),
        "grafana-sa": "glsa_" + r(32) + "_" + r(8, HEX),
        "newrelic": "NRAK-" + r(27, UP),
        "vault": "hvs." + r(95, URLSAFE),
        "docker-hub": "dckr_pat_" + r(27, URLSAFE),
        "tailscale": "tskey-auth-" + r(12) + "-" + r(30),
        "age-private-key": "AGE-SECRET-KEY-1" + r(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
        "sentry-user": "sntryu_" + r(64, HEX),
        "supabase": "sbp_" + r(40, HEX),
        "perplexity": "pplx-" + r(48),
        "groq": "gsk_" + r(52),
        "rubygems": "rubygems_" + r(48, HEX),
        "atlassian": "ATATT3" + r(186, URLSAFE),
        "telegram": r(9, string.digits) + ":AA" + r(33, URLSAFE),
        "sendinblue": "xkeysib-" + r(64, HEX) + "-" + r(16),
        "alibaba": "LTAI" + r(20),
        "dynatrace": "dt0c01." + r(24, UP) + "." + r(64, UP),
        "prefect": "pnu_" + r(36),
        "infracost": "ico-" + r(32),
        "openshift": "sha256~" + r(43, URLSAFE),
    }


def keyed_formats() -> dict[str, str]:
    """Formats that need the provider's name beside them: the whole line."""
    return {
        "aws-secret": f"aws_secret_access_key = {r(40, A + '/+')}",
        "heroku": f"HEROKU_API_KEY={uuid.uuid4()}",
        "okta": f"okta_api_token: 00{r(40, URLSAFE)}",
        "snyk": f"SNYK_TOKEN={uuid.uuid4()}",
        "datadog": f"DD_API_KEY={r(32, HEX)}",
        "mailchimp": f"mailchimp_api_key: {r(32, HEX)}-us{random.randint(1, 21)}",
        "twilio-auth": f"TWILIO_AUTH_TOKEN={r(32, HEX)}",
        "sentry": f"SENTRY_AUTH_TOKEN={r(64, HEX)}",
        "cloudflare": f"CLOUDFLARE_API_TOKEN={r(40, URLSAFE)}",
    }


def gitops_cases() -> list[tuple[str, str]]:
    pw = r(20)
    b64 = base64.b64encode(r(16).encode()).decode()
    return [
        ("secret.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {pw}\n"),
        ("secret-data.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {b64}\n"),
        ("secret-tabs.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n\tname: db\ndata:\n\tpassword: {b64}\n"),
        ("secret.json", json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                                    "data": {"token": b64}})),
        ("helmrelease.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n"
                             "spec:\n  values:\n    auth:\n"
                             f"      adminPassword: {r(6, LOW)}{random.randint(10, 99)}\n"),
        ("configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n"
                           f"  DB_PASSWORD: {r(5, LOW)}{random.randint(100, 999)}\n"),
        ("kustomization.yaml", "secretGenerator:\n  - name: app\n    literals:\n"
                               f"      - password={r(7, LOW)}{random.randint(1, 9)}\n"),
        ("app.env", f"API_KEY={r(10, LOW)}{random.randint(10, 99)}\n"),
        ("kubeconfig", "users:\n- name: admin\n  user:\n    client-key-data: " + _pem_b64() + "\n"),
        ("values.yaml", f"redis:\n  url: redis://default:{r(14)}@redis.svc:6379/0\n"),
        # homepage dashboard widgets: an API key under a generic `key:` field
        ("services.yaml", "- Media:\n    - Sonarr:\n        href: http://sonarr.lan\n        widget:\n"
                          f"          type: sonarr\n          url: http://sonarr.lan\n          key: {r(32, HEX)}\n"),
        ("widgets.yaml", "- Radarr:\n    widget: {type: radarr, url: 'http://radarr:7878', key: " + r(32, HEX) + "}\n"),
        ("dashboard.yaml", "services:\n  - Jellyfin:\n      widget:\n        type: jellyfin\n        url: http://jf\n"
                           f"        key: {r(32, HEX)}\n        enableBlocks: true\n"),
    ]


def placeholders() -> list[tuple[str, str]]:
    """Documented placeholders and the look-alikes a GitOps repository is full of."""
    return [
        ("gh.yaml", "token: ghp_" + "x" * 36 + "\n"),
        ("gh2.yaml", "token: ghp_" + "X" * 36 + "\n"),
        ("aws.env", "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7" + "EXAMPLE\n"),
        ("aws2.env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY\n"),
        ("slack.yaml", "slack: xoxp-" + "XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXX-" + "X" * 32 + "\n"),
        ("gitlab.yaml", "token: glpat-" + "X" * 20 + "\n"),
        ("angle.yaml", "apiKey: <your-api-key>\n"),
        ("env.yaml", "password: ${DB_PASSWORD}\n"),
        ("helm.yaml", "password: {{ .Values.db.password }}\n"),
        ("secret-ref.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${DB_PW}\n"),
        ("existing.yaml", "auth:\n  existingSecret: grafana-admin\n  passwordKey: admin-password\n"),
        ("secretkeyref.yaml", "env:\n  - name: TOKEN\n    valueFrom:\n      secretKeyRef:\n        name: api-token\n"
                              "        key: token\n"),
        ("widget-ref.yaml", "- Sonarr:\n    widget:\n      type: sonarr\n      url: http://sonarr.lan\n"
                            "      key: \"{{HOMEPAGE_VAR_SONARR_KEY}}\"\n"),
        ("widget-ref2.yaml", "- Radarr:\n    widget: {type: radarr, url: http://radarr, "
                             "key: \"{{HOMEPAGE_FILE_RADARR}}\"}\n"),
        ("replacements.yaml", "replacements:\n  - source: {kind: ConfigMap, name: vars, fieldPath: data.key}\n"
                              "    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [metadata.name]\n"
                              "  - source:\n      kind: Secret\n      name: tls\n    key: tls.crt\n"),
        ("es-key.yaml", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nspec:\n  data:\n"
                        "    - secretKey: api\n      remoteRef: {key: " + r(32, HEX) + ", property: credential}\n"),
        ("digest.yaml", f"image: ghcr.io/org/app@sha256:{r(64, HEX)}\n"),
        ("uuid.yaml", f"uid: {uuid.uuid4()}\nrequestId: {uuid.uuid4()}\n"),
        ("gitsha.yaml", f"revision: main@sha1:{r(40, HEX)}\n"),
        ("recipient.yaml", "age: age1" + r(58, "qpzry9x8gf2tvdw0s3jn54khce6mua7l") + "\n"),
        ("sops.yaml", "stringData:\n    password: ENC[AES256_GCM,data:" + r(16, B64) + ",iv:" + r(43, B64) + "=,tag:"
                      + r(22, B64) + "==,type:str]\nsops:\n    version: 3.11.0\n"),
        ("pubkey.yaml", "sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(43, B64) + " user@host\n"),
        ("url.yaml", "url: https://grafana.example.com/d/abc/overview?orgId=1\n"),
        ("url2.yaml", "repo: ssh://git@github.com/org/fleet.git\n"),
        ("name.yaml", "passwordSecretName: grafana-admin-credentials\nsecretName: tls-wildcard\n"),
        ("bool.yaml", "password: true\ntoken: false\napiKey: required\n"),
        ("path.yaml", "tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n"),
        ("changeme.yaml", "adminPassword: changeme\n"),
        ("empty-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData: {}\n"),
        ("sealed.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nspec:\n  encryptedData:\n"
                        "    password: Ag" + r(300, B64) + "==\n"),
        ("stars.yaml", "password: '********'\n"),
        ("jwt-doc.md", "Send `Authorization: Bearer <jwt>` with each request.\n"),
        ("stripe-doc.yaml", "key: sk_live_" + "0" * 24 + "\n"),
        ("hex.yaml", f"checksum/config: {r(64, HEX)}\n"),
        ("chart.yaml", "version: 1.2.3\nappVersion: v2.10.1\n"),
        ("externalsecret.yaml", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nspec:\n  data:\n"
                                "    - secretKey: password\n      remoteRef:\n        key: db/password\n"),
        ("ns.yaml", "metadata:\n  name: token-rotator\n  namespace: secret-store\n"),
        ("cert.yaml", "caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t" + r(200, B64) + "\n"),
        ("example-doc.yaml", "# e.g. apiKey: AIza" + "X" * 35 + "\n"),
    ]


def rows(seed: int = 7) -> list[tuple[str, str, str, str]]:
    random.seed(seed)
    out: list[tuple[str, str, str, str]] = []
    for kind, token in token_formats().items():
        out.append((f"token:{kind}:yaml", "secret", f"{kind}.yaml", f"config:\n  value: {token}\n"))
        out.append((f"token:{kind}:env", "secret", f"{kind}.env", f"VALUE={token}\n"))
        out.append((f"token:{kind}:json", "secret", f"{kind}.json", json.dumps({"settings": {"value": token}})))
    for kind, line in keyed_formats().items():
        out.append((f"keyed:{kind}", "secret", f"{kind}.env", line + "\n"))
    for name, text in gitops_cases():
        out.append((f"gitops:{name}", "secret", name, text))
    for name, text in placeholders():
        out.append((f"clean:{name}", "clean", name, text))
    return out


# Held out (issue 22): written before the rules they test, and never tuned on. Token formats from
# each provider's public documentation and the gitleaks rules' own test cases; GitOps shapes from
# real repositories' histories; look-alikes that real Flux repositories hold.
def heldout_tokens() -> dict[str, str]:
    return {
        "openrouter": "sk-or-v1-" + r(64, HEX),
        "nvidia": "nvapi-" + r(64, URLSAFE),
        "xai": "xai-" + r(80),
        "replicate": "r8_" + r(37),
        "typeform": "tfp_" + r(59, LOW + "-_.="),
        "yandex-api-key": "AQVN" + r(36, URLSAFE),
        "intra42": "s-s4t2ud-" + r(64, HEX),
        "settlemint": "sm_pat_" + r(16),
        "langsmith": "lsv2_pt_" + r(32, HEX) + "_" + r(10, HEX),
        "age-pq": "AGE-SECRET-KEY-PQ-1" + r(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
        "github-refresh": "ghr_" + r(76),
        "digitalocean-oauth": "doo_v1_" + r(64, HEX),
        "shopify-shared": "shpss_" + r(32, HEX),
        "square-access": "sq0atp-" + r(22, URLSAFE),
        "doppler-service": "dp.st." + r(4, LOW) + "." + r(40),
        "huggingface-org": "api_org_" + r(34, string.ascii_letters),
        "gitlab-scim": "glsoat-" + r(20, URLSAFE),
        "flyio": "fo1_" + r(43, URLSAFE),
    }


def _deploy(container: str) -> str:
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: app\n          image: ghcr.io/o/app:1.0@sha256:" + r(64, HEX) + "\n"
            + "".join(f"          {line}\n" for line in container.splitlines()))


def _hr(values: str) -> str:
    return ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  values:\n"
            + "".join(f"    {line}\n" for line in values.splitlines()))


def heldout_gitops() -> list[tuple[str, str]]:
    return [
        ("license-hr.yaml", _hr(f"enterprise:\n  licenseKey: {r(5, UP)}-{r(5, UP)}-{r(5, UP)}-{r(5, UP)}")),
        ("license-nested-hr.yaml", _hr(f"license:\n  key: {r(40, HEX)}")),
        ("hec-env.yaml", _deploy(f"env:\n  - name: SPLUNK_HEC_TOKEN\n    value: {uuid.uuid4()}")),
        ("hec-hr.yaml", _hr(f"splunkObservability:\n  accessToken: {uuid.uuid4()}")),
        ("hmac-args.yaml", _deploy(f"args:\n  - --bind=:8080\n  - --hmac-key={r(40, HEX)}")),
        ("hmac-args-split.yaml", _deploy(f"args: [\"--token\", \"{r(32)}\"]")),
        ("hmac-env.yaml", _deploy(f"env:\n  - name: IMGPROXY_KEY\n    value: {r(64, HEX)}\n"
                                  f"  - name: IMGPROXY_SALT\n    value: {r(64, HEX)}")),
        ("minio-env.yaml", _deploy("env:\n  - {name: MINIO_ROOT_PASSWORD, value: " + r(8, LOW) + "123}")),
        ("pg-hr.yaml", _hr(f"postgresql:\n  auth:\n    postgresPassword: {r(6, LOW)}Pass{random.randint(1, 99)}")),
        ("substitute.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
                            f"spec:\n  postBuild:\n    substitute:\n      GRAFANA_ADMIN_PASSWORD: {r(16)}\n"),
        ("compose.yaml", f"services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD={r(12)}\n"),
        ("talos.yaml", f"machine:\n  token: {r(6, LOW)}.{r(16, LOW)}\ncluster:\n  secret: "
                       + base64.b64encode(random.randbytes(32)).decode() + "\n"),
        ("secret-list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"},
             "data": {"token": base64.b64encode(r(20).encode()).decode()}}]})),
        ("generator.yaml", "secretGenerator:\n  - name: app\n    literals:\n      - LOG=debug\n"
                           f"      - COOKIE={r(32)}\n"),
        ("pq-b64.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k\ndata:\n  key.b64: " + base64.b64encode(
            ("# created: now\nAGE-SECRET-KEY-PQ-1" + r(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L") + "\n").encode())
            .decode() + "\n"),
        ("gitleaks-k8s-before.yaml", "apiVersion: v1\ndata:\n  password: " + base64.b64encode(r(12).encode()).decode()
                                     + "\nkind: Secret\nmetadata:\n  name: db-user-pass\n"),
        ("gitleaks-k8s-folded.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cfg\ndata:\n"
                                     "  .dockercfg: >\n    "
                                     + base64.b64encode(('{"auths":{"r":{"auth":"' + base64.b64encode(
                                         ("u:" + r(16)).encode()).decode() + '"}}}').encode()).decode() + "\n"),
    ]


def heldout_lookalikes() -> list[tuple[str, str]]:
    return [
        ("valuesfrom.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: a\nspec:\n"
                            "  valuesFrom:\n    - kind: Secret\n      name: a-values\n      valuesKey: values.yaml\n"
                            "    - kind: Secret\n      name: a-license\n      valuesKey: LICENSE_KEY\n"
                            "      targetPath: license.key\n"),
        ("checksum.yaml", _deploy("env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: "
                                  "password}") .replace("spec:\n  template:\n", "spec:\n  template:\n    metadata:\n"
                                  "      annotations:\n        checksum/secret: " + r(64, HEX) + "\n", 1)),
        ("gitrepo.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: a\nspec:\n"
                         f"  ref:\n    tag: v1.2.3\n    commit: {r(40, HEX)}\n  secretRef:\n    name: deploy-key\n"),
        ("oci.yaml", "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: a\nspec:\n"
                     f"  ref:\n    digest: sha256:{r(64, HEX)}\n  verify:\n    provider: cosign\n"),
        ("dashboard.json", json.dumps({"uid": str(uuid.uuid4()), "title": "Flux", "panels": [
            {"datasource": {"type": "prometheus", "uid": str(uuid.uuid4())}}], "version": 3})),
        ("cert-issuer.yaml", "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: le\nspec:\n"
                             "  acme:\n    privateKeySecretRef:\n      name: letsencrypt-account-key\n    solvers:\n"
                             "      - dns01:\n          cloudflare:\n            apiTokenSecretRef:\n"
                             "              name: cloudflare-token\n              key: api-token\n"),
        ("args-refs.yaml", _deploy("args:\n  - --password-file=/run/secrets/pw\n  - --token=$(API_TOKEN)\n"
                                   "  - --hmac-key-file=/etc/hmac/key\n  - --tls-key=/etc/tls/tls.key")),
        ("env-refs.yaml", _deploy("env:\n  - name: API_TOKEN\n    value: ${API_TOKEN}\n  - name: LICENSE_KEY_PATH\n"
                                  "    value: /etc/license/key\n  - name: SECRET_NAME\n    value: app-secret")),
        ("configmapgen.yaml", f"configMapGenerator:\n  - name: build\n    literals:\n      - BUILD_ID={uuid.uuid4()}\n"
                              f"      - GIT_SHA={r(40, HEX)}\n"),
        ("pubkeys.yaml", "ssh:\n  publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(43, B64) + " me@host\n"
                         "  hostKeyFingerprint: SHA256:" + r(43, B64) + "\ncosign:\n  key: |\n"
                         "    -----BEGIN PUBLIC KEY-----\n    " + r(64, B64) + "\n    -----END PUBLIC KEY-----\n"),
        ("1password.yaml", "apiVersion: onepassword.com/v1\nkind: OnePasswordItem\nmetadata:\n  name: a\nspec:\n"
                           f"  itemPath: vaults/{r(26, LOW)}/items/{r(26, LOW)}\n"),
        ("renovate.json", json.dumps({"packageRules": [{"matchDigest": r(40, HEX), "groupName": "flux"}],
                                      "hostRules": [{"matchHost": "ghcr.io", "encrypted": {}}]})),
        ("talconfig.yaml", "clusterName: main\ntalosVersion: v1.8.0\nnodes:\n  - hostname: n1\n"
                           "    installDiskSelector:\n"
                           f"      serial: {r(12, UP)}\n    nodeLabels:\n      topology.kubernetes.io/zone: a\n"),
        ("pq-recipient.yaml", "creation_rules:\n  - age: age1pq1" + r(1952, "qpzry9x8gf2tvdw0s3jn54khce6mua7l") + "\n"),
        ("gitleaks-k8s-empty.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: csrf\ntype: Opaque\ndata:\n"
                                    "  csrf: \"\"\n"),
        ("gitleaks-es.yaml", "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: a\n"
                             "spec:\n  data:\n    - secretKey: api-key\n      remoteRef:\n        key: my-secret\n"),
        ("helm-tpl.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ndata:\n"
                          "  password: {{ .Values.Password }}\n"),
        ("tokens-docs.md", "Set `OPENROUTER_API_KEY=sk-or-v1-...` and `NVIDIA_API_KEY=nvapi-xxxxxxxxxxxxxxxx`.\n"),
    ]


def heldout_rows(seed: int = 11) -> list[tuple[str, str, str, str]]:
    random.seed(seed)
    out: list[tuple[str, str, str, str]] = []
    for kind, token in heldout_tokens().items():
        out.append((f"token:{kind}:yaml", "secret", f"{kind}.yaml", f"config:\n  value: {token}\n"))
        out.append((f"token:{kind}:env", "secret", f"{kind}.env", f"VALUE={token}\n"))
    for name, text in heldout_gitops():
        out.append((f"gitops:{name}", "secret", name, text))
    for name, text in heldout_lookalikes():
        out.append((f"clean:{name}", "clean", name, text))
    return out

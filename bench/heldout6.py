"""The sixth held-out set (issue 22, round 6): written, and run, before any rule was changed for it.

Its source differs from sets 1 to 5 (providers' documented formats, GitOps places, scanners' issue
trackers): every row reproduces the shape of a file found in a public GitOps, home-ops or platform
repository (searched by meaning in the stored public code): Flux HelmReleases with `values:`,
Terraform and tfvars, Talos and k3s configs, Ansible inventories and vars, docker-compose files,
Renovate configs, GitHub Actions workflows, Prometheus and Grafana configs, cert-manager issuers,
external-dns, Argo CD cluster Secrets, Flux notification providers, Cluster API manifests and
clusterctl config, Zigbee2MQTT, NixOS modules and shell scripts. Each row cites, in a comment, the
repository and path (or the project's own documentation) whose place, key and shape it rebuilds.
No value is copied: every secret is random at run time, deterministic for a seed, in the shape the
place holds. The look-alikes are what the same files hold beside secrets: digests, checksums, public
keys, placeholders, references to Secrets, sha256 image pins, UUIDs that are IDs, hashes where a
hash is expected. The sops files are made by the real `sops`, in shapes sets 2 to 5 did not use.

Each row is one file: (row id, label "secret" or "clean", file name, content).
"""

from __future__ import annotations

import base64
import json
import random
import string

from bench.heldout2 import assemble, encrypt_cases
from bench.heldout3 import _b64, _b64url, _cm, _hr, _indent, _pem_ec, _uuid, _workflow
from bench.heldout4 import _pem_block, _secret_doc
from bench.labelled import HEX, LOW, URLSAFE, A, r

DIG = string.digits


def _bytes_list(n: int) -> list[int]:
    return [random.randint(0, 255) for _ in range(n)]


def _talos_token() -> str:
    """Talos' and kubeadm's bootstrap token shape: `[a-z0-9]{6}.[a-z0-9]{16}`."""
    return f"{r(6, LOW)}.{r(16, LOW)}"


def _k3s_token() -> str:
    """k3s' secure join token: `K10<sha256 of the CA>::server:<secret>`."""
    return f"K10{r(64, HEX)}::server:{r(32, HEX)}"


def _grafana_cloud() -> str:
    """A Grafana Cloud access policy token: `glc_` and base64 of a small JSON object."""
    body = json.dumps({"o": r(7, DIG), "n": "stack-metrics-write", "k": r(24), "m": {"r": "prod-eu-west-2"}},
                      separators=(",", ":"))
    return "glc_" + base64.b64encode(body.encode()).decode()


def _tunnel_token() -> str:
    """A cloudflared tunnel token: base64 of `{"a": account tag, "t": tunnel ID, "s": secret}`."""
    body = json.dumps({"a": r(32, HEX), "t": _uuid(), "s": _b64(32)}, separators=(",", ":"))
    return base64.b64encode(body.encode()).decode()


def _service_account_jwt() -> str:
    """A Kubernetes service-account token (RS256 JWT, as `kubectl create token` prints it)."""
    head = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": r(43, URLSAFE)}).encode()).decode()
    claims = {"aud": ["https://kubernetes.default.svc"], "exp": random.randint(1_800_000_000, 1_900_000_000),
              "iss": "https://kubernetes.default.svc", "sub": "system:serviceaccount:kube-system:argocd-manager"}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode()
    return f"{head.rstrip('=')}.{body.rstrip('=')}.{_b64url(256)}"


def _tf_block(kind: str, labels: str, body: str) -> str:
    return f"{kind} {labels} {{\n" + _indent(body, 2) + "}\n"


def _ks(name: str, extra: str) -> str:
    """A Flux Kustomization (home-ops' `ks.yaml`)."""
    return (f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
            f"  namespace: flux-system\nspec:\n  interval: 30m\n  path: ./kubernetes/apps/{name}/app\n"
            "  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: home-kubernetes\n" + _indent(extra, 2))


def tokens() -> list[tuple[str, str, str]]:
    """(case, file name, content): documented token formats in the files GitOps repositories keep them in."""
    return [
        # KyPython/Easy-Flow GRAFANA_CLOUD_REMOTE_WRITE_SETUP.md (remote_write basic_auth; here the token inline)
        ("grafana-cloud-remote-write", "prometheus/prometheus.yml",
         "global:\n  scrape_interval: 60s\nremote_write:\n  - url: https://prometheus-prod-24-prod-eu-west-2"
         f".grafana.net/api/prom/push\n    basic_auth:\n      username: '{r(7, DIG)}'\n      password: "
         f"{_grafana_cloud()}\n    write_relabel_configs:\n      - source_labels: [__name__]\n"
         "        regex: 'node_.*'\n        action: keep\n"),
        # TheBranchDriftCatalyst/talos-homelab infrastructure/base/flux-notifications (a Flux Provider whose
        # Discord webhook sits in `address`, the field the docs say a Secret should hold)
        ("flux-provider-discord-address", "kubernetes/flux/notifications/provider.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: discord\n"
         "  namespace: flux-system\nspec:\n  type: discord\n  username: flux\n"
         f"  address: https://discord.com/api/webhooks/{r(19, DIG)}/{r(68, URLSAFE)}\n"),
        # bjw-s-labs/home-ops .github/renovate-config.ts (a self-hosted Renovate's hostRules; here a Docker PAT)
        ("renovate-hostrules-docker-pat", ".github/renovate-config.js",
         "module.exports = {\n  platform: \"github\",\n  repositories: [\"acme/home-ops\"],\n  hostRules: [\n"
         f"    {{\n      matchHost: \"docker.io\",\n      username: \"acme-renovate\",\n"
         f"      token: \"dckr_pat_{r(27, URLSAFE)}\",\n    }},\n  ],\n}};\n"),
        # huseyindeniz/gitops-lab terraform/local/clusters.tf (argocd_cluster's bearer_token; here a literal)
        ("argocd-cluster-tf-bearer", "terraform/argocd/clusters.tf",
         _tf_block("resource", '"argocd_cluster" "edge"',
                   'server = "https://10.20.0.5:6443"\nname   = "edge"\n\nconfig {\n'
                   f'  bearer_token = "{_service_account_jwt()}"\n\n  tls_client_config {{\n'
                   '    ca_data = file("certs/edge-ca.pem")\n  }\n}\n')),
        # Tailscale operator chart values (`oauth.clientSecret`), in a Flux HelmRelease
        ("tailscale-operator-oauth", "kubernetes/apps/network/tailscale/helmrelease.yaml",
         _hr("tailscale-operator", f"oauth:\n  clientId: {r(12)}CNTRL\n"
                                   f"  clientSecret: tskey-client-{r(12)}CNTRL-{r(33)}\n"
                                   "operatorConfig:\n  hostname: k8s-operator")),
        # cloudflared in home-ops (a HelmRelease running `tunnel run --token …`; args as app-template writes them)
        ("cloudflared-tunnel-token-args", "kubernetes/apps/network/cloudflared/helmrelease.yaml",
         _hr("cloudflared", "controllers:\n  cloudflared:\n    containers:\n      app:\n"
                            "        image:\n          repository: docker.io/cloudflare/cloudflared\n"
                            "          tag: 2024.12.2\n        args:\n          - tunnel\n          - --no-autoupdate\n"
                            f"          - run\n          - --token\n          - {_tunnel_token()}")),
        # gardener/external-dns-management doc/cloudflare/README.md (a Secret's `data.CLOUDFLARE_API_TOKEN`)
        ("cloudflare-token-secret-data", "kubernetes/apps/network/external-dns/secret.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cloudflare-credentials\n  namespace: external-dns\n"
         f"type: Opaque\ndata:\n  CLOUDFLARE_API_TOKEN: {base64.b64encode(r(40, URLSAFE).encode()).decode()}\n"),
        # A GitHub workflow that logs in to a registry (docker/login-action's `password:` under `with:`)
        ("workflow-login-literal", ".github/workflows/image.yaml",
         _workflow("- uses: actions/checkout@" + r(40, HEX) + " # v4.2.2\n"
                   "- uses: docker/login-action@" + r(40, HEX) + " # v3.3.0\n  with:\n    registry: ghcr.io\n"
                   f"    username: acme-bot\n    password: ghp_{r(36)}\n"
                   "- run: docker buildx bake --push\n")),
    ]


def gitops() -> list[tuple[str, str, str]]:
    """(case, file name, content): plaintext secrets where GitOps and platform repositories keep them."""
    z2m_key = _bytes_list(16)
    return [
        # lguerrero-1807/blueprint-modules eks/grafana/grafana.tf (helm_release `set { name = "adminPassword" }`)
        ("tf-helm-set-password", "terraform/monitoring/grafana.tf",
         _tf_block("resource", '"helm_release" "grafana"',
                   'name       = "grafana"\nrepository = "https://grafana.github.io/helm-charts"\n'
                   'chart      = "grafana"\nnamespace  = "monitoring"\n\nset {\n  name  = "adminPassword"\n'
                   f'  value = "{r(18)}"\n}}\n')),
        # a Terraform variables file whose secret variable carries a default (the shape of many variables.tf
        # found beside proxmox providers: `variable "pm_api_token_secret" { sensitive = true, default = … }`)
        ("tf-variable-default", "terraform/proxmox/variables.tf",
         _tf_block("variable", '"pm_api_url"', 'type    = string\ndefault = "https://10.0.0.2:8006/api2/json"\n')
         + "\n" + _tf_block("variable", '"pm_api_token_id"', 'type    = string\ndefault = "terraform@pve!provider"\n')
         + "\n" + _tf_block("variable", '"pm_api_token_secret"',
                            f'type      = string\nsensitive = true\ndefault   = "{_uuid()}"\n')),
        # ifarfan/my-proxmox terraform/arr-lxc/vars.tf ("Fetch values from terraform.tfvars"): the tfvars
        ("tfvars-proxmox-cloudflare", "terraform/arr-lxc/terraform.tfvars",
         'proxmox_api_url  = "https://pve.lan:8006/api2/json"\nproxmox_user     = "terraform@pve"\n'
         f'proxmox_password = "{r(20)}"\ncloudflare_api_token = "{r(40, URLSAFE)}"\n'),
        # b4mad/op1st-emea-b4mad manifests/applications/gitops/clusters/cluster.tpl (an Argo CD cluster Secret)
        ("argocd-cluster-secret-bearer", "argocd/clusters/edge.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: edge\n  namespace: argocd\n  labels:\n"
         "    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: edge\n"
         "  server: https://10.20.0.5:6443\n  config: |\n    {\n"
         f"      \"bearerToken\": \"{_service_account_jwt()}\",\n"
         "      \"tlsClientConfig\": {\"insecure\": true}\n    }\n"),
        # the same place with the client key (the `$KEYDATA` template found beside it, filled in)
        ("argocd-cluster-secret-keydata", "argocd/clusters/lab.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: lab\n  labels:\n"
         "    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: lab\n"
         "  server: https://lab.acme.lan:6443\n  config: |\n    {\n      \"tlsClientConfig\": {\n"
         "        \"insecure\": false,\n"
         f"        \"caData\": \"{base64.b64encode(_pem_block('CERTIFICATE', 8).encode()).decode()}\",\n"
         f"        \"certData\": \"{base64.b64encode(_pem_block('CERTIFICATE', 8).encode()).decode()}\",\n"
         f"        \"keyData\": \"{base64.b64encode(_pem_ec().encode()).decode()}\"\n      }}\n    }}\n"),
        # sergelogvinov/terraform-talos hetzner/modules/templates/worker.yaml.tpl (machine and cluster tokens,
        # rendered)
        ("talos-worker-tokens", "talos/worker.yaml",
         f"version: v1alpha1\ndebug: false\npersist: true\nmachine:\n  type: worker\n  token: {_talos_token()}\n"
         "  certSANs: []\n  kubelet:\n    extraArgs:\n      node-ip: 10.0.1.21\n  install:\n    disk: /dev/sda\n"
         "cluster:\n  controlPlane:\n    endpoint: https://10.0.1.10:6443\n  clusterName: prod\n"
         f"  token: {_talos_token()}\n  ca:\n    crt: {_b64(600)}\n    key: \"\"\n"),
        # the control-plane file of the same repositories: its `secretboxEncryptionSecret` (32 bytes, base64)
        ("talos-secretbox", "talos/controlplane-patch.yaml",
         "cluster:\n  allowSchedulingOnControlPlanes: true\n  apiServer:\n    certSANs:\n      - 10.0.1.10\n"
         f"  secretboxEncryptionSecret: {_b64(32)}\n  proxy:\n    disabled: true\n"),
        # a corral script writing /etc/rancher/k3s/config.yaml (`token:`); here the file itself, with k3s' token
        ("k3s-config-token", "ansible/files/k3s-config.yaml",
         f"server: https://10.0.1.10:6443\ntoken: {_k3s_token()}\ntls-san:\n  - k3s.acme.lan\n"
         "disable:\n  - traefik\n  - servicelb\n"),
        # a k3s docker-compose file (K3S_TOKEN in `environment:`, written out as its comment suggests)
        ("k3s-compose-token", "k3s/docker-compose.yml",
         "services:\n  k3s-server:\n    image: rancher/k3s:v1.27.5-k3s1\n    privileged: true\n"
         "    network_mode: host\n    environment:\n      K3S_KUBECONFIG_OUTPUT: /output/kubeconfig.yaml\n"
         f"      K3S_KUBECONFIG_MODE: \"644\"\n      K3S_TOKEN: \"{r(32, HEX)}\"\n"),
        # a k3s-ansible inventory (`all.vars.token`, "a random string of reasonable length")
        ("k3s-ansible-inventory-token", "inventory/hosts.yml",
         "---\nall:\n  children:\n    k3s_cluster:\n      children:\n        server:\n          hosts:\n"
         "            192.168.73.32:\n        agent:\n          hosts:\n            192.168.73.33:\n"
         f"  vars:\n    ansible_port: 22\n    ansible_user: ubuntu\n    k3s_version: v1.30.2+k3s1\n"
         f"    token: \"{r(28)}\"\n    api_endpoint: \"{{{{ hostvars[groups['server'][0]]['ansible_host'] }}}}\"\n"),
        # an Ansible secrets template ("copy this file to secrets.yml and encrypt"), committed unencrypted
        ("ansible-secrets-unencrypted", "ansible/group_vars/all/secrets.yml",
         "ansible_user: ubuntu\nansible_ssh_private_key_file: ~/.ssh/id_ed25519\n"
         "ansible_become_password: \"{{ sudo_password }}\"\n"
         f"sudo_password: \"{r(14)}\"\nadmin_user_password: \"{r(16)}\"\nnfs_export_path: /export/k8s\n"),
        # NixOS k3s modules (H3rmt/server-config k3s-worker.nix uses tokenFile; here the `token` option)
        ("nixos-k3s-token", "hosts/node2/k3s.nix",
         "{ config, ... }:\n{\n  services.k3s = {\n    enable = true;\n    role = \"agent\";\n"
         f"    token = \"{r(48, HEX)}\";\n    serverAddr = \"https://10.0.1.10:6443\";\n  }};\n}}\n"),
        # Grafana's data source provisioning (`secureJsonData.basicAuthPassword`), in a ConfigMap
        ("grafana-datasource-basicauth", "kubernetes/apps/observability/grafana/datasources.yaml",
         _cm("grafana-datasources", "datasources.yaml: |\n  apiVersion: 1\n  datasources:\n"
                                    "    - name: Loki\n      type: loki\n      access: proxy\n"
                                    "      url: https://logs-prod-eu-west-0.grafana.net\n      basicAuth: true\n"
                                    f"      basicAuthUser: '{r(6, DIG)}'\n      secureJsonData:\n"
                                    f"        basicAuthPassword: {r(40)}")),
        # a Flux HelmRelease for Grafana with `adminPassword` in `values:` (the HelmRelease found with
        # "Administrator credentials when not using an existing secret")
        ("grafana-helmrelease-admin", "kubernetes/apps/observability/grafana/helmrelease.yaml",
         _hr("grafana", "persistence:\n  enabled: true\n# Administrator credentials when not using an existing "
                        f"secret (see below)\nadminUser: admin\nadminPassword: {r(12)}{r(2, DIG)}\n"
                        "datasources:\n  datasources.yaml:\n    apiVersion: 1")),
        # kube-prometheus-stack's `grafana."grafana.ini".smtp.password`
        ("grafana-ini-smtp", "kubernetes/apps/observability/kube-prometheus-stack/helmrelease.yaml",
         _hr("kube-prometheus-stack", "grafana:\n  grafana.ini:\n    smtp:\n      enabled: true\n"
                                      "      host: smtp.eu.mailgun.org:587\n      user: grafana@mg.acme.io\n"
                                      f"      password: {r(32, HEX)}-{r(8, HEX)}-{r(8, HEX)}\n"
                                      "      from_address: grafana@acme.io")),
        # kube-prometheus-stack's `alertmanager.config` with a PagerDuty routing key
        ("alertmanager-pagerduty", "kubernetes/apps/observability/alertmanager/helmrelease.yaml",
         _hr("kube-prometheus-stack", "alertmanager:\n  config:\n    route:\n      receiver: pagerduty\n"
                                      "    receivers:\n      - name: pagerduty\n        pagerduty_configs:\n"
                                      f"          - routing_key: {r(32, HEX)}\n            send_resolved: true")),
        # julio-at/do-wp-cluster docs/snippets (cert-manager's Cloudflare Secret beside its ClusterIssuer)
        ("cert-manager-issuer-with-secret", "kubernetes/apps/cert-manager/issuers/cloudflare.yaml",
         _secret_doc("cloudflare-api-token", f"api-token: {r(40, URLSAFE)}").replace("namespace: apps",
                                                                                      "namespace: cert-manager")
         + "---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-prod\nspec:\n"
         "  acme:\n    server: https://acme-v02.api.letsencrypt.org/directory\n    email: ops@acme.io\n"
         "    privateKeySecretRef:\n      name: letsencrypt-prod\n    solvers:\n      - dns01:\n"
         "          cloudflare:\n            apiTokenSecretRef:\n              name: cloudflare-api-token\n"
         "              key: api-token\n"),
        # msnelling/terraform-rancher 03-ingress/templates/cloudflare_issuer.yaml.tpl (the global API key form)
        ("cert-manager-global-key", "kubernetes/apps/cert-manager/issuers/cloudflare-key.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cloudflare-api-key\n  namespace: cert-manager\n"
         f"type: Opaque\ndata:\n  api-key: {base64.b64encode(r(37, HEX).encode()).decode()}\n"),
        # KeithMnemonic/homelab docs/external-dns/README.md (bitnami external-dns values `cloudflare.apiToken`)
        ("external-dns-values-token", "kubernetes/apps/network/external-dns/values.yaml",
         "sources:\n  - service\n  - ingress\nprovider: cloudflare\ndomainFilters:\n  - acme.io\n"
         f"cloudflare:\n  apiToken: \"{r(40, URLSAFE)}\"\n  email: \"ops@acme.io\"\n  proxied: false\npolicy: sync\n"),
        # glasskube's external-dns package manifest (env `CF_API_TOKEN`; here `value:` instead of valueFrom)
        ("external-dns-env-value", "kubernetes/apps/network/external-dns/helmrelease.yaml",
         _hr("external-dns", "provider:\n  name: cloudflare\nenv:\n  - name: CF_API_TOKEN\n"
                             f"    value: {r(40, URLSAFE)}\nextraArgs:\n  - --cloudflare-dns-records-per-page=5000")),
        # bjw-s-labs/home-ops .github/renovate-config.ts (hostRules' `password`; here a literal, not process.env)
        ("renovate-hostrules-password", "renovate/config.js",
         "module.exports = {\n  branchPrefix: \"renovate/\",\n  onboarding: false,\n  platform: \"gitea\",\n"
         "  endpoint: \"https://git.acme.lan/api/v1\",\n  hostRules: [\n    {\n"
         "      matchHost: \"registry.acme.lan\",\n      username: \"renovate\",\n"
         f"      password: \"{r(22)}\",\n    }},\n  ],\n}};\n"),
        # afzalex/fzdocker immich/docker-compose.yml.tpl (immich's compose; the database service's password)
        ("compose-immich-db", "immich/docker-compose.yml",
         "name: immich\nservices:\n  immich-server:\n    image: ghcr.io/immich-app/immich-server:v1.123.0\n"
         "    environment:\n      DB_HOSTNAME: database\n"
         f"      DB_PASSWORD: {r(24)}\n  database:\n    image: ghcr.io/immich-app/postgres:14-vectorchord0.3.0\n"
         "    environment:\n      POSTGRES_USER: postgres\n      POSTGRES_DB: immich\n"
         f"      POSTGRES_PASSWORD: {r(24)}\n"),
        # a papermerge compose file (`PAPERMERGE__DATABASE__URL` holding the database password)
        ("compose-db-url", "papermerge/docker-compose.yml",
         "services:\n  web:\n    image: papermerge/papermerge:3.3\n    ports:\n      - \"11000:80\"\n"
         "    environment:\n"
         f"      PAPERMERGE__DATABASE__URL: postgresql://papermerge:{r(18)}@db:5432/papermerge\n"
         "    depends_on:\n      - db\n"),
        # the same file's `PAPERMERGE__SECURITY__SECRET_KEY`, written as a list
        ("compose-secret-key-list", "papermerge/compose.yaml",
         "services:\n  app:\n    image: papermerge/papermerge:3.3\n    environment:\n"
         f"      - PAPERMERGE__SECURITY__SECRET_KEY={r(50)}\n      - PAPERMERGE__MAIN__TIMEZONE=Europe/Berlin\n"),
        # Bleak-Dallas/homelab-compose paperless/README.md (`docker-compose.env` with the admin password)
        ("paperless-compose-env", "paperless/docker-compose.env",
         "PAPERLESS_URL=https://paperless.acme.io\nPAPERLESS_TIME_ZONE=Europe/Berlin\n"
         f"PAPERLESS_SECRET_KEY={r(50)}\nPAPERLESS_ADMIN_USER=admin\nPAPERLESS_ADMIN_PASSWORD={r(16)}\n"),
        # Cluster API's clusterctl config (`variables:` a provider reads; vSphere's password)
        ("clusterctl-vsphere-password", "capi/clusterctl.yaml",
         "providers:\n  - name: vsphere\n    url: https://github.com/kubernetes-sigs/cluster-api-provider-vsphere"
         "/releases/v1.11.0/infrastructure-components.yaml\n    type: InfrastructureProvider\nvariables:\n"
         "  VSPHERE_USERNAME: capv@vsphere.local\n"
         f"  VSPHERE_PASSWORD: \"{r(18)}\"\n  VSPHERE_SERVER: vcenter.acme.lan\n"),
        # Cluster API AWS's `AWS_B64ENCODED_CREDENTIALS` (clusterawsadm's base64 of a credentials file)
        ("clusterctl-aws-b64-credentials", "capi/aws/clusterctl.yaml",
         "variables:\n  AWS_REGION: eu-west-1\n  AWS_SSH_KEY_NAME: capi\n  AWS_B64ENCODED_CREDENTIALS: "
         + base64.b64encode((f"[default]\naws_access_key_id = AKIA{r(16, string.ascii_uppercase + '234567')}\n"
                             f"aws_secret_access_key = {r(40, A + '+/')}\nregion = eu-west-1\n").encode()).decode()
         + "\n"),
        # a Cluster API KubeadmControlPlane with a bootstrap token in its join configuration
        ("capi-kubeadm-bootstrap-token", "capi/clusters/prod/control-plane.yaml",
         "apiVersion: controlplane.cluster.x-k8s.io/v1beta1\nkind: KubeadmControlPlane\nmetadata:\n"
         "  name: prod-control-plane\nspec:\n  replicas: 3\n  version: v1.31.2\n  kubeadmConfigSpec:\n"
         "    joinConfiguration:\n      discovery:\n        bootstrapToken:\n"
         f"          apiServerEndpoint: 10.0.0.10:6443\n          token: {_talos_token()}\n"
         f"          caCertHashes:\n            - sha256:{r(64, HEX)}\n"),
        # zigbee2mqtt's configuration docs ("Change Zigbee network encryption key"), the key as a block list
        ("zigbee2mqtt-block-list", "zigbee2mqtt/configuration.yaml",
         "homeassistant: true\npermit_join: false\nmqtt:\n  base_topic: zigbee2mqtt\n"
         "  server: mqtt://mosquitto:1883\nserial:\n  port: /dev/ttyACM0\nadvanced:\n"
         "  pan_id: 6754\n  channel: 15\n  network_key:\n" + "".join(f"    - {b}\n" for b in z2m_key)),
        # zigbee2mqtt/hassio-zigbee2mqtt DOCS.md (the add-on takes its configuration as JSON)
        ("zigbee2mqtt-json", "zigbee2mqtt/options.json",
         json.dumps({"data_path": "/share/zigbee2mqtt", "mqtt": {"server": "mqtt://core-mosquitto:1883"},
                     "serial": {"port": "/dev/ttyUSB0"},
                     "advanced": {"channel": 20, "pan_id": random.randint(1000, 60000),
                                  "network_key": _bytes_list(16)}}, indent=2)),
        # zigbee2mqtt's MQTT password in its configuration.yaml (the docs' `password: my_password`, filled in)
        ("zigbee2mqtt-mqtt-password", "zigbee2mqtt/data/configuration.yaml",
         "mqtt:\n  base_topic: zigbee2mqtt\n  server: 'mqtt://192.168.1.2:1883'\n  user: zigbee\n"
         f"  password: {r(20)}\nserial:\n  port: /dev/ttyACM0\n"),
        # nobsun/icfpc2023 api-sh/api.sh (a script that sets API_TOKEN; here a readonly literal)
        ("shell-readonly-token", "scripts/api.sh",
         f"#!/bin/sh\nreadonly API_TOKEN=\"{r(40, URLSAFE)}\"\n\nset -x\n"
         "curl -H \"Authorization: Bearer ${API_TOKEN}\" \"$@\"\n"),
        # the get_api_token() helper found beside it (`local TOKEN`), a literal in a function
        ("shell-local-token", "scripts/lib.bash",
         "#!/usr/bin/env bash\n\nhealthcheck() {\n"
         f"    local token=\"{r(32, HEX)}\"\n    curl -fsS -H \"X-Api-Key: $token\" http://sonarr:8989/api/v3/health\n}}\n"),
        # a zsh profile (`typeset -x` exports, as `declare -x` does)
        ("shell-typeset-export", "dotfiles/zshrc.d/cloud.zsh",
         "typeset -x AWS_REGION=eu-west-1\n"
         f"typeset -x HCLOUD_TOKEN={r(64)}\n"),
        # a bash script's `declare -r` constant
        ("shell-declare-readonly", "hack/bootstrap.sh",
         "#!/usr/bin/env bash\nset -euo pipefail\n\ndeclare -r CLUSTER=prod\n"
         f"declare -r GITHUB_TOKEN='ghp_{r(36)}'\nflux bootstrap github --owner=acme --repository=home-ops\n"),
        # Velero chart values (`credentials.secretContents.cloud`, an AWS credentials file), in a HelmRelease
        ("velero-secret-contents", "kubernetes/apps/velero/helmrelease.yaml",
         _hr("velero", "credentials:\n  useSecret: true\n  secretContents:\n    cloud: |\n      [default]\n"
                       f"      aws_access_key_id = {r(20, string.ascii_uppercase + DIG)}\n"
                       f"      aws_secret_access_key = {r(40)}\n"
                       "configuration:\n  backupStorageLocation:\n    - provider: aws\n      bucket: velero")),
        # cloudflared's `credentials.json` kept in a ConfigMap (AccountTag, TunnelSecret, TunnelID)
        ("cloudflared-credentials-json", "kubernetes/apps/network/cloudflared/configmap.yaml",
         _cm("cloudflared", "credentials.json: |\n  " + json.dumps(
             {"AccountTag": r(32, HEX), "TunnelSecret": _b64(32), "TunnelID": _uuid()}))),
        # Harbor chart values (`harborAdminPassword`, and `secretKey`: 16 characters, the chart says)
        ("harbor-values", "kubernetes/apps/registry/harbor/helmrelease.yaml",
         _hr("harbor", "externalURL: https://harbor.acme.io\n"
                       f"harborAdminPassword: {r(16)}\nsecretKey: {r(16)}\npersistence:\n  enabled: true")),
        # MinIO chart values (`rootUser` / `rootPassword`)
        ("minio-root-password", "kubernetes/apps/storage/minio/helmrelease.yaml",
         _hr("minio", f"mode: standalone\nrootUser: admin\nrootPassword: {r(24)}\npersistence:\n  size: 100Gi")),
        # Gitea chart values (`gitea.admin.password`)
        ("gitea-admin-password", "kubernetes/apps/dev/gitea/helmrelease.yaml",
         _hr("gitea", f"gitea:\n  admin:\n    username: gitea-admin\n    password: {r(18)}\n"
                      "    email: admin@acme.io\n  config:\n    server:\n      DOMAIN: git.acme.io")),
        # Vaultwarden under app-template (`env:` map, ADMIN_TOKEN in plaintext rather than an argon2 hash)
        ("vaultwarden-admin-token", "kubernetes/apps/security/vaultwarden/helmrelease.yaml",
         _hr("vaultwarden", "controllers:\n  vaultwarden:\n    containers:\n      app:\n        env:\n"
                            "          DOMAIN: https://vault.acme.io\n          SIGNUPS_ALLOWED: \"false\"\n"
                            f"          ADMIN_TOKEN: {_b64(48)}")),
        # Argo CD's argocd-cm with a Dex connector whose clientSecret is written in
        ("argocd-dex-client-secret", "argocd/argocd-cm.yaml",
         _cm("argocd-cm", "url: https://argocd.acme.io\ndex.config: |\n  connectors:\n    - type: github\n"
                          "      id: github\n      name: GitHub\n      config:\n"
                          f"        clientID: {r(20, HEX)}\n        clientSecret: {r(40, HEX)}\n"
                          "        orgs:\n          - name: acme")),
        # a kustomization's configMapGenerator fed a token (literals end up in a ConfigMap, not a Secret)
        ("kustomize-configmap-literal", "kubernetes/apps/media/recyclarr/kustomization.yaml",
         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - helmrelease.yaml\n"
         "configMapGenerator:\n  - name: recyclarr-env\n    literals:\n      - SONARR_URL=http://sonarr:8989\n"
         f"      - SONARR_API_KEY={r(32, HEX)}\n"),
        # a Flux Kustomization's `postBuild.substitute` carrying a token beside ordinary settings
        ("flux-substitute-token", "kubernetes/apps/media/sonarr/ks.yaml",
         _ks("sonarr", "postBuild:\n  substitute:\n    APP: sonarr\n    VOLSYNC_CAPACITY: 5Gi\n"
                       f"    PUSHOVER_TOKEN: {r(30, LOW)}\n")),
        # an OIDC client secret in an app's values (`oidc.clientSecret`), Immich/Grafana style
        ("oidc-client-secret", "kubernetes/apps/observability/grafana/values.yaml",
         "grafana.ini:\n  auth.generic_oauth:\n    enabled: true\n    name: Authelia\n"
         f"    client_id: grafana\n    client_secret: {r(64)}\n    scopes: openid profile email groups\n"),
    ]


def lookalikes() -> list[tuple[str, str, str]]:
    """(case, file name, content): what the same files hold beside secrets, which must be left alone."""
    return [
        # nsudhanva/k8s-oracle cluster-issuer.yaml.tpl (a ClusterIssuer naming its Secret)
        ("clusterissuer-token-ref", "kubernetes/apps/cert-manager/issuers/letsencrypt.yaml",
         "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: cloudflare-issuer\nspec:\n"
         "  acme:\n    email: ops@acme.io\n    server: https://acme-v02.api.letsencrypt.org/directory\n"
         "    privateKeySecretRef:\n      name: cloudflare-issuer-account-key\n    solvers:\n      - dns01:\n"
         "          cloudflare:\n            apiTokenSecretRef:\n              name: cloudflare-api-token-secret\n"
         "              key: api-token\n"),
        # msnelling/terraform-rancher cloudflare_issuer.yaml.tpl (the global key form, as a reference)
        ("clusterissuer-key-ref", "kubernetes/apps/cert-manager/issuers/legacy.yaml",
         "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\nspec:\n  acme:\n"
         "    email: ops@acme.io\n    server: https://acme-v02.api.letsencrypt.org/directory\n"
         "    privateKeySecretRef:\n      name: letsencrypt-account-key\n    solvers:\n      - dns01:\n"
         "          cloudflare:\n            email: ops@acme.io\n            apiKeySecretRef:\n"
         "              name: cloudflare-api-key\n              key: api-key\n"),
        # a cert-manager Certificate (secretName, a private key's algorithm and rotation policy)
        ("certificate", "kubernetes/apps/network/certificates/wildcard.yaml",
         "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: acme-io\nspec:\n"
         "  secretName: acme-io-tls\n  issuerRef:\n    name: letsencrypt-prod\n    kind: ClusterIssuer\n"
         "  privateKey:\n    algorithm: ECDSA\n    size: 384\n    rotationPolicy: Always\n"
         "  dnsNames:\n    - acme.io\n    - '*.acme.io'\n"),
        # fluxcd/notification-controller docs/spec/v1beta2/providers.md (a Provider with `secretRef`, an Alert)
        ("flux-provider-secretref", "kubernetes/flux/notifications/discord.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: discord\n"
         "  namespace: flux-system\nspec:\n  type: discord\n  secretRef:\n    name: discord-webhook\n---\n"
         "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata:\n  name: flux\n"
         "  namespace: flux-system\nspec:\n  providerRef:\n    name: discord\n  eventSeverity: error\n"
         "  eventSources:\n    - kind: HelmRelease\n      name: '*'\n    - kind: Kustomization\n      name: '*'\n"),
        # a Flux Receiver (its token comes from a Secret; the webhook path is a digest of it)
        ("flux-receiver", "kubernetes/flux/receivers/github.yaml",
         "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: github\n"
         "  namespace: flux-system\nspec:\n  type: github\n  events:\n    - ping\n    - push\n"
         "  secretRef:\n    name: github-webhook-token\n  resources:\n    - kind: GitRepository\n"
         "      name: home-kubernetes\nstatus:\n"
         f"  webhookPath: /hook/{r(64, HEX)}\n"),
        # RTBHouse-OEET/pyre2 .github/renovate-file-config.js (hostRules' tokens from process.env)
        ("renovate-process-env", ".github/renovate-config.js",
         "module.exports = {\n  autodiscover: true,\n  hostRules: [\n    {\n      hostType: 'github',\n"
         "      matchHost: 'https://api.github.com/repos/acme/renovate-config',\n"
         "      token: process.env.RENOVATE_CONFIG_PRESET_TOKEN,\n    },\n    {\n      matchHost: 'docker.io',\n"
         "      username: process.env.DOCKER_HUB_USER,\n      password: process.env.DOCKER_HUB_PASSWORD,\n"
         "    },\n  ],\n};\n"),
        # Renovate's docs (CircleCI private orbs: an `encrypted` token, shown masked)
        ("renovate-encrypted-masked", "renovate.json",
         json.dumps({"$schema": "https://docs.renovatebot.com/renovate-schema.json",
                     "hostRules": [{"matchHost": "circleci.com", "authType": "Token-Only",
                                    "encrypted": {"token": "****"}}]}, indent=2)),
        # a Renovate custom manager whose regex captures a digest
        ("renovate-digest-regex", ".github/renovate/customManagers.json5",
         "{\n  customManagers: [\n    {\n      customType: 'regex',\n"
         "      fileMatch: ['(^|/)kubernetes/.+\\\\.ya?ml$'],\n"
         "      matchStrings: ['image: (?<depName>[^:]+):(?<currentValue>[^@]+)@(?<currentDigest>sha256:[a-f0-9]+)'],\n"
         "      datasourceTemplate: 'docker',\n    },\n  ],\n}\n"),
        # zgosalvez's SHA-pinned workflow (actions pinned to commits, the token from secrets)
        ("workflow-sha-pins", ".github/workflows/check-actions.yaml",
         "name: Ensure actions are pinned to SHAs\non:\n  pull_request:\n    paths:\n      - .github/workflows/**\n"
         "jobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n"
         f"      - uses: actions/checkout@{r(40, HEX)} # v4.2.2\n"
         f"      - uses: zgosalvez/github-actions-ensure-sha-pinned-actions@{r(40, HEX)} # v3.0.21\n"
         "      - uses: actions/create-github-app-token@" + r(40, HEX) + " # v1.11.0\n"
         "        id: app-token\n        with:\n          app-id: ${{ secrets.BOT_APP_ID }}\n"
         "          private-key: ${{ secrets.BOT_APP_PRIVATE_KEY }}\n"),
        # EnollaTomazic/Planner docs/github-actions-shas.md (a table of pinned commit SHAs)
        ("actions-sha-table", "docs/github-actions-shas.md",
         "# GitHub Actions commit SHAs\n\n| Action | Upstream tag | Commit SHA |\n| --- | --- | --- |\n"
         + "".join(f"| `actions/{a}` | `v{random.randint(3, 5)}` | `{r(40, HEX)}` |\n"
                   for a in ("checkout", "setup-node", "cache", "upload-artifact"))),
        # ahinh43/homelab-proxmox-tf providers.tf (provider blocks fed from variables)
        ("tf-provider-vars", "terraform/providers.tf",
         _tf_block("provider", '"proxmox"', 'pm_api_url  = "https://pve.acme.lan:8006/api2/json"\n'
                                            "pm_user     = var.proxmox_username\npm_password = var.proxmox_password\n")
         + "\n" + _tf_block("provider", '"cloudflare"', "api_token = var.cloudflare_api_token\n")),
        # the bpg/proxmox provider: `api_token` built from two variables
        ("tf-provider-interpolated-token", "terraform/proxmox/providers.tf",
         _tf_block("provider", '"proxmox"', "endpoint  = var.proxmox_api_url\n"
                                            'api_token = "${var.proxmox_api_token_id}='
                                            '${var.proxmox_api_token_secret}"\n'
                                            "insecure  = true\n")),
        # clov3r-cc/infra terraform/variables.tf (sensitive variables without defaults)
        ("tf-sensitive-variables", "terraform/variables.tf",
         _tf_block("variable", '"cloudflare_api_token"', 'description = "An API token for Cloudflare."\n'
                                                         "type        = string\nsensitive   = true\n")
         + "\n" + _tf_block("variable", '"cloudflare_account_id"', 'type    = string\n'
                                                                   f'default = "{r(32, HEX)}"\n')),
        # a variables.tf whose secret variable's default is the docs' placeholder
        ("tf-variable-placeholder-default", "terraform/pve/variables.tf",
         _tf_block("variable", '"pm_api_token_secret"', 'description = "Proxmox API Token Secret"\n'
                                                        'type        = string\nsensitive   = true\n'
                                                        'default     = "your-token-secret-here"\n')),
        # siderolabs/terraform-provider-talos examples (machine secrets as resources, no values)
        ("tf-talos-machine-secrets", "terraform/talos/main.tf",
         'resource "talos_machine_secrets" "this" {}\n\n'
         + _tf_block("data", '"talos_machine_configuration" "this"',
                     'cluster_name     = "prod"\nmachine_type     = "controlplane"\n'
                     'cluster_endpoint = "https://10.0.1.10:6443"\n'
                     "machine_secrets  = talos_machine_secrets.this.machine_secrets\n")),
        # sergelogvinov/terraform-talos worker.yaml.tpl (the template, before rendering)
        ("talos-template", "talos/templates/worker.yaml.tpl",
         "version: v1alpha1\nmachine:\n  type: worker\n  token: ${tokenmachine}\n  certSANs: []\n"
         "cluster:\n  controlPlane:\n    endpoint: https://${lbv4}:6443\n  clusterName: ${cluster_name}\n"
         "  token: ${token}\n  ca:\n    crt: ${ca}\n    key: \"\"\n"),
        # a Talos patch pinning images by digest and the installer by schematic
        ("talos-image-pins", "talos/patches/controlplane.yaml",
         "machine:\n  kubelet:\n"
         f"    image: ghcr.io/siderolabs/kubelet:v1.31.2@sha256:{r(64, HEX)}\n  install:\n"
         f"    image: factory.talos.dev/installer/{r(64, HEX)}:v1.8.3\n"
         "  features:\n    kubePrism:\n      enabled: true\n      port: 7445\n"),
        # evanofslack/slacknet provision/talos/gen-config.sh (talosctl fed a secrets file)
        ("talosctl-gen-script", "provision/talos/gen-config.sh",
         "talosctl gen config \\\n    --output rendered/controlplane.yaml \\\n    --output-types controlplane \\\n"
         "    --with-secrets secrets.yaml \\\n    --config-patch @patch/dns.yaml \\\n"
         "    $CLUSTER_NAME \\\n    $CLUSTER_ENDPOINT\n"),
        # k3s config.yaml with token files (the form k3s' docs recommend)
        ("k3s-token-file", "ansible/files/k3s-server.yaml",
         "token-file: /var/lib/rancher/k3s/server/token\nagent-token-file: /etc/rancher/k3s/agent-token\n"
         "write-kubeconfig-mode: \"0644\"\ntls-san:\n  - 10.0.1.10\n"),
        # H3rmt/server-config k3s-worker.nix (tokenFile from agenix)
        ("nixos-token-file", "hosts/node3/k3s.nix",
         "{ config, ... }:\n{\n  services.k3s = {\n    enable = true;\n    role = \"agent\";\n"
         "    tokenFile = config.age.secrets.k3s.path;\n    serverAddr = \"https://ovh-1.acme.internal:6443\";\n"
         "  };\n}\n"),
        # the k3s compose file with `K3S_TOKEN=${K3S_TOKEN:?err}`
        ("compose-required-var", "k3s/compose.yml",
         "# to run define K3S_TOKEN, eg:\n#   export K3S_TOKEN=${RANDOM}${RANDOM}${RANDOM}\nservices:\n  server:\n"
         "    image: rancher/k3s:v1.30.2-k3s1\n    command: server\n    privileged: true\n    environment:\n"
         "      - K3S_TOKEN=${K3S_TOKEN:?err}\n      - K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml\n"),
        # immich's compose with its database image pinned by digest and the password from `.env`
        ("compose-digest-env-file", "immich/compose.yaml",
         "services:\n  database:\n"
         f"    image: ghcr.io/immich-app/postgres:14-vectorchord0.4.3@sha256:{r(64, HEX)}\n"
         "    env_file:\n      - .env\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n"
         "      POSTGRES_USER: ${DB_USERNAME}\n"),
        # a compose file with Docker secrets (`*_FILE` variables and a `secrets:` section)
        ("compose-docker-secrets", "paperless/compose.yaml",
         "services:\n  db:\n    image: postgres:16\n    environment:\n"
         "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n      - db_password\n"
         "secrets:\n  db_password:\n    file: ./secrets/db_password.txt\n"),
        # Ansible group_vars pointing at vaulted variables
        ("ansible-vault-refs", "ansible/group_vars/k3s_cluster.yml",
         "k3s_version: v1.30.2+k3s1\nk3s_token: \"{{ vault_k3s_token }}\"\n"
         "ansible_become_password: \"{{ vault_sudo_password }}\"\n"
         "grafana_admin_password: \"{{ lookup('community.general.onepassword', 'grafana', field='password') }}\"\n"),
        # an inventory that tells the reader how to make its tokens (command substitutions, not values)
        ("ansible-inventory-commands", "inventory/sample.yml",
         "k3s_cluster:\n  vars:\n    s3_username: 'minio'\n"
         "    s3_password: $(openssl rand -hex 32 | ansible-vault encrypt_string --vault-password-file vault/pwd.sh)\n"
         "    k3s_token: $(openssl rand -hex 16 | ansible-vault encrypt_string --vault-password-file vault/pwd.sh)\n"),
        # Prometheus remote_write fed from the environment, and a password file
        ("prometheus-remote-write-refs", "prometheus/prometheus-production.yml",
         "remote_write:\n  - url: ${GRAFANA_CLOUD_PROMETHEUS_URL}\n    basic_auth:\n"
         "      username: ${GRAFANA_CLOUD_PROMETHEUS_USERNAME}\n      password: ${GRAFANA_CLOUD_PROMETHEUS_API_KEY}\n"
         "  - url: https://mimir.acme.lan/api/v1/push\n    basic_auth:\n      username: prometheus\n"
         "      password_file: /etc/prometheus/secrets/mimir-password\n"),
        # Prometheus' web config (`basic_auth_users` hold bcrypt hashes)
        ("prometheus-web-bcrypt", "prometheus/web.yml",
         "basic_auth_users:\n"
         f"  admin: $2b$12${r(53, A + './')}\n  grafana: $2b$12${r(53, A + './')}\n"),
        # a ServiceMonitor naming the Secret keys of its credentials
        ("servicemonitor-secret-keys", "kubernetes/apps/observability/exporters/servicemonitor.yaml",
         "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: unifi\nspec:\n"
         "  endpoints:\n    - port: metrics\n      basicAuth:\n        username:\n          name: unifi-exporter\n"
         "          key: username\n        password:\n          name: unifi-exporter\n          key: password\n"
         "      bearerTokenSecret:\n        name: unifi-exporter\n        key: token\n"
         "  selector:\n    matchLabels:\n      app: unifi-exporter\n"),
        # Grafana data sources reading their passwords from files and the environment
        ("grafana-datasource-refs", "kubernetes/apps/observability/grafana/datasources-refs.yaml",
         _cm("grafana-datasources", "datasources.yaml: |\n  apiVersion: 1\n  datasources:\n"
                                    "    - name: Postgres\n      type: postgres\n      url: postgres:5432\n"
                                    "      user: grafana\n      secureJsonData:\n"
                                    "        password: $__file{/etc/secrets/postgres-password}\n"
                                    "    - name: Loki\n      type: loki\n      basicAuth: true\n"
                                    "      secureJsonData:\n        basicAuthPassword: ${LOKI_PASSWORD}")),
        # a Grafana dashboard referring to its data source by uid
        ("grafana-dashboard-uids", "kubernetes/apps/observability/grafana/dashboards/nodes.json",
         json.dumps({"uid": r(14, LOW), "title": "Nodes", "panels": [
             {"id": 2, "type": "timeseries", "datasource": {"type": "prometheus", "uid": "P" + r(16, HEX).upper()},
              "targets": [{"expr": "node_load1", "refId": "A"}]}], "version": 7}, indent=2)),
        # glasskube's external-dns package (env from a Secret) and a txt owner ID
        ("external-dns-secretkeyref", "kubernetes/apps/network/external-dns/app/helmrelease.yaml",
         _hr("external-dns", "provider:\n  name: cloudflare\nenv:\n  - name: CF_API_TOKEN\n    valueFrom:\n"
                             "      secretKeyRef:\n        name: cloudflare-api-token\n        key: api-token\n"
                             f"txtOwnerId: {_uuid()}\ntxtPrefix: k8s.\npolicy: sync")),
        # an Argo CD cluster Secret using an exec provider and a CA (public) certificate
        ("argocd-cluster-exec", "argocd/clusters/eks.yaml",
         "apiVersion: v1\nkind: Secret\nmetadata:\n  name: eks-prod\n  labels:\n"
         "    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: eks-prod\n"
         "  server: https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com\n  config: |\n    {\n"
         "      \"execProviderConfig\": {\"command\": \"argocd-k8s-auth\", \"args\": [\"aws\", \"--cluster-name\","
         " \"prod\"], \"apiVersion\": \"client.authentication.k8s.io/v1beta1\"},\n"
         "      \"tlsClientConfig\": {\"insecure\": false, \"caData\": \""
         + base64.b64encode(_pem_block("CERTIFICATE", 10).encode()).decode() + "\"}\n    }\n"),
        # an Argo CD Application pinned to a commit
        ("argocd-app-revision", "argocd/apps/podinfo.yaml",
         "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: podinfo\n  namespace: argocd\n"
         "spec:\n  project: default\n  source:\n    repoURL: https://github.com/stefanprodan/podinfo\n"
         f"    targetRevision: {r(40, HEX)}\n    path: kustomize\n  destination:\n"
         "    server: https://kubernetes.default.svc\n    namespace: podinfo\n"),
        # Cluster API manifests full of `${VAR}` (papivot/cluster-api-aws and the CAPA templates)
        ("capi-cluster-template", "capi/templates/cluster-template.yaml",
         "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: \"${CLUSTER_NAME}\"\nspec:\n"
         "  clusterNetwork:\n    pods:\n      cidrBlocks: [\"192.168.0.0/16\"]\n  infrastructureRef:\n"
         "    apiVersion: infrastructure.cluster.x-k8s.io/v1beta2\n    kind: AWSCluster\n"
         "    name: \"${CLUSTER_NAME}\"\n---\napiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\n"
         "metadata:\n  name: \"${CLUSTER_NAME}\"\nspec:\n  region: \"${AWS_REGION}\"\n"
         "  sshKeyName: \"${AWS_SSH_KEY_NAME}\"\n"),
        # clusterctl's own config: provider URLs and variables that are not secret
        ("clusterctl-providers", "capi/clusterctl-providers.yaml",
         "apiVersion: clusterctl.cluster.x-k8s.io/v1alpha3\nkind: ClusterctlConfig\nproviders:\n"
         "  - name: cluster-api\n    url: \"https://github.com/kubernetes-sigs/cluster-api/releases/download/"
         "v${CAPI_VERSION}/core-components.yaml\"\n    type: CoreProvider\nvariables:\n"
         "  EXP_CLUSTER_RESOURCE_SET: \"true\"\n  AWS_B64ENCODED_CREDENTIALS: ${AWS_B64ENCODED_CREDENTIALS}\n"),
        # a KubeadmControlPlane whose join token comes from a file and whose CA hash is a hash
        ("capi-ca-cert-hash", "capi/clusters/lab/control-plane.yaml",
         "apiVersion: controlplane.cluster.x-k8s.io/v1beta1\nkind: KubeadmControlPlane\nmetadata:\n  name: lab\n"
         "spec:\n  kubeadmConfigSpec:\n    files:\n      - path: /etc/kubernetes/azure.json\n"
         "        contentFrom:\n          secret:\n            name: lab-control-plane-azure-json\n"
         "            key: control-plane-azure.json\n    joinConfiguration:\n      discovery:\n"
         "        bootstrapToken:\n          apiServerEndpoint: 10.0.0.10:6443\n"
         f"          caCertHashes:\n            - sha256:{r(64, HEX)}\n"),
        # zigbee2mqtt's defaults: GENERATE keywords and the extended PAN ID (an ID, 8 bytes)
        ("zigbee2mqtt-generate-ext-pan", "zigbee2mqtt/config/configuration.yaml",
         "advanced:\n  network_key: GENERATE\n  pan_id: GENERATE\n"
         "  ext_pan_id: [" + ", ".join(str(b) for b in _bytes_list(8)) + "]\n  channel: 11\n"),
        # barbaris-in/smart-home docs/mqtt/mqtt-flow.md (bridge/info JSON: ext_pan_id as a block list)
        ("zigbee2mqtt-bridge-info", "docs/mqtt/bridge-info.json",
         json.dumps({"commit": r(7, HEX), "config": {"advanced": {
             "channel": 11, "ext_pan_id": [221] * 8, "pan_id": 6754, "log_level": "info",
             "availability_blocklist": []}}}, indent=2)),
        # lists of small numbers under ordinary keys (ports, retry backoffs, a color) in a values file
        ("number-lists", "kubernetes/apps/home/esphome/values.yaml",
         "service:\n  ports: [6052, 6053, 8123, 1883, 8883, 5353, 3000, 9000, 9090, 9093, 9100, 3100, 4317, "
         "4318, 6443, 10250]\nretry:\n  backoff:\n" + "".join(f"    - {n}\n" for n in
                                                             (1, 2, 4, 8, 16, 32, 64, 128, 250, 5, 10, 20, 40, 80,
                                                              160, 200))
         + "theme:\n  accent_rgb: [33, 150, 243]\n"),
        # zigbee2mqtt's reference to its own secret file (`'!secret.yaml password'`)
        ("zigbee2mqtt-secret-ref", "zigbee2mqtt/configuration.yaml",
         "mqtt:\n  server: mqtt://mosquitto\n  user: '!secret.yaml user'\n  password: '!secret.yaml password'\n"
         "advanced:\n  network_key: '!secret.yaml network_key'\n"),
        # shell scripts: a `local` from an argument, `readonly` from the environment, a command's output
        ("shell-declaration-refs", "scripts/release.sh",
         "#!/usr/bin/env bash\nset -euo pipefail\nreadonly API_TOKEN=\"${API_TOKEN:?set API_TOKEN}\"\n"
         "declare -r TOKEN_FILE=/run/secrets/github-token\n\nrelease() {\n  local token=\"$1\"\n"
         "  local password\n  password=$(cat \"$TOKEN_FILE\")\n  local secret=\"${2:-}\"\n"
         "  typeset -x GH_TOKEN=\"$token\"\n  gh release create \"$VERSION\"\n}\n"),
        # a Makefile whose token comes from a command
        ("makefile-shell-token", "Makefile",
         "CLUSTER ?= prod\nTOKEN ?= $(shell cat .token)\nAPI_KEY := $(shell op read op://infra/api/key)\n\n"
         "deploy:\n\tflux reconcile ks apps --with-source\n"),
        # Flux OCIRepository pinned by digest; GitRepository pinned to a commit
        ("flux-source-pins", "kubernetes/flux/repositories/pins.yaml",
         "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: podinfo\nspec:\n"
         "  interval: 10m\n  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n"
         f"  ref:\n    digest: sha256:{r(64, HEX)}\n"
         "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: infra\nspec:\n"
         f"  url: https://github.com/acme/infra\n  ref:\n    commit: {r(40, HEX)}\n"),
        # a Flux Kustomization substituting from a Secret, with ordinary values inline
        ("flux-substitute-from", "kubernetes/apps/media/radarr/ks.yaml",
         _ks("radarr", "postBuild:\n  substitute:\n    APP: radarr\n    VOLSYNC_CAPACITY: 10Gi\n"
                       "  substituteFrom:\n    - kind: Secret\n      name: cluster-secrets\n")),
        # a kustomization pinning images by digest
        ("kustomize-image-digest", "kubernetes/apps/default/echo/kustomization.yaml",
         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n"
         f"images:\n  - name: ghcr.io/mendhak/http-https-echo\n    digest: sha256:{r(64, HEX)}\n"),
        # Velero's BackupStorageLocation naming its credential Secret
        ("velero-bsl-credential", "kubernetes/apps/velero/bsl.yaml",
         "apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata:\n  name: default\n  namespace: velero\n"
         "spec:\n  provider: aws\n  objectStorage:\n    bucket: velero\n  credential:\n"
         "    name: velero-credentials\n    key: cloud\n  config:\n    region: eu-west-1\n"
         "    s3Url: https://s3.acme.lan\n"),
        # cloudflared's config.yaml (the tunnel's UUID is its ID; its credentials are a file)
        ("cloudflared-config", "kubernetes/apps/network/cloudflared/config/config.yaml",
         f"tunnel: {_uuid()}\ncredentials-file: /etc/cloudflared/creds/credentials.json\nmetrics: 0.0.0.0:8080\n"
         "no-autoupdate: true\ningress:\n  - hostname: '*.acme.io'\n    service: https://ingress-nginx.network\n"
         "  - service: http_status:404\n"),
        # Harbor and Gitea values naming existing Secrets
        ("chart-existing-secrets", "kubernetes/apps/registry/harbor/values.yaml",
         "existingSecretAdminPassword: harbor-admin\nexistingSecretAdminPasswordKey: HARBOR_ADMIN_PASSWORD\n"
         "existingSecretSecretKey: harbor-secret-key\ngitea:\n  admin:\n    existingSecret: gitea-admin\n"
         "    password: \"\"\n"),
        # Ceph's cluster `fsid` (a UUID that names the cluster) in a Rook ConfigMap override
        ("ceph-fsid", "kubernetes/apps/rook-ceph/cluster/config-override.yaml",
         _cm("rook-config-override", f"config: |\n  [global]\n  fsid = {_uuid()}\n  mon_allow_pool_delete = true\n"
                                     "  osd_pool_default_size = 3")),
        # cloud-init's authorized keys (public keys) in a Talos-less VM template
        ("cloud-init-authorized-keys", "terraform/cloud-init/user-data.yaml",
         "#cloud-config\nusers:\n  - name: ops\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    ssh_authorized_keys:\n"
         f"      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{r(43, A + '+/')} ops@laptop\n"),
        # a Weave GitOps admin whose password is stored as a bcrypt hash (the chart's `passwordHash`)
        ("weave-gitops-password-hash", "kubernetes/apps/flux-system/weave-gitops/helmrelease.yaml",
         _hr("weave-gitops", "adminUser:\n  create: true\n  username: admin\n"
                             f"  passwordHash: $2a$10${r(53, A + './')}")),
    ]


def _sops_files(binary: str) -> list[tuple[str, str, str]]:
    """(case, file name, content): sops files made by the real sops, in shapes sets 2 to 5 did not use
    (a HelmRelease whose whole `values` is encrypted, a dotenv encrypted by a key regex, a cloudflared
    credentials JSON with one key encrypted, a Zigbee2MQTT secret file of integer lists, YAML with encrypted
    comments, Ansible vars, a Talos patch with the key beside a plain certificate, a clusterctl config, an Argo CD
    cluster Secret whose `config` is JSON in a string, a k3s config)."""
    import pyrage

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    hr_values = _hr("grafana", f"adminPassword: {r(16)}\ngrafana.ini:\n  smtp:\n    password: {r(20)}\n"
                               "persistence:\n  enabled: true")
    dotenv = (f"PAPERLESS_URL=https://paperless.acme.io\nPAPERLESS_SECRET_KEY={r(50)}\n"
              f"PAPERLESS_ADMIN_PASSWORD={r(16)}\nPAPERLESS_TIME_ZONE=Europe/Berlin\nPAPERLESS_DBPASS={r(20)}\n")
    tunnel = json.dumps({"AccountTag": r(32, HEX), "TunnelSecret": _b64(32), "TunnelID": _uuid()}, indent=2)
    z2m = ("network_key:\n" + "".join(f"  - {b}\n" for b in _bytes_list(16))
           + f"user: zigbee\npassword: {r(20)}\npan_id: {random.randint(1000, 60000)}\n")
    comments = (f"# rotated by hand, see docs/runbooks/grafana.md\nadmin:\n  # the initial admin\n  user: admin\n"
                f"  password: {r(18)}  # 1Password: grafana admin\nsmtp:\n  # mailgun\n  password: {r(32, HEX)}\n")
    ansible = (f"ansible_user: ubuntu\nk3s_version: v1.30.2+k3s1\nk3s_token: {r(48, HEX)}\n"
               f"sudo_password: {r(16)}\nnfs_export_path: /export/k8s\n")
    talos = (f"machine:\n  token: {_talos_token()}\n  ca:\n    crt: {_b64(600)}\n    key: {_b64(120)}\n"
             f"cluster:\n  secretboxEncryptionSecret: {_b64(32)}\n  token: {_talos_token()}\n")
    clusterctl = ("variables:\n  VSPHERE_USERNAME: capv@vsphere.local\n"
                  f"  VSPHERE_PASSWORD: {r(18)}\n  VSPHERE_SERVER: vcenter.acme.lan\n"
                  f"  AWS_B64ENCODED_CREDENTIALS: {_b64(120)}\n")
    argocd = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: edge\n  labels:\n"
              "    argocd.argoproj.io/secret-type: cluster\ntype: Opaque\nstringData:\n  name: edge\n"
              "  server: https://10.20.0.5:6443\n  config: |\n    {\n"
              f"      \"bearerToken\": \"{_service_account_jwt()}\",\n"
              "      \"tlsClientConfig\": {\"insecure\": true}\n    }\n")
    k3s = f"server: https://10.0.1.10:6443\ntoken: {_k3s_token()}\nagent-token: {r(32, HEX)}\ntls-san:\n  - k3s.lan\n"
    cases = [
        ("helmrelease-values", "grafana.sops.yaml", hr_values, ["--encrypted-regex", "^values$"]),
        ("dotenv-key-regex", "paperless.sops.env", dotenv,
         ["--input-type", "dotenv", "--output-type", "dotenv", "--encrypted-regex", "(SECRET|PASSWORD|PASS)"]),
        ("cloudflared-json-one-key", "credentials.sops.json", tunnel,
         ["--input-type", "json", "--output-type", "json", "--encrypted-regex", "^TunnelSecret$"]),
        ("zigbee2mqtt-int-list", "secret.sops.yaml", z2m, []),
        ("encrypted-comments", "grafana-admin.sops.yaml", comments, []),
        ("ansible-vars", "secrets.sops.yml", ansible, ["--encrypted-regex", "^(k3s_token|sudo_password)$"]),
        ("talos-patch", "controlplane.sops.yaml", talos,
         ["--encrypted-regex", "^(token|key|secretboxEncryptionSecret)$"]),
        ("clusterctl", "clusterctl.sops.yaml", clusterctl,
         ["--encrypted-regex", "^(VSPHERE_PASSWORD|AWS_B64ENCODED_CREDENTIALS)$"]),
        ("argocd-cluster-json-string", "edge.sops.yaml", argocd, ["--encrypted-regex", "^(data|stringData)$"]),
        ("k3s-config", "config.sops.yaml", k3s, ["--encrypted-regex", "^(token|agent-token)$"]),
    ]
    return encrypt_cases(binary, cases, recipient)


def rows(seed: int = 61) -> list[tuple[str, str, str, str]]:
    return assemble(seed, tokens, gitops, lookalikes, _sops_files)

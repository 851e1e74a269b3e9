"""NetworkPolicy semantics with network-config-analyzer (`nca`) over a synthetic cluster.

There is no cluster on the test machine, so the test writes one: namespaces and pods
for the integration, each declared peer, kube-dns, a metrics scraper and pods that must
stay isolated (a stranger in the integration's namespace, an impostor in another
namespace carrying a peer's labels, a fake kube-dns outside kube-system). `nca
--connectivity -o txt_no_fw_rules` then lists, pod by pod, every connection the
policies allow; `parse_connectivity` turns that into data and refuses any line it
does not understand, so a format change fails the test instead of passing it.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.toolbox import require_tool

INTEGRATION_POD = "integration"
ROLE = "hardgen-test/role"


@dataclass(frozen=True)
class SimPod:
    namespace: str
    name: str
    labels: dict[str, str] = field(hash=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def manifest(self) -> dict[str, Any]:
        meta = {"name": self.name, "namespace": self.namespace, "labels": dict(self.labels)}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [{"name": "c", "image": "example.invalid/c:1"}]}}


def peer_pod(direction: str, peer) -> SimPod:
    return SimPod(peer.namespace, f"{direction}-{peer.name}", dict(peer.labels) or {ROLE: f"{direction}-{peer.name}"})


def synthetic_cluster(model, integration_labels: dict[str, str]) -> list[SimPod]:
    """The pods of the synthetic cluster for a resolved model; the integration's labels come from its Deployment."""
    pods = [SimPod(model.kubernetes.namespace, INTEGRATION_POD, dict(integration_labels)),
            SimPod("kube-system", "coredns", {"k8s-app": "kube-dns"}),
            SimPod(model.kubernetes.namespace, "stranger", {ROLE: "stranger"}),
            SimPod(model.kubernetes.namespace, "fake-dns", {"k8s-app": "kube-dns"})]
    pod_peers = [p for p in (*model.ingress, *model.egress) if not p.cidr]
    impostor_labels = dict(pod_peers[0].labels) if pod_peers else {ROLE: "impostor"}
    pods.append(SimPod("hardgen-outsider", "impostor", impostor_labels))
    pods += [peer_pod("in", p) for p in model.ingress if not p.cidr]
    pods += [peer_pod("out", p) for p in model.egress if not p.cidr]
    if model.metrics.enabled and (model.metrics.from_.labels or model.metrics.from_.namespace):
        scraper = model.metrics.from_
        pods.append(SimPod(scraper.namespace or model.kubernetes.namespace, "scraper", dict(scraper.labels) or {ROLE: "scraper"}))
    return pods


def write_cluster(folder: Path, pods: list[SimPod]) -> tuple[Path, Path]:
    from generator.render.yaml_dump import dump_yaml

    names = sorted({p.namespace for p in pods})
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}} for n in names]
    ns_file, pod_file = folder / "namespaces.yaml", folder / "pods.yaml"
    ns_file.write_bytes(dump_yaml({"apiVersion": "v1", "kind": "NamespaceList", "items": namespaces}))
    pod_file.write_bytes(dump_yaml({"apiVersion": "v1", "kind": "PodList", "items": [p.manifest() for p in pods]}))
    return ns_file, pod_file


# ------------------------------------------------------------ the output ---

ALL = "all"
Conn = frozenset  # of (protocol, port) pairs; protocol "*" when nca allows every protocol
IpRanges = tuple  # of (first, last) ipaddress.IPv4Address pairs

_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")
_CUBE = re.compile(r"\{([^{}]*)\}")
_KEY = re.compile(r"(?:^|,)([a-z_]+):")


def _endpoint(text: str) -> str | IpRanges:
    if text.endswith("[Pod]"):
        return text[: -len("[Pod]")]
    ranges = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        ranges.append((ipaddress.ip_address(first), ipaddress.ip_address(last or first)))
    return tuple(ranges)


def _ports(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.strip("[]").split(","):
        lo, _, hi = part.strip().partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def parse_connection(text: str) -> Conn | str:
    """`All connections`, `No connections` or nca's cubes like `{protocols:TCP, UDP,dst_ports:53}`."""
    text = text.strip()
    if text == "All connections":
        return ALL
    if text == "No connections":
        return Conn()
    cubes = _CUBE.findall(text)
    if not cubes or _CUBE.sub("", text).strip(", "):
        raise ValueError(f"unrecognised nca connection {text!r}")
    pairs = set()
    for cube in cubes:
        parts = _KEY.split(cube)
        if parts[0].strip():
            raise ValueError(f"unrecognised nca cube {cube!r}")
        fields = dict(zip(parts[1::2], parts[2::2], strict=True))
        if set(fields) - {"protocols", "dst_ports"}:
            raise ValueError(f"nca cube {cube!r} restricts more than protocols and ports")
        protocols = [p.strip() for p in fields.get("protocols", "*").split(",")]
        if any(p.startswith("all but") for p in protocols):
            protocols = ["*"]
        ports = _ports(fields["dst_ports"]) if "dst_ports" in fields else set(range(1, 65536))
        pairs.update((proto, port) for proto in protocols for port in ports)
    return Conn(pairs)


def parse_connectivity(text: str) -> list[tuple[Any, Any, Any]]:
    """(source, destination, connection) per line; pods as `ns/name`, addresses as ranges."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("global:", "Total run time", "final fw rules")):
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"unrecognised nca output line {line!r}")
        out.append((_endpoint(match["src"]), _endpoint(match["dst"]), parse_connection(match["conn"])))
    return out


def connectivity(policies: list[dict[str, Any]], pods: list[SimPod], work: Path) -> list[tuple[Any, Any, Any]]:
    """Run nca over the policies (as parsed from the output) in the synthetic cluster."""
    from generator.render.yaml_dump import dump_yaml

    ns_file, pod_file = write_cluster(work, pods)
    policy_file = work / "policies.yaml"
    policy_file.write_bytes(dump_yaml(*policies))
    report = work / "connectivity.txt"
    cmd = [require_tool("nca"), "--connectivity", str(policy_file), "--ns_list", str(ns_file),
           "--pod_list", str(pod_file), "--output_format", "txt_no_fw_rules", "--file_out", str(report)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert report.is_file(), f"nca wrote no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert "error" not in proc.stderr.lower(), f"nca reported an error:\n{proc.stderr}"
    return parse_connectivity(report.read_text())


def cluster_flows(model, objects: list[dict[str, Any]], work: Path, policies: list[dict[str, Any]] | None = None):
    """(pods, connectivity lines): the synthetic cluster of a generated output and what nca says its policies allow.

    `policies` defaults to every NetworkPolicy of `objects`; the integration's labels come from its Deployment.
    """
    (deployment,) = [o for o in objects if o.get("kind") == "Deployment"]
    pods = synthetic_cluster(model, deployment["spec"]["template"]["metadata"]["labels"])
    if policies is None:
        policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
    return pods, connectivity(policies, pods, work)


# --------------------------------------------------------- the intent ---

def _matches(pod: SimPod, namespace: str, labels) -> bool:
    return pod.namespace == namespace and all(pod.labels.get(k) == v for k, v in dict(labels).items())


def _tcp(port: int) -> set[tuple[str, int]]:
    return {("TCP", port)}


def intended(model, pods: list[SimPod]) -> dict[tuple[str, str], frozenset]:
    """(source, destination) pod keys -> the exact connection the model asks for; absent means none."""
    integ = next(p for p in pods if p.name == INTEGRATION_POD)
    out: dict[tuple[str, str], set] = {}
    for pod in pods:
        if pod is integ:
            continue
        inbound: set = set()
        for peer in model.ingress:
            if not peer.cidr and _matches(pod, peer.namespace, peer.labels):
                inbound |= _tcp(model.service.port)
        scraper = model.metrics.from_
        if model.metrics.enabled and (scraper.labels or scraper.namespace) and _matches(pod, scraper.namespace or model.kubernetes.namespace, scraper.labels):
            inbound |= _tcp(model.metrics.port)
        outbound: set = set()
        for peer in model.egress:
            if not peer.cidr and _matches(pod, peer.namespace, peer.labels):
                outbound |= _tcp(peer.port)
        if _matches(pod, "kube-system", {"k8s-app": "kube-dns"}):
            outbound |= {("UDP", 53), ("TCP", 53)}
        if inbound:
            out[(pod.key, integ.key)] = inbound
        if outbound:
            out[(integ.key, pod.key)] = outbound
    return {k: frozenset(v) for k, v in out.items()}


def _within(ranges, networks) -> bool:
    """Every address of every range lies in the union of `networks` (nca merges adjacent blocks into one range)."""
    spans = sorted((int(n.network_address), int(n.broadcast_address)) for n in networks)
    for first, last in ranges:
        need, end = int(first), int(last)
        for a, b in spans:
            if a <= need <= b:
                need = b + 1
        if need <= end:
            return False
    return True


def _covers(ranges, net) -> bool:
    """The address ranges (sorted, as nca prints them) cover the whole network."""
    spans = sorted((int(a), int(b)) for a, b in ranges)
    need, end = int(net.network_address), int(net.broadcast_address)
    for a, b in spans:
        if a <= need <= b:
            need = b + 1
        if need > end:
            return True
    return need > end


def allowed_blocks(peer) -> list:
    """A cidr peer's block without its `except` blocks (computed here with `ipaddress`, not with hardgen's code)."""
    blocks = [ipaddress.ip_network(peer.cidr)]
    for hole in (ipaddress.ip_network(e) for e in peer.except_ or ()):
        blocks = [part for net in blocks for part in (net.address_exclude(hole) if hole.subnet_of(net) else [net])]
    return blocks


def flow_problems(model, pods: list[SimPod], lines) -> list[str]:
    """Every difference between what nca says is allowed to/from the integration and the model's intent."""
    integ = f"{model.kubernetes.namespace}/{INTEGRATION_POD}"
    want = intended(model, pods)
    problems = []
    seen_pairs = {}
    ip_in: list = []
    ip_out: list = []
    for src, dst, conn in lines:
        if conn == ALL and integ in (src, dst):
            problems.append(f"{src} => {dst}: all connections allowed")
            continue
        if isinstance(src, str) and isinstance(dst, str):
            if integ in (src, dst):
                seen_pairs[(src, dst)] = conn
        elif dst == integ:
            ip_in.append((src, conn))
        elif src == integ:
            ip_out.append((dst, conn))
    for pair in sorted(set(want) | set(seen_pairs)):
        if want.get(pair, frozenset()) != seen_pairs.get(pair, frozenset()):
            problems.append(f"{pair[0]} => {pair[1]}: nca allows {sorted(seen_pairs.get(pair, []))}, intended {sorted(want.get(pair, []))}")
    ingress_nets = [net for p in model.ingress if p.cidr for net in allowed_blocks(p)]
    for ranges, conn in ip_in:
        if conn != frozenset(_tcp(model.service.port)) or not _within(ranges, ingress_nets):
            problems.append(f"addresses {ranges} may reach the integration with {sorted(conn)}")
    for net in ingress_nets:
        if not _covers([r for ranges, conn in ip_in for r in ranges], net):
            problems.append(f"ingress from {net} is not allowed everywhere in the block")
    egress = [(net, p.port) for p in model.egress if p.cidr for net in allowed_blocks(p)]
    for ranges, conn in ip_out:
        for proto, port in conn:
            nets = [net for net, p in egress if proto == "TCP" and p == port]
            if not _within(ranges, nets):
                problems.append(f"the integration may reach {ranges} on {proto} {port}")
    for net, port in egress:
        if not _covers([r for ranges, conn in ip_out if ("TCP", port) in conn for r in ranges], net):
            problems.append(f"egress to {net} on TCP {port} is not allowed everywhere in the block")
    return problems

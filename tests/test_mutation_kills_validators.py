"""Every validator of the model at its edges: the last value it accepts and the first it refuses.

Why this file: the validators are the only thing that keeps a value from escaping its line in a Dockerfile, a unit
or a JVM argfile, and the end-to-end tests feed them typical values. Mutation testing (tests/mutation/run.py,
issue #17) showed which off-by-one or dropped condition no test noticed; each test here refuses or accepts the
value right at such an edge. A validator returns None for a value it accepts and the reason otherwise.
"""

from __future__ import annotations

import pytest

from generator.errors import ValueHidden
from generator.model import validators as v

#: The limits as numbers, not as PATH_MAX / NAME_MAX: a test that reads the constant moves with it.
PATH_MAX, NAME_MAX = 4095, 255
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def ok(why: str | None) -> bool:
    return why is None


def path_of(length: int, prefix: str = "") -> str:
    """A path of exactly `length` characters made of NAME_MAX-long names."""
    parts, size = [], len(prefix)
    while size < length:
        part = "a" * min(NAME_MAX, length - size - (1 if parts or prefix else 0))
        parts.append(part)
        size += len(part) + (1 if len(parts) > 1 or prefix else 0)
    text = prefix + "/".join(parts) if not prefix else prefix + "/" + "/".join(parts)
    assert len(text) == length, (len(text), length)
    return text


@pytest.mark.parametrize("value", ["plain", "é accent", "tab\tin free text\n"])
def test_unsafe_text_lets_printable_text_through(value):
    assert ok(v.unsafe_text(value, multiline="\t" in value))


@pytest.mark.parametrize("value", ["a\nb", "a\tb", "a\x00", "a\x7f", "é\u2028", "x\u202e", "é\n"])
def test_unsafe_text_refuses_line_breaks_and_controls_in_one_line_values(value):
    assert not ok(v.unsafe_text(value))


def test_unsafe_text_still_refuses_controls_in_free_text():
    assert not ok(v.unsafe_text("a\nb\x00", multiline=True))
    assert not ok(v.unsafe_text("a\u2028", multiline=True))


def test_secret_value_hides_a_token_and_passes_a_word():
    assert isinstance(v.secret_value(TOKEN), ValueHidden)
    assert ok(v.secret_value("orders"))


def test_dns_label_accepts_up_to_its_length_and_refuses_one_more():
    check = v.dns_label(63)
    assert ok(check("a" * 63)) and ok(check("a")) and ok(check("a-1"))
    assert not ok(check("a" * 64))
    assert not ok(check("-a")) and not ok(check("a-")) and not ok(check(""))


def test_system_user_refuses_root_and_names_systemd_would_not_take():
    assert ok(v.system_user("svc-orders")) and ok(v.system_user("a" * 32))
    for name in ("root", "a" * 33, "orders-", "1orders", "Orders", ""):
        assert not ok(v.system_user(name)), name


def test_identifier_is_at_most_64_characters():
    assert ok(v.identifier("a" * 64)) and ok(v.identifier("dbPassword"))
    assert not ok(v.identifier("a" * 65)) and not ok(v.identifier("1a")) and not ok(v.identifier("a-b"))


@pytest.mark.parametrize(("value", "fine"), [(0, False), (1, True), (8080, True), (65535, True), (65536, False), (-1, False)])
def test_port_range(value, fine):
    assert ok(v.port(value)) is fine


def test_image_name_is_at_most_255_characters():
    assert ok(v.image_name("a" * 255)) and ok(v.image_name("registry.example.com:5000/team/orders"))
    assert not ok(v.image_name("a" * 256)) and not ok(v.image_name("Team/orders"))


def test_image_ref_needs_a_pinned_tag_and_at_most_512_characters():
    assert ok(v.image_ref("eclipse-temurin:21-jre-noble")) and ok(v.image_ref("a" * 510 + ":1"))
    for ref in ("eclipse-temurin:latest", "eclipse-temurin", "a" * 511 + ":1"):
        assert not ok(v.image_ref(ref)), ref


def test_image_tag_refuses_latest_and_non_tags():
    assert ok(v.image_tag("1.2.0")) and ok(v.image_tag("latest-fix"))
    assert not ok(v.image_tag("latest")) and not ok(v.image_tag("a b")) and not ok(v.image_tag("a" * 129))


def test_digest_is_sha256_with_64_hex_digits():
    assert ok(v.digest("sha256:" + "ab" * 32))
    assert not ok(v.digest("sha256:" + "ab" * 31)) and not ok(v.digest("sha512:" + "ab" * 32))


def test_relative_path_stays_inside_the_project():
    assert ok(v.relative_path("target/bin/orders.jar")) and ok(v.relative_path("a"))
    for path in ("a/../b", "a/..", "a//b", "/abs", "../a", "a/" + "b" * 256):
        assert not ok(v.relative_path(path)), path


def test_relative_path_fits_path_max():
    assert ok(v.relative_path(path_of(PATH_MAX)))
    assert not ok(v.relative_path(path_of(PATH_MAX + 1)))
    assert ok(v.relative_path("b" * NAME_MAX)) and not ok(v.relative_path("b" * (NAME_MAX + 1)))


def test_absolute_path_is_canonical_and_fits_path_max():
    assert ok(v.absolute_path("/opt/orders")) and ok(v.absolute_path(path_of(PATH_MAX, "/opt")))
    for path in ("opt/orders", "/opt/orders/", "/opt/../etc", "/opt//orders", path_of(PATH_MAX + 1, "/opt"),
                 "/opt/" + "b" * (NAME_MAX + 1)):
        assert not ok(v.absolute_path(path)), path[:40]


def test_within_compares_whole_path_segments_as_the_kernel_resolves_them():
    assert v.within("/opt/a", "/opt") and v.within("/opt", "/opt") and v.within("/opt/./a/", "/opt/a")
    assert v.within("/x", "/")
    assert not v.within("/optx", "/opt") and not v.within("/opt", "/opt/a")
    assert v.overlaps("/opt", "/opt/a") and v.overlaps("/opt/a", "/opt") and not v.overlaps("/opt/a", "/opt/b")


def test_install_dir_is_a_folder_of_its_own():
    assert ok(v.install_dir("/opt/orders")) and ok(v.install_dir("/srv/orders/app"))
    for path in ("/opt", "/srv", "/var/lib/orders", "/var", "/etc/orders", "/tmp/x", "/home/u/app", "/", "opt/orders", "/opt/./"):
        assert not ok(v.install_dir(path)), path


def test_java_binary_is_out_of_reach_of_the_service_user():
    assert ok(v.java_binary("/usr/bin/java")) and ok(v.java_binary("/etc/alternatives/java"))
    for path in ("/tmp/java", "/var/lib/jdk/bin/java", "/home/u/jdk/bin/java", "bin/java", "/usr/bin/java/"):
        assert not ok(v.java_binary(path)), path


def test_cidr_needs_host_bits_zero():
    assert ok(v.cidr("10.0.4.0/24")) and ok(v.cidr("fd00::/8"))
    assert not ok(v.cidr("10.0.4.1/24")) and not ok(v.cidr("nope"))


@pytest.mark.parametrize(("value", "fine"), [("500m", True), ("1", True), ("0.001", True), ("999", True), ("1m", True),
                                             ("0", False), ("0.0", False), ("0.00", False), ("0.000", False), ("0m", False),
                                             ("1000", False), ("-1", False)])
def test_cpu_quantity(value, fine):
    assert ok(v.cpu(value)) is fine


@pytest.mark.parametrize(("value", "fine"), [("64Mi", True), ("63Mi", False), ("65536Ki", True), ("65535Ki", False),
                                             ("1Gi", True), ("1024Ti", True), ("1025Ti", False), ("1048576Gi", True),
                                             ("1048577Gi", False), ("1073741824Mi", True), ("1073741825Mi", False),
                                             ("512M", False), ("0Mi", False)])
def test_memory_quantity_between_what_a_jvm_needs_and_what_hardgen_writes(value, fine):
    assert ok(v.memory(value)) is fine


def test_memory_bytes_reads_each_unit():
    assert [v.memory_bytes(q) for q in ("3Ki", "3Mi", "3Gi", "3Ti", "12Mi")] == [3 << 10, 3 << 20, 3 << 30, 3 << 40, 12 << 20]


def test_labels_follow_kubernetes_label_syntax_and_lengths():
    assert ok(v.labels({"app": "orders", "team": "", "a" * 63: "b" * 63}))
    assert ok(v.labels({"a" * 64 + "/b": "x", "a" * 253 + "/" + "b" * 63: "x"}))
    for bad in ({"a" * 64: "x"}, {"a" * 254 + "/" + "b" * 63: "x"}, {"app": "b" * 64}, {"app": 1}, {"-app": "x"},
                {"app": "-x"}, {"ok": "x", "bad key": "x"}, {"ok": "x", "app": "x y"}):
        assert not ok(v.labels(bad)), bad


def test_jvm_flag_is_one_option_of_at_most_path_max_characters():
    assert ok(v.jvm_flag("-XX:+UseG1GC")) and ok(v.jvm_flag("-Dx=" + "a" * (PATH_MAX - 4)))
    assert not ok(v.jvm_flag("-Dx=" + "a" * (PATH_MAX - 3))) and not ok(v.jvm_flag("-Da b")) and not ok(v.jvm_flag("x"))


def test_jvm_flag_hides_a_secret_property_but_not_an_empty_one():
    assert isinstance(v.jvm_flag("-Ddb.password=hunter2"), ValueHidden)
    assert isinstance(v.jvm_flag("-Dx=" + TOKEN), ValueHidden)
    assert isinstance(v.jvm_flag("-Dpass=1"), ValueHidden)
    assert ok(v.jvm_flag("-Ddb.password=")) and ok(v.jvm_flag("-Ddb.password"))
    assert isinstance(v.jvm_flag("-Ddb.pass=1"), ValueHidden)
    assert ok(v.jvm_flag("-XX:MaxRAMPercentage=75")) and ok(v.jvm_flag("-Dtimeout=30"))


@pytest.mark.parametrize("flag", ["-Djava.security.manager", "-Djava.security.manager=allow", "-Djava.security.policy==/p",
                                  "-Dcom.sun.management.jmxremote", "-Dcom.sun.management.jmxremote.port=9010"])
def test_jvm_flag_refuses_the_security_manager_and_jmx(flag):
    assert not ok(v.jvm_flag(flag))


def test_security_manager_is_withdrawn():
    assert ok(v.security_manager_withdrawn(False)) and not ok(v.security_manager_withdrawn(True))


def test_secret_name_is_a_name_never_the_secret():
    assert ok(v.secret_name("dbPassword"))
    assert isinstance(v.secret_name(TOKEN), ValueHidden)
    assert not ok(v.secret_name("db-password"))


def test_schema_version_tells_newer_from_older_from_nonsense():
    check = v.schema_version(3)
    assert ok(check(3))
    assert "newer" in check(4) and "newer" in check(5)
    assert "older" in check(2) and "older" in check(0)
    assert "not a schema version" in check(-1)


def test_ldaps_url_dn_and_admin_user():
    assert ok(v.ldaps_url("ldaps://ldap.example.com:636")) and not ok(v.ldaps_url("ldap://ldap.example.com"))
    assert ok(v.ldap_dn("ou=users,dc=example,dc=com")) and not ok(v.ldap_dn("users"))
    assert ok(v.mi_admin_user("ops")) and ok(v.mi_admin_user("o" * 64))
    for name in ("Admin", "ADMINISTRATOR", "root", "wso2carbon", "op", "o" * 65, "1ops"):
        assert not ok(v.mi_admin_user(name)), name

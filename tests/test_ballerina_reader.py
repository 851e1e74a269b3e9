"""The project reader (generator/inputs/ballerina/): module-level declarations of Ballerina sources, and packages.

The sources under tests/fixtures/ballerina/sources/ were written for these tests after the constructs of real
Ballerina sources (each file's header names the one it follows; tests/fixtures/ballerina/sources/README.md lists
them with the declarations the reader finds in the originals). The packages beside them are fixture projects.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.inputs.ballerina.project import read_project
from generator.inputs.ballerina.syntax import read_source
from generator.inputs.ballerina.types import Scope, Unknown, rejects

FIXTURES = Path(__file__).parent / "fixtures" / "ballerina"
SOURCES = FIXTURES / "sources"


def declared(name: str) -> list[tuple[str, str, str, object]]:
    """(name, type as written, initializer as written, literal value or '?'/'expr') of each configurable of a source."""
    facts = read_source((SOURCES / name).read_text())
    assert facts.errors == ()
    return [(c.name, c.type.text, c.default.text, "?" if c.required else c.default.value if c.default.literal else "expr")
            for c in facts.configurables]


def test_structured_types_quoted_names_qualified_and_inline_record_types():
    assert declared("structured_types.bal") == [
        ("courier", "Courier & readonly", "?", "?"),
        ("manager", "shared:Manager & readonly", "?", "?"),
        ("pallet", "records:Pallet", "?", "?"),
        ("courierTable", "table<Courier> & readonly", "?", "?"),
        ("managerTable", "table<shared:Manager & readonly> & readonly", "?", "?"),
        ("dispatcher", 'readonly & record { string name; int id; records:Address address = { city: "Galle" }; }', "?", "?"),
        ("pallets", "records:Pallet[] & readonly", "?", "?"),
        ("frozenPallets", "(records:Pallet & readonly)[] & readonly", "?", "?"),
        ("depot", "Depot", "?", "?"),
        ("aliased", "PalletAlias[] & readonly", "?", "?"),
    ]


def test_log_natives_enum_defaults_resolve_and_doc_lines_hold_no_declaration():
    assert declared("log_natives.bal") == [
        ("format", "LogFormat", "LOGFMT", "logfmt"),
        ("level", "LogLevel", "INFO", "INFO"),
        ("modules", "table<Module> key(name) & readonly", "table []", "expr"),
    ]
    facts = read_source((SOURCES / "log_natives.bal").read_text())
    assert facts.enums == {"LogLevel": ("DEBUG", "ERROR", "INFO", "WARN"), "LogFormat": ("json", "logfmt")}
    assert [c.public for c in facts.configurables] == [True, True, False]


def test_final_configurables_and_an_import_of_a_quoted_lang_module():
    assert declared("metric_reporter.bal") == [("host", "string", '"0.0.0.0"', "0.0.0.0"), ("port", "int", "9797", 9797)]
    imports = read_source((SOURCES / "metric_reporter.bal").read_text()).imports
    assert [(i.org, i.module, i.alias) for i in imports] == [("ballerina", "http", "http"), ("ballerina", "lang.string", "str"),
                                                            ("ballerina", "observe", "observe")]


def test_ballerina_by_example_required_and_defaulted_configurables():
    assert declared("configurable_bbe.bal") == [
        ("hostName", "string", "?", "?"),
        ("port", "int", "?", "?"),
        ("enableRemote", "boolean", "true", True),
        ("maxPayload", "float", "1.0", 1.0),
        ("protocol", "string", '"http"', "http"),
        ("acceptTypes", "string[]", '["text/plain"]', ["text/plain"]),
        ("httpVersion", "HttpVersion", "HTTP_1_0", "1.0"),
        ("admin", "UserInfo & readonly", '{ username: "default", password: "password" }', "expr"),
        ("users", "UserTable & readonly", 'table [ {username: "default", password: "password"} ]', "expr"),
    ]


def test_only_module_level_declarations_are_read_never_text_that_looks_like_one():
    assert declared("tricky.bal") == [
        ("type", "int", "8", 8),
        ("a-b", "int", "9", 9),
        ("optional", "string?", "()", None),
        ("signed", "int:Signed16", "-300", -300),
        ("octet", "byte", "0xFF", 255),
        ("ratio", "decimal", "1.5d", Decimal("1.5")),
        ("tiny", "float", ".5", 0.5),
        ("either", "string|int", '"x"', "x"),
        ("labels", "map<string>", '{team: "core"}', "expr"),
        ("computed", "int", "1 + 2", "expr"),
        ("qualified", "int", "10", 10),
        ("pair", "[string, int]", '["a", 1]', ["a", 1]),
        ("spaced", "int", "?", "?"),
        ("choice", '"a"|"b"', '"a"', "a"),
        ("último", "string", '"ñ"', "ñ"),
        ("annotated", "int", "15", 15),
    ]


def test_a_declaration_keeps_the_comment_lines_right_above_it_and_its_line():
    facts = read_source("// one\n// hardgen: listener-port\nconfigurable int port = 1; // same line\n\n// apart\n\nconfigurable int b = 2;\n")
    port, b = facts.configurables
    assert port.comments == ("// one", "// hardgen: listener-port") and port.line == 3
    assert b.comments == () and b.line == 7


def test_the_java_release_of_a_distribution():
    from generator.model.project import java_of

    assert [java_of(d) for d in ("2201.0.0", "2201.8.4", "2201.10.0", "2201.11.0", "2201.13.0-m3", "slbeta6", "2.0.0")] == [
        17, 17, 17, 21, 21, None, None]


def test_the_distribution_that_built_the_jar_wins_over_the_one_the_manifest_names(tmp_path):
    project_dir = tmp_path / "p"
    shutil.copytree(FIXTURES / "greeter", project_dir)
    lock = project_dir / "Dependencies.toml"
    lock.write_text(lock.read_text().replace('distribution-version = "2201.8.0"', 'distribution-version = "2201.12.1"'))
    project = read_project(project_dir)
    assert project.distribution == "2201.8.0"
    assert project.built_by() == ("2201.12.1", f"{lock}: [ballerina] distribution-version = '2201.12.1'")


@pytest.mark.parametrize(("source", "words"), [
    ("configurable int x;", "a configurable without an initializer"),
    ("configurable int = 1;", "whose name this reader cannot find"),
    ("configurable int x = ;", "has an empty initializer"),
])
def test_a_declaration_it_cannot_read_is_refused_with_its_line(source, words):
    (line, message), = read_source("\n" + source + "\n").errors
    assert line == 2 and words in message


# --- packages -------------------------------------------------------------------------------


def test_the_orders_fixture_package_with_its_submodule():
    project = read_project(FIXTURES / "orders")
    assert (project.org, project.name, project.distribution, project.observability_included) == ("myorg", "orders", "2201.10.0", True)
    assert [m.name for m in project.modules] == ["", "db"]
    assert [(c.module, c.name, c.required, c.where) for c in project.configurables()] == [
        ("", "port", False, "main.bal:11"), ("", "keystorePath", True, "main.bal:13"),
        ("", "keystorePassword", True, "main.bal:15"), ("", "dbPassword", True, "main.bal:16"),
        ("db", "poolSize", False, "modules/db/db.bal:2")]
    assert project.includes("ballerinax", "prometheus")[0]  # no Dependencies.toml: its imports say so


def test_dependencies_toml_decides_what_is_in_the_program_and_test_only_packages_are_not():
    project = read_project(FIXTURES / "greeter")
    assert project.lock_file and project.distribution_version == "2201.8.0"
    assert project.includes("ballerina", "log") == (True, str(FIXTURES / "greeter" / "Dependencies.toml"))
    assert not project.includes("ballerina", "test")[0]  # scope = "testOnly"
    assert not project.includes("ballerinax", "prometheus")[0]


def test_test_sources_are_not_part_of_the_program():
    project = read_project(FIXTURES / "greeter")
    assert [c.name for c in project.configurables()] == ["port", "greeting"]
    assert "testOnlyValue" in (FIXTURES / "greeter/tests/main_test.bal").read_text()


def test_generated_sources_belong_to_their_module(tmp_path):
    project_dir = tmp_path / "p"
    shutil.copytree(FIXTURES / "greeter", project_dir)
    (project_dir / "generated" / "extra").mkdir(parents=True)
    (project_dir / "generated" / "gen.bal").write_text("configurable int generatedRoot = 1;\n")
    (project_dir / "generated" / "extra" / "x.bal").write_text("configurable int generatedSub = 2;\n")
    project = read_project(project_dir)
    assert [(c.module, c.name, c.file) for c in project.configurables()] == [
        ("", "generatedRoot", "generated/gen.bal"), ("", "port", "main.bal"), ("", "greeting", "main.bal"),
        ("extra", "generatedSub", "generated/extra/x.bal")]


def test_a_source_with_a_byte_order_mark_is_read_like_any_other(tmp_path):
    project_dir = tmp_path / "p"
    shutil.copytree(FIXTURES / "greeter", project_dir)
    main = project_dir / "main.bal"
    main.write_bytes(b"\xef\xbb\xbf" + main.read_bytes())
    project = read_project(project_dir)
    assert [c.name for c in project.configurables()] == ["port", "greeting"]
    assert [i.module for _file, i in project.module("").imports] == ["http", "log"]


def test_types_resolve_through_type_definitions_enums_and_submodule_imports():
    project = read_project(FIXTURES / "inventory")
    root = project.module("")
    scope = Scope(project, root)
    by_name = {c.name: c for c in root.configurables}
    assert rejects(by_name["region"].type, scope, "us-east") is None
    assert "is not one of the values" in rejects(by_name["region"].type, scope, "mars")
    assert "out of the range of `int:Unsigned16` (0..65535)" in rejects(by_name["maxItems"].type, scope, 70000)
    assert "write 1.0" in rejects(by_name["taxRate"].type, scope, 1)
    assert rejects(by_name["database"].type, scope, "x") == "is a TOML string; `DbConfig & readonly` takes a TOML table"
    with pytest.raises(Unknown):
        rejects(read_source("configurable http:Version v = ?;").configurables[0].type, scope, "1.1")


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: (d / "Ballerina.toml").write_text('[package]\nname = "x"\n'), "package.org: is missing"),
    (lambda d: (d / "Ballerina.toml").write_text('[package\n'), "is not valid TOML"),
    (lambda d: (d / "main.bal").write_text('configurable string s = "open;\n'), "main.bal: line 1, column 25: a string literal is not closed"),
    (lambda d: (d / "extra.bal").write_text("configurable int port = 1;\n"), "main.bal: line 8: configurable 'port' is also declared at extra.bal:1"),
    (lambda d: (d / "Ballerina.toml").unlink(), "holds no Ballerina.toml"),
])
def test_a_package_it_cannot_read_is_refused_naming_the_file(tmp_path, change, words):
    project_dir = tmp_path / "p"
    shutil.copytree(FIXTURES / "greeter", project_dir)
    change(project_dir)
    with pytest.raises(UserError) as caught:
        read_project(project_dir)
    assert any(words in str(p) for p in caught.value.problems), caught.value.problems


def test_the_default_project_is_the_current_folder_only_when_it_holds_a_ballerina_toml(tmp_path):
    from argparse import Namespace

    from generator.commands import project_folder

    assert project_folder(Namespace(project=None), tmp_path) is None
    assert project_folder(Namespace(project=None), FIXTURES / "greeter") == FIXTURES / "greeter"
    assert project_folder(Namespace(project=tmp_path / "given"), FIXTURES / "greeter") == tmp_path / "given"

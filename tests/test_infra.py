"""infra/terraform/ and the Dockerfile, checked without Terraform or Docker (issue 16).

Every .tf file parses (python-hcl2); every `var.x` a module reads is declared in it, every
variable it declares is used; every module call passes only inputs its module declares, all
the required ones, and reads only outputs it has; no secret is a variable or an attribute;
checkov finds 0 failed checks (each skip carries its reason inline); hadolint passes on the
Dockerfile and the image keeps the project's rules (pinned bases, several stages, non-root,
HEALTHCHECK, no secret baked in). checkov and hadolint live in a virtualenv of their own
(`make infra-lint-tools`, run by `make test`; the fixture makes it when it is missing).
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = ROOT / "infra" / "terraform"
LINT_VENV = ROOT / "build" / "venv-infra-lint"
DOCKERFILE = ROOT / "Dockerfile"
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}
SECRET_NAME = re.compile(r"password|passwd|secret_key|private_key|access_key|token|api_key", re.I)


def unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


@cache
def parsed(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return hcl2.load(f)


def module_dirs() -> list[Path]:
    return [TERRAFORM, *sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())]


def blocks(directory: Path, kind: str) -> dict[str, dict[str, Any]]:
    """name => body of every `kind "name" {}` block (variable, output, module) in a directory."""
    found: dict[str, dict[str, Any]] = {}
    for tf in sorted(directory.glob("*.tf")):
        for block in parsed(tf).get(kind, []):
            for name, body in block.items():
                found[unquote(name)] = body
    return found


def text_of(directory: Path) -> str:
    """The module's parsed content as text: expressions without the comments."""
    return json.dumps([parsed(tf) for tf in sorted(directory.glob("*.tf"))], ensure_ascii=False)


def references(directory: Path, prefix: str) -> set[str]:
    return set(re.findall(rf"\b{prefix}\.([A-Za-z_][A-Za-z0-9_-]*)", text_of(directory)))


def test_every_tf_file_parses() -> None:
    files = sorted(TERRAFORM.rglob("*.tf"))
    assert len(files) >= 20, files
    for tf in files:
        assert parsed(tf), tf
    expected = {"network", "kms", "postgresql", "broker", "storage", "secrets", "app", "ingress"}
    assert expected <= {p.name for p in module_dirs()[1:]}
    for directory in module_dirs():
        for part in ("variables.tf", "outputs.tf", "main.tf"):
            assert (directory / part).is_file(), directory / part


def test_variables_read_are_declared_and_declared_are_read() -> None:
    for directory in module_dirs():
        declared = set(blocks(directory, "variable"))
        used = references(directory, "var")
        assert used <= declared, (directory.name, sorted(used - declared))
        assert declared <= used, (directory.name, "unused", sorted(declared - used))
        for name, body in blocks(directory, "variable").items():
            assert unquote(body.get("description", "")).strip(), (directory.name, name)
            assert "type" in body, (directory.name, name)
        for name, body in blocks(directory, "output").items():
            assert unquote(body.get("description", "")).strip(), (directory.name, name)


def test_module_calls_match_their_modules() -> None:
    calls = blocks(TERRAFORM, "module")
    assert calls, "the root module calls no module"
    for name, body in calls.items():
        source = TERRAFORM / unquote(body["source"])
        assert source.is_dir(), (name, source)
        declared = blocks(source, "variable")
        passed = {key for key in body if key not in MODULE_META and not key.startswith("__")}
        assert passed <= set(declared), (name, "unknown inputs", sorted(passed - set(declared)))
        required = {var for var, spec in declared.items() if "default" not in spec}
        assert required <= passed, (name, "missing inputs", sorted(required - passed))
    for directory in module_dirs():
        text = text_of(directory)
        for module, output in re.findall(r"\bmodule\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)", text):
            called = blocks(directory, "module")
            assert module in called, (directory.name, module)
            source = directory / unquote(called[module]["source"])
            assert output in blocks(source, "output"), (directory.name, module, output)


def test_templates_get_every_value_they_use() -> None:
    templates = sorted(TERRAFORM.rglob("*.tftpl"))
    assert templates
    for template in templates:
        caller = (template.parent / "main.tf").read_text()
        assert f'templatefile("${{path.module}}/{template.name}"' in caller, template
        used = set(
            re.findall(r"[$%]\{\s*(?:if\s+)?(?:indent\(\d+,\s*)?([a-z_]+)", template.read_text())
        )
        used -= {"if", "else", "endif", "for", "endfor"}
        for name in used:
            assert re.search(rf"\b{name}\s*=", caller), (template.name, name)


def test_provider_is_pinned_and_from_yandex_cloud() -> None:
    terraform = parsed(TERRAFORM / "versions.tf")["terraform"][0]
    yandex = terraform["required_providers"][0]["yandex"]
    assert unquote(yandex["source"]) == "yandex-cloud/yandex"
    # "~> 0.145.0" or "= 0.145.0": one minor release, never an open range.
    assert re.fullmatch(r"(~>|=)\s*\d+\.\d+\.\d+", unquote(yandex["version"])), yandex["version"]
    # Each module names the source too: without it Terraform would look for hashicorp/yandex.
    for directory in module_dirs()[1:]:
        required = parsed(directory / "versions.tf")["terraform"][0]["required_providers"][0]
        assert unquote(required["yandex"]["source"]) == "yandex-cloud/yandex", directory.name


def test_no_secret_passes_through_variables_state_or_the_example() -> None:
    for directory in module_dirs():
        for name in blocks(directory, "variable"):
            assert not SECRET_NAME.search(name), (directory.name, name)
        # Resource arguments that would put a secret into the state.
        for tf in directory.glob("*.tf"):
            for block in parsed(tf).get("resource", []):
                for kind, named in block.items():
                    for resource, body in named.items():
                        assert "password" not in body, (tf.name, kind, resource)
                        if unquote(kind) == "yandex_lockbox_secret_version":
                            raise AssertionError(f"{tf.name}: secret values set by Terraform")
    user = parsed(TERRAFORM / "modules" / "postgresql" / "main.tf")["resource"]
    pg_user = next(
        b['"yandex_mdb_postgresql_user"'] for b in user if '"yandex_mdb_postgresql_user"' in b
    )
    assert next(iter(pg_user.values()))["generate_password"] is True
    example = parsed(TERRAFORM / "terraform.tfvars.example")
    root = blocks(TERRAFORM, "variable")
    assert set(example) - {"__comments__"} <= set(root), sorted(set(example) - set(root))
    required = {name for name, spec in root.items() if "default" not in spec}
    assert required <= set(example), sorted(required - set(example))
    assert not any(SECRET_NAME.search(key) for key in example)


def test_postgresql_is_private_with_backups_and_a_supported_version() -> None:
    root = blocks(TERRAFORM, "variable")
    assert int(unquote(root["postgresql_version"]["default"])) >= 15  # docs/operate.md
    text = (TERRAFORM / "modules" / "postgresql" / "main.tf").read_text()
    assert "assign_public_ip = false" in text
    assert "backup_retain_period_days" in text
    assert re.search(r'pooling_mode\s*=\s*"SESSION"', text)  # LISTEN needs a session


def test_app_runs_serve_and_worker_with_health_checks() -> None:
    app = (TERRAFORM / "modules" / "app" / "main.tf").read_text()
    assert "saas serve" in app and "saas worker" in app
    assert re.search(r'path\s*=\s*"/healthz"', app)
    ingress = (TERRAFORM / "modules" / "ingress" / "main.tf").read_text()
    assert re.search(r'path\s*=\s*"/readyz"', ingress)
    assert '"*.${var.base_domain}"' in ingress and "sni_handler" in ingress
    assert "websocket" in ingress


def http_handlers(node: Any) -> list[dict[str, Any]]:
    """Every `http_handler` block under a parsed block, dynamic blocks' content included."""
    if isinstance(node, list):
        return [h for item in node for h in http_handlers(item)]
    if not isinstance(node, dict):
        return []
    found = [h for h in node.get("http_handler", []) if isinstance(h, dict)]
    return found + [h for key, value in node.items() for h in http_handlers(value)]


def test_browsers_get_http2_on_every_https_handler() -> None:
    """Issue 12: the cabinet's files on one HTTP/2 connection, not HTTP/1.1's six at a time."""
    ingress = parsed(TERRAFORM / "modules" / "ingress" / "main.tf")
    balancers = [b.get('"yandex_alb_load_balancer"') for b in ingress["resource"]]
    balancers = [body for b in balancers if b for body in b.values()]
    https = [
        listener
        for body in balancers
        for listener in body["listener"]
        if unquote(listener["name"]) == "https"
    ]
    assert len(https) == 1, https
    handlers = http_handlers(https[0]["tls"])
    assert len(handlers) == 2, handlers  # the platform's certificate's, a firm domain's (SNI)
    for handler in handlers:
        assert handler.get("http2_options"), handler
        assert "allow_http10" not in handler  # the provider refuses it beside http2_options


@pytest.fixture(scope="module")
def lint_tools() -> Path:
    if not (LINT_VENV / ".installed").exists():
        subprocess.run(["make", "-s", "infra-lint-tools"], cwd=ROOT, check=True, timeout=900)
    return LINT_VENV / "bin"


def test_checkov_finds_no_failed_check(lint_tools: Path) -> None:
    run = subprocess.run(
        [
            str(lint_tools / "checkov"),
            *("-d", str(TERRAFORM), "--framework", "terraform", "--output", "json"),
            "--skip-download",  # no calls home; checks are the same
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    failed = [
        (c["check_id"], c["resource"], c["file_path"]) for c in report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0, failed
    assert summary["parsing_errors"] == 0, summary
    passed = {(c["check_id"], c["resource"]) for c in report["results"]["passed_checks"]}
    # The checks that matter most ran on the resources they guard (a rename would drop them).
    for check in [
        ("CKV_YC_12", "module.postgresql.yandex_mdb_postgresql_cluster.this"),  # no public IP
        ("CKV_YC_3", "module.storage.yandex_storage_bucket.files"),  # encrypted
        ("CKV_YC_17", "module.storage.yandex_storage_bucket.files"),  # not public
        ("CKV_YC_18", "module.app.yandex_compute_instance_group.api"),  # no public IP
        ("CKV_YC_18", "module.app.yandex_compute_instance_group.worker"),
        ("CKV_YC_2", "module.broker.yandex_compute_instance.rabbitmq"),
        ("CKV_YC_9", "module.kms.yandex_kms_symmetric_key.this"),  # rotated
    ]:
        assert check in passed, check
    for skipped in report["results"].get("skipped_checks", []):
        assert (skipped.get("suppress_comment") or "").strip(), skipped["check_id"]
    for tf in TERRAFORM.rglob("*.tf"):
        for line in tf.read_text().splitlines():
            if "checkov:skip=" in line:
                assert re.search(r"checkov:skip=CKV2?_[A-Z]+_\d+:\s*\S.{10,}", line), (tf, line)


def render(template: Path) -> str:
    """A cloud-init template with sample values, the way templatefile() would fill it."""
    text = template.read_text()
    script = (TERRAFORM / "files" / "lockbox_env.py").read_text().rstrip("\n")
    text = text.replace("${indent(6, lockbox_env)}", script.replace("\n", "\n" + " " * 6))
    env = "SAAS_ENV=production\nSENTRY_DSN=https://key@sentry.example.ru/1"
    text = text.replace("${indent(6, settings_env)}", env.replace("\n", "\n" + " " * 6))
    text = re.sub(r"%\{ if (\w+) \}(.*?)%\{ else \}(.*?)%\{ endif \}", r"\2", text)
    return re.sub(r"\$\{[a-z_]+\}", "sample", text)


def test_cloud_init_renders_to_yaml_with_units_that_read_lockbox(lint_tools: Path) -> None:
    for template in sorted(TERRAFORM.rglob("cloud-init.yaml.tftpl")):
        rendered = render(template)
        assert "${" not in rendered and "%{" not in rendered, template
        # PyYAML comes with checkov, in the lint tools' virtualenv.
        run = subprocess.run(
            [str(lint_tools / "python"), "-c", PARSE_YAML],
            input=rendered,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, (template, run.stderr[-2000:])
        config = json.loads(run.stdout)
        files = {f["path"]: f["content"] for f in config["write_files"]}
        compile(files["/usr/local/bin/lockbox_env.py"], "lockbox_env.py", "exec")
        units = [content for path, content in files.items() if path.endswith(".service")]
        assert units, template
        main_unit = units[0]
        assert "Restart=always" in main_unit
        assert "ExecStartPre=/usr/bin/python3 /usr/local/bin/lockbox_env.py /run/" in main_unit
        assert config["runcmd"][-1][:3] == ["systemctl", "enable", "--now"], config["runcmd"]


PARSE_YAML = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_passes_hadolint(lint_tools: Path) -> None:
    run = subprocess.run(
        [str(lint_tools / "hadolint"), "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_dockerfile_keeps_the_rules() -> None:
    instructions = dockerfile_instructions()
    froms = [args for op, args in instructions if op == "FROM"]
    assert len(froms) >= 3, froms
    for base in froms:
        image = base.split()[0]
        # Pinned to a full version: name:X.Y.Z[-variant] (or a digest), never :latest.
        assert re.search(r":\d+\.\d+\.\d+(-[\w.-]+)?$|@sha256:[0-9a-f]{64}$", image), image
        assert re.search(r"\bAS\s+\w+", base, re.I), base
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}, users
    assert any(op == "HEALTHCHECK" and "/healthz" in args for op, args in final)
    cmd = [args for op, args in final if op == "CMD"]
    assert cmd and json.loads(cmd[-1])[:2] == ["saas", "serve"], cmd
    assert any(op == "COPY" and "--from=web" in args and "dist" in args for op, args in final)
    for op, args in instructions:
        if op in {"ENV", "ARG"}:
            assert not re.search(r"PASSWORD|SECRET|TOKEN|DSN|_KEY\b|DATABASE_URL", args), args
        assert op != "ADD", "COPY, not ADD"
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "**" in ignore, "the build context is an allow-list (.data, .venv, .git stay out)"
    assert not any(
        line.lstrip("!").startswith((".data", ".venv", ".env"))
        for line in ignore
        if line.startswith("!")
    )


def test_build_context_holds_what_the_dockerfile_copies() -> None:
    """Each COPY from the context names a file that exists and that .dockerignore lets in."""
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()]
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    excluded = {rule.rstrip("/") for rule in rules if not rule.startswith(("!", "#", "**"))}
    copied = []
    for op, args in dockerfile_instructions():
        if op == "COPY" and "--from=" not in args:
            copied += args.split()[:-1]
    assert copied
    for source in copied:
        path = source.rstrip("/")
        assert (ROOT / path).exists(), source
        assert any(path == a or path.startswith(a + "/") for a in allowed), source
        assert not any(path == e or path.startswith(e + "/") for e in excluded), source
    assert "web/node_modules" in excluded and "web/dist" in excluded


def test_docs_point_to_the_infrastructure() -> None:
    assert "infra/terraform/README.md" in (ROOT / "docs" / "operate.md").read_text()
    readme = (TERRAFORM / "README.md").read_text()
    for needle in (
        "100 firms",
        "1,000 firms",
        "10,000 firms",
        "saas migrate",
        "saas tenant create",
    ):
        assert needle in readme, needle


def test_citus_variant_shards_by_schema_on_private_encrypted_nodes() -> None:
    """The optional Citus module (docs/operate.md): schema-based sharding from the first boot,
    a coordinator plus workers, no public address, encrypted data disks."""
    module = TERRAFORM / "modules" / "citus"
    template = (module / "cloud-init.yaml.tftpl").read_text()
    assert "citus.enable_schema_based_sharding=on" in template
    text = text_of(module)
    assert "coordinator" in text and "var.worker_count" in text
    assert '"nat": false' in text
    assert text.count("var.kms_key_id") >= 2  # boot and data disks
    assert "coordinator_address" in blocks(module, "output")

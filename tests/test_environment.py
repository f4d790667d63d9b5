"""environment.yml (for conda users) must mirror pyproject.toml, the one dependency list."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    name, spec = m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")
    return name, spec


def test_environment_yml_mirrors_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    wanted = dict(_norm(r) for r in project["dependencies"])
    wanted.update(_norm(r) for r in project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, spec = _norm(dep)
            if name in ("python", "pip"):
                continue
            conda[name] = spec
    assert conda == wanted, (
        "environment.yml and pyproject.toml disagree; pyproject.toml is the source of truth: "
        f"only in pyproject {sorted(set(wanted) - set(conda))}, only in environment.yml "
        f"{sorted(set(conda) - set(wanted))}, differing pins "
        f"{sorted(k for k in wanted.keys() & conda.keys() if wanted[k] != conda[k])}"
    )
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == ["python=3.11"]
    assert project["requires-python"] == ">=3.11"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in ci


def test_package_layers_import_only_downwards():
    """raw -> edition (data) -> method -> analysis -> report -> run: no module imports from a
    layer above its own (errors, choices and text sit below every layer)."""
    import ast
    from pathlib import Path

    order = {"": 0, "data": 1, "method": 2, "analysis": 3, "report": 4, "run": 5}
    pkg = Path(__file__).resolve().parent.parent / "ldi_helpers"
    bad = []
    for f in pkg.rglob("*.py"):
        rel = f.relative_to(pkg)
        layer = rel.parts[0] if len(rel.parts) > 1 else ""
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0 and (node.module or "").startswith("ldi_helpers."):
                target = node.module.split(".")[1]
            elif node.level == 2 and node.module:
                target = node.module.split(".")[0]
            elif node.level == 1 and layer:
                target = layer
            else:
                continue
            if order.get(target, 0) > order[layer]:
                bad.append(f"{rel}:{node.lineno} imports {target}")
    assert not bad, bad
    # every layer exists and the flat layout is gone
    assert {p.name for p in pkg.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == \
        {"data", "method", "analysis", "report", "run"}
    assert sorted(p.name for p in pkg.glob("*.py")) == ["__init__.py", "choices.py", "errors.py",
                                                        "text.py"]

"""What a repository published through HACS holds: workflows, changelog, working links.

The validators' workflows, a changelog tied to the manifest's version, and documentation
whose links lead somewhere.

The workflows cannot run here; this reads them as GitHub would and checks what they must do.
"""

import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import pytest
import yaml

ROOT = Path(__file__).parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
MANIFEST = json.loads((ROOT / "custom_components/nexus/manifest.json").read_text("utf-8"))
# Home Assistant publishes the hassfest action from its default branch only, with no release.
UNRELEASED_ACTIONS = {"home-assistant/actions/hassfest": "master"}
MARKDOWN = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(data: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    on = data.get("on", data.get(True))
    return on if isinstance(on, dict) else dict.fromkeys(on)


def steps(data: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job["steps"]]


def test_the_validators_run_on_every_push_pull_request_and_daily() -> None:
    data = workflow("validate.yml")
    on = triggers(data)
    assert {"push", "pull_request", "schedule"} <= on.keys()
    assert on["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    uses = {step.get("uses", "").split("@")[0]: step for step in steps(data)}
    assert "home-assistant/actions/hassfest" in uses
    assert uses["hacs/action"]["with"]["category"] == "integration"


def test_the_test_workflow_runs_the_readmes_test_command() -> None:
    data = workflow("tests.yml")
    assert {"push", "pull_request"} <= triggers(data).keys()
    (job,) = data["jobs"].values()
    assert job["runs-on"].startswith("ubuntu-")
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["scripts/test"]
    readme = (ROOT / "README.md").read_text("utf-8")
    assert re.search(r"^scripts/test\s+#", readme, re.MULTILINE)


@pytest.mark.parametrize("name", ["validate.yml", "tests.yml"])
def test_every_action_is_pinned_and_every_script_exists(name: str) -> None:
    for step in steps(workflow(name)):
        if "uses" in step:
            action, _, version = step["uses"].partition("@")
            if action in UNRELEASED_ACTIONS:
                assert version == UNRELEASED_ACTIONS[action]
            else:
                assert re.fullmatch(r"v?\d+\.\d+\.\d+", version), step["uses"]
        for word in step.get("run", "").split():
            if "/" in word:
                assert (ROOT / word).exists(), word


def test_the_manifest_as_hassfest_reads_a_custom_integration() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])  # hassfest sorts the rest
    assert {"codeowners", "documentation", "issue_tracker", "version"} <= MANIFEST.keys()
    assert MANIFEST["domain"] == ROOT.joinpath("custom_components", "nexus").name
    assert MANIFEST["iot_class"] in {"cloud_polling", "cloud_push", "local_polling"}
    assert AwesomeVersion(MANIFEST["version"]).strategy == "SemVer"


def test_hacs_json_as_the_hacs_action_reads_it() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text("utf-8"))
    allowed = {"name", "content_in_root", "zip_release", "filename", "hide_default_branch"}
    allowed |= {"country", "homeassistant", "hacs", "persistent_directory"}
    assert hacs.keys() <= allowed
    assert hacs["name"] == MANIFEST["name"]
    # The oldest release the tests run on (pinned by the plugin's version there).
    oldest = (ROOT / "requirements_oldest.txt").read_text("utf-8")
    assert f"pins homeassistant {hacs['homeassistant']}," in oldest


def test_the_manifests_version_is_the_changelogs_top_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert versions, "no released version"
    assert versions[0] == MANIFEST["version"]
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{versions[0]}]")
    assert versions == sorted(versions, key=AwesomeVersion, reverse=True)


def test_the_readme_is_for_users() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert len(readme.splitlines()) <= 300
    assert "scripts/develop   #" in readme
    assert "my.home-assistant.io/redirect/hacs_repository/" in readme
    assert readme.count("my.home-assistant.io/redirect/blueprint_import/") == 2


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", prose(path), re.M)}


def prose(path: Path) -> str:
    """The file without its code blocks."""
    return re.sub(r"^```.*?^```", "", path.read_text("utf-8"), flags=re.M | re.S)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(path)):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, fragment = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{path.name}: {target}"
        if fragment:
            assert fragment in anchors(linked), f"{path.name}: {target}"

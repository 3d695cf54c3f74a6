"""Hooks: every answer validated, hostile answers stay data, nothing left behind."""

import base64
import json
import re
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException, OutputDirExistsException

from crudgen.extension import CRUFT_RENDERS, cruft_internal_render, project_dir
from crudgen.validate import CHOICES as CHOICE_ANSWERS
from hooks import post_gen_project, pre_gen_project
from tests.conftest import BIN, TEMPLATE, bake, run
from tests.test_validate import VALID as VALID_ANSWERS

VALID = {**VALID_ANSWERS, "description": "A book service.", "_repo_dir": str(TEMPLATE)}
PAYLOAD = "__import__('os').system('touch {marker}')"
BAD_ANSWERS = [
    ("project_name", ""),
    ("project_name", "Book\nService"),
    ("project_slug", "My Slug"),
    ("project_slug", "../escape"),
    ("project_slug", "1book"),
    ("package_name", "book-service"),
    ("package_name", "class"),
    ("package_name", "json"),
    ("package_name", "fastapi"),
    ("package_name", "Book_Service"),
    ("description", ""),
    ("description", "two\nlines"),
    ("author_email", "not-an-email"),
    ("author_email", "a b@example.com"),
    ("entity_name", ""),
    ("entity_name", "None"),
    ("entity_name", "2Books"),
    ("entity_name", "Book-Item"),
    ("entity_name", "Mapped"),
    ("entity_plural", "core"),
    ("entity_name", "Bück"),
    ("entity_name", PAYLOAD),
    ("entity_name", "'''; import os; os.system('touch {marker}') #"),
    ("entity_plural", "book"),
    ("fields", "price:decimel(10,2)"),
    ("fields", "id:int"),
    ("fields", "title:str(200), title:text"),
    ("fields", "limit:int"),
    ("fields", "pages:int, pages_gte:int"),
    ("fields", 'title:str(10)="""; ' + PAYLOAD),
    ("fields", "created_at:datetime"),
    ("id_type", "uid"),
    ("database", "mysql"),
    ("pagination", "pages"),
    ("auth", "basic"),
    ("python_version", "3.9"),
    ("ci", "jenkins"),
]


def test_pre_gen_main_accepts_valid_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert pre_gen_project.main(VALID, str(TEMPLATE)) == 0
    assert capsys.readouterr().err == ""


def test_pre_gen_main_reports_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    answers = {**VALID, "entity_name": "None", "author_email": "nope", "fields": "id:int"}
    assert pre_gen_project.main(answers, str(TEMPLATE)) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [
        "author_email",
        "entity_name",
        "fields",
    ]
    assert lines[-1] == "3 answer(s) rejected; nothing was generated."


@pytest.mark.parametrize("hook", ["pre_gen_project.py", "post_gen_project.py"])
def test_hook_reads_answers_only_as_json(hook: str) -> None:
    source = (TEMPLATE / "hooks" / hook).read_text(encoding="utf-8")
    jinja_lines = [line.strip() for line in source.splitlines() if "{{" in line or "{%" in line]
    answers = 'json.loads(r"""{{ cookiecutter|tojson }}""")'
    root = "root = json.loads(r'''{{ template_root()|tojson }}''')  # fmt: skip"
    quiet = "quiet = json.loads(r'''{{ cruft_internal_render()|tojson }}''')  # fmt: skip"
    expected = {
        "pre_gen_project.py": [root, f"sys.exit(main({answers}, root))"],
        "post_gen_project.py": [root, quiet, f"sys.exit(main({answers}, root, quiet=quiet))"],
    }
    assert jinja_lines == expected[hook]


@pytest.mark.parametrize("auth", ["none", "oidc"])
def test_post_gen_writes_env_once(tmp_path: Path, auth: str) -> None:
    (tmp_path / ".env.example").write_text("DATABASE_URL=x\n", encoding="utf-8")
    post_gen_project.write_env(tmp_path, {"auth": auth})
    written = (tmp_path / ".env").read_text(encoding="utf-8")
    assert written.startswith("DATABASE_URL=x\n")
    assert ("AUTH_DEV_KEY=" in written) is (auth == "oidc")
    (tmp_path / ".env").write_text("mine\n", encoding="utf-8")
    post_gen_project.write_env(tmp_path, {"auth": auth})
    assert (tmp_path / ".env").read_text(encoding="utf-8") == "mine\n"


def test_post_gen_dev_key_is_a_fresh_32_byte_seed_per_bake() -> None:
    lines = [post_gen_project.dev_key_line({"auth": "oidc"}) for _ in range(2)]
    seeds = [line.rpartition("AUTH_DEV_KEY=")[2].strip() for line in lines]
    assert seeds[0] != seeds[1]
    for seed in seeds:
        assert len(base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4))) == 32


def test_post_gen_answers_keep_public_answers_and_template() -> None:
    kept = post_gen_project.answers({**VALID, "_template": "gh:org/repo", "_output_dir": "/x"})
    assert kept["cookiecutter"] == {
        **{k: v for k, v in VALID.items() if not k.startswith("_")},
        "_template": "gh:org/repo",
    }


def test_post_gen_next_steps_name_the_project() -> None:
    steps = post_gen_project.next_steps(VALID).splitlines()
    assert steps[:2] == ["Generated book-service. Next:", "  cd book-service"]
    assert [s.split()[1] for s in steps[2:]] == ["install", "migrate", "run", "test"]


@pytest.mark.parametrize(
    ("shell", "project", "shown"),
    [
        ("/src/cookiecutter-fastapi-crud", "/src/book-service", "../book-service"),
        ("/src", "/src/book-service", "book-service"),
        ("/home/me/a/b/c", "/tmp/out/book-service", "/tmp/out/book-service"),
        (None, "/src/book-service", "book-service"),
    ],
)
def test_next_steps_cd_from_the_users_shell(shell: str | None, project: str, shown: str) -> None:
    assert post_gen_project.path_from(shell, Path(project)) == shown
    steps = post_gen_project.next_steps(VALID, shown).splitlines()
    assert steps[1] == f"  cd {shown}"


def test_only_cruft_update_and_diff_renders_are_internal() -> None:
    """cruft's update and diff render through CRUFT_RENDERS (cruft create and cookiecutter
    do not): a call from a frame of that module is an internal render, any other is not."""
    assert cruft_internal_render() is False
    namespace: dict[str, object] = {"__name__": CRUFT_RENDERS, "probe": cruft_internal_render}
    exec("def _generate_output():\n    return probe()\n", namespace)
    generate = namespace["_generate_output"]
    assert callable(generate)
    assert generate() is True


def test_a_bake_prints_the_next_steps_once(tmp_path: Path) -> None:
    """`cookiecutter --no-input <template>`; `cruft create` and `cruft update`: test_cruft."""
    done = run([str(BIN / "cookiecutter"), "--no-input", str(TEMPLATE)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Generated book-service. Next:") == 1
    assert done.stdout.count("make install") == 1


@pytest.mark.parametrize(("answer", "value"), BAD_ANSWERS)
def test_bad_answer_is_rejected_with_one_line_and_nothing_left(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answer: str, value: str
) -> None:
    marker = tmp_path / "payload-ran"
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(FailedHookException):
        bake(output, {answer: value.format(marker=marker)})
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error: ")]
    assert errors, "no error line printed"
    assert errors[0].startswith(f"error: {answer}: "), errors
    assert " e.g. " in errors[0]
    assert list(output.iterdir()) == []
    assert not marker.exists()


@pytest.mark.parametrize(
    ("answer", "value", "choices"),
    [
        ("id_type", "uid", "'uuid', 'int'"),
        ("database", "mysql", "'postgresql', 'sqlite'"),
        ("python_version", "3.9", "'3.11', '3.12', '3.13'"),
    ],
)
def test_choice_typo_on_the_command_line_is_one_line(
    tmp_path: Path, answer: str, value: str, choices: str
) -> None:
    """`cookiecutter --no-input . id_type=uid`: refused by the hook like any other answer,
    with one error line naming the choices (not cookiecutter's ValueError), nothing left."""
    command = [str(BIN / "cookiecutter"), "--no-input", str(TEMPLATE), f"{answer}={value}"]
    result = run([*command, "-o", str(tmp_path)], cwd=tmp_path)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    first = choices.split(", ")[0]
    assert errors == [f"error: {answer}: {value!r} — choose one of {choices}; e.g. {first}"]
    assert "ValueError" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answer", sorted(CHOICE_ANSWERS))
def test_choice_prompt_shows_every_choice(answer: str) -> None:
    """Choice answers are validated text: the prompt itself lists what may be typed."""
    config = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    prompt = config["__prompts__"][answer]
    assert config[answer] == CHOICE_ANSWERS[answer][0]
    assert all(re.search(rf"\b{re.escape(choice)}\b", prompt) for choice in CHOICE_ANSWERS[answer])


def test_rejected_answers_leave_an_existing_project_untouched(tmp_path: Path) -> None:
    project = tmp_path / "book-service"
    project.mkdir()
    (project / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputDirExistsException):
        bake(tmp_path, {"entity_name": "None"})
    with pytest.raises(FailedHookException):
        bake(tmp_path, {"entity_name": "None"}, overwrite=True)
    assert [p.name for p in project.iterdir()] == ["mine.txt"]
    assert (project / "mine.txt").read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize(
    "text",
    [
        'O\'Reilly "Books" \\ {marker}',
        "'''\"\"\"; " + PAYLOAD,
        "</script><b>&amp;",
    ],
)
def test_free_text_answers_stay_data(tmp_path: Path, text: str) -> None:
    marker = tmp_path / "payload-ran"
    value = text.format(marker=marker)
    answers = {
        "project_name": value,
        "project_slug": "odd",
        "description": value,
        "author_name": value,
    }
    project = bake(tmp_path, answers)
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (meta["description"], meta["authors"][0]["name"]) == (value, value)
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert answers["cookiecutter"]["project_name"] == value
    assert not marker.exists()


def test_successful_bake_is_wired(tmp_path: Path) -> None:
    project = bake(tmp_path)
    env = (project / ".env").read_text()
    assert env.startswith((project / ".env.example").read_text())
    assert re.search(r"^AUTH_DEV_KEY=[A-Za-z0-9_-]{43}$", env, flags=re.MULTILINE)
    assert ".env" in (project / ".gitignore").read_text().splitlines()
    versions = list((project / "migrations" / "versions").glob("*.py"))
    assert len(versions) == 1
    assert "down_revision: str | None = None" in versions[0].read_text()


def _snapshot(project: Path) -> dict[str, str]:
    """Every file but .env, whose development key is random (and never committed)."""
    files = {}
    for path in sorted(project.rglob("*")):
        if path.is_file() and path.name != ".env":
            files[str(path.relative_to(project))] = path.read_text(encoding="utf-8")
    return files


def test_same_answers_give_the_same_files(tmp_path: Path) -> None:
    """Byte-identical renders (no random or dated revision ids), so a template update
    that changes nothing for a project changes none of its files."""
    first = _snapshot(bake(tmp_path / "a"))
    second = _snapshot(bake(tmp_path / "b"))
    assert second == first
    (name,) = [n for n in first if n.startswith("migrations/versions/")]
    assert re.fullmatch(r"migrations/versions/[0-9a-f]{12}_create_book\.py", name)


def test_revision_ids_differ_by_table(tmp_path: Path) -> None:
    def revision(project: Path) -> str:
        (path,) = (project / "migrations" / "versions").glob("*.py")
        return path.name.split("_")[0]

    book = revision(bake(tmp_path / "a"))
    person = revision(bake(tmp_path / "b", {"entity_name": "Person"}))
    assert book != person


def test_git_commands_use_author_only_without_identity() -> None:
    with_identity = post_gen_project.git_commands(VALID, has_identity=True)
    assert with_identity[2][:2] == ["git", "commit"]
    without = post_gen_project.git_commands(VALID, has_identity=False)
    assert without[2][:6] == [
        "git",
        "-c",
        "user.name=Ada",
        "-c",
        "user.email=ada@example.com",
        "commit",
    ]


def test_init_git_is_skipped_unless_asked(tmp_path: Path) -> None:
    assert post_gen_project.init_git(tmp_path, {**VALID, "init_git": False}) == ""
    assert not (tmp_path / ".git").exists()


def test_bake_with_init_git_makes_one_clean_commit(tmp_path: Path) -> None:
    project = bake(tmp_path, {"init_git": "yes"})
    log = run(["git", "log", "--oneline"], cwd=project)
    assert len(log.stdout.splitlines()) == 1
    status = run(["git", "status", "--porcelain"], cwd=project)
    assert status.stdout == ""
    tracked = run(["git", "ls-files"], cwd=project).stdout.splitlines()
    assert ".env" not in tracked
    assert ".env.example" in tracked


CORE = "src/book_service/core"
CHOICES = {"package_name": "book_service", "database": "postgresql",
           "pagination": "cursor", "soft_delete": True, "docker": True, "ci": "github"}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "removed"),
    [
        ({}, [".gitlab-ci.yml", f"{CORE}/offset.py", f"{CORE}/sqlite.py"]),
        (
            {"database": "sqlite", "pagination": "offset"},
            [
                ".gitlab-ci.yml",
                "deploy",
                f"{CORE}/keyset.py",
                f"{CORE}/postgresql.py",
            ],
        ),
        (
            {"soft_delete": False, "docker": False, "ci": "none"},
            [
                ".dockerignore",
                ".github",
                ".gitlab-ci.yml",
                "Dockerfile",
                "compose.yaml",
                "deploy",
                f"{CORE}/offset.py",
                f"{CORE}/sqlite.py",
            ],
        ),
        ({"ci": "gitlab"}, [".github", f"{CORE}/offset.py", f"{CORE}/sqlite.py"]),
        (  # deploy/ goes once, though both options drop it
            {"database": "sqlite", "docker": False, "ci": "gitlab"},
            [
                ".dockerignore",
                ".github",
                "Dockerfile",
                "compose.yaml",
                "deploy",
                f"{CORE}/offset.py",
                f"{CORE}/postgresql.py",
            ],
        ),
    ],
)
def test_paths_to_remove_follows_the_options(
    changes: dict[str, object], removed: list[str]
) -> None:
    assert post_gen_project.paths_to_remove({**CHOICES, **changes}) == removed


@pytest.mark.parametrize(
    ("slug", "directory"),
    [
        ("book-service", "book-service"),
        ("../../etc", "etc"),
        ("/abs/path", "abs-path"),
        ("", "invalid-project-slug"),
        ("..", "invalid-project-slug"),
    ],
)
def test_project_dir_stays_inside_the_output_folder(slug: str, directory: str) -> None:
    assert project_dir(slug) == directory


import pytest

from course_app import lesson_list, paths

ROOT = paths.COURSE_ROOT


def test_every_listed_lesson_has_a_notebook_and_every_notebook_is_listed():
    listed = {item.notebook for item in lesson_list.LESSONS}
    on_disk = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    assert listed == on_disk


def test_readme_table_is_generated_from_the_lesson_list():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert lesson_list.readme_with_table(readme) == readme, "run `make lessons`"


def test_next_lesson_and_lookup():
    assert lesson_list.next_lesson(0).number == 1
    assert lesson_list.next_lesson(lesson_list.LESSONS[-1].number) is None
    assert lesson_list.lesson(1).notebook == "01_what_is_async.ipynb"
    with pytest.raises(KeyError, match="no lesson 42"):
        lesson_list.lesson(42)


def test_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="lessons:start"):
        lesson_list.readme_with_table("# no table here")

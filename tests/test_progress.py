import json

from course_app import progress


def test_record_pass_keeps_the_first_time_and_reports_new_passes(progress_file):
    assert progress.load() == {}
    assert progress.record_pass("01.1") is True
    first = progress.load()["01.1"]
    assert progress.record_pass("01.1") is False
    assert progress.load() == {"01.1": first}
    assert json.loads(progress_file.read_text())["passed"] == {"01.1": first}


def test_a_damaged_file_counts_as_no_progress_and_is_kept_aside(progress_file):
    progress_file.write_text('{"passed": ["01.1"]}')
    assert progress.load() == {}
    progress_file.write_text("{not json")
    assert progress.load() == {}
    assert progress.record_pass("00.1") is True
    assert progress_file.with_suffix(".damaged.json").read_text() == "{not json"
    assert list(progress.load()) == ["00.1"]


def test_a_valid_empty_file_is_not_called_damaged(progress_file):
    progress_file.write_text('{"passed": {}}')
    progress.record_pass("00.1")
    assert not progress_file.with_suffix(".damaged.json").exists()


def test_the_tests_never_use_the_learners_file():
    assert progress.progress_path() != progress.DEFAULT_PATH

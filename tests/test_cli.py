"""The `ldi` command line: listing, data checks and one-line errors with non-zero exit codes."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ldi_helpers.run.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_areas(capsys):
    code, out, _ = run(capsys, "list", "areas")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 12
    assert lines[6].startswith("TLI  E12000007  London  (also: Greater London)")


def test_list_components(capsys):
    code, out, _ = run(capsys, "list", "components")
    assert code == 0 and "collaboration_coordination" in out and len(out.splitlines()) == 8


def test_unknown_area_is_one_line_with_suggestion(capsys):
    code, out, err = run(capsys, "report", "--area", "Nort East")
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("ldi: error: unknown area 'Nort East'. Did you mean 'North East'")


def test_report_needs_an_area(capsys):
    code, _, err = run(capsys, "report")
    assert code == 2 and "--area" in err and "--all" in err


def test_bad_jobs_value(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--area", "Wales", "--jobs", "0",
                       "--output-dir", str(tmp_path))
    assert code == 2 and "--jobs must be at least 1, got 0" in err
    assert not any(tmp_path.iterdir()), "nothing may be written when the arguments are bad"


def test_params_file_unknown_section(capsys, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("spek:\n  normalisation: zscore\n")
    code, _, err = run(capsys, "report", "--area", "Wales", "--params", str(p),
                       "--output-dir", str(tmp_path / "out"))
    assert code == 2
    assert "unknown section(s) spek" in err and "valid sections: spec, scenario" in err
    assert not (tmp_path / "out").exists()


def test_params_file_missing(capsys, tmp_path):
    code, _, err = run(capsys, "run", "--params", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml not found" in err


def test_params_file_not_yaml_mapping(capsys, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("- just\n- a list\n")
    code, _, err = run(capsys, "run", "--params", str(p))
    assert code == 2 and "must be a mapping" in err


def test_data_check_on_good_and_bad_folder(capsys, tiny_data_dir):
    code, out, _ = run(capsys, "data", "check", "--data-dir", str(tiny_data_dir))
    assert code == 0 and out.startswith("data OK: 24 indicator values, 2 indicators, 1 sources")
    (tiny_data_dir / "areas.csv").unlink()
    code, _, err = run(capsys, "data", "check", "--data-dir", str(tiny_data_dir))
    assert code == 2 and "areas.csv: file not found" in err


def test_data_coverage_prints_components_and_empty_ones(capsys, tiny_data_dir):
    code, out, _ = run(capsys, "data", "coverage", "--data-dir", str(tiny_data_dir))
    assert code == 0
    assert "Digital Skills" in out and "TLC" in out
    assert "Components with no real data: Digital Adoption" in out


def test_data_build_missing_raw_folder(capsys, tmp_path):
    code, _, err = run(capsys, "data", "build", "--raw", str(tmp_path / "nothing"),
                       "--out", str(tmp_path / "out"))
    assert code == 2 and "raw data folder" in err and "--raw PATH" in err
    assert not (tmp_path / "out").exists()


def test_installed_entry_point_exits_non_zero():
    exe = shutil.which("ldi") or str(__import__("pathlib").Path(sys.executable).parent / "ldi")
    proc = subprocess.run([exe, "report", "--area", "Atlantis"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown area 'Atlantis'" in proc.stderr


def test_every_command_has_help(capsys):
    for argv in (["--help"], ["run", "--help"], ["report", "--help"], ["list", "--help"],
                 ["data", "build", "--help"], ["data", "coverage", "--help"],
                 ["notebooks", "refresh", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        assert "usage: ldi" in capsys.readouterr().out


def test_params_file_with_misspelt_spec_field(capsys, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("spec:\n  normalization: zscore\n")
    code, _, err = run(capsys, "report", "--area", "Wales", "--params", str(p),
                       "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "normalization" in err and "normalisation" in err
    assert not (tmp_path / "out").exists()


def test_params_file_with_bad_scenario_value(capsys, tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("scenario:\n  discount_rate: -0.5\n")
    code, _, err = run(capsys, "report", "--area", "Wales", "--params", str(p),
                       "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "discount_rate" in err


def test_list_notebooks_shows_parameters(capsys):
    code, out, _ = run(capsys, "list", "notebooks")
    assert code == 0
    assert "regional_report" in out and "area" in out and "spec_overrides" in out


@pytest.mark.parametrize("text", ["1e308", "inf", "-inf"])
def test_data_check_rejects_non_finite_values(capsys, tiny_data_dir, text):
    path = tiny_data_dir / "indicator_values.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + "," + text
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "data", "check", "--data-dir", str(tiny_data_dir))
    assert code == 2 and "data OK" not in out
    assert err.count("\n") == 1 and "indicator_values.csv" in err and "line 2" in err


# Issue 14, cases 5 and 7: --data-dir points a run at another folder, validated before any work.
def test_report_with_missing_data_dir_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--area", "Wales", "--data-dir", str(tmp_path / "nope"),
                       "--output-dir", str(tmp_path / "out"), "--quiet")
    assert code == 2 and err.count("\n") == 1 and "data folder" in err and "--data-dir" in err
    assert not (tmp_path / "out").exists()


def test_region_missing_from_areas_fails_before_any_notebook(capsys, tiny_data_dir, tmp_path):
    path = tiny_data_dir / "areas.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0]] + lines[2:]) + "\n")  # drop North East (TLC)
    code, _, err = run(capsys, "report", "--area", "Wales", "--data-dir", str(tiny_data_dir),
                       "--output-dir", str(tmp_path / "out"), "--quiet")
    assert code == 2 and err.count("\n") == 1
    # the edition's units are those of areas.csv, so the dropped area is named where it is used
    assert "indicator_values.csv: invalid area_code 'TLC'" in err and "areas.csv" in err
    assert not (tmp_path / "out").exists(), "no notebook may start on invalid data"


def test_list_indicators_reads_data_dir(capsys, tiny_data_dir):
    code, out, _ = run(capsys, "list", "indicators", "--data-dir", str(tiny_data_dir))
    assert code == 0 and "ind_a" in out and len(out.splitlines()) == 2

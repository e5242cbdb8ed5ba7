"""``hipcam history``: the road to 100 for the latest session (first vs last reps of its longest set)."""

from __future__ import annotations

import json
import subprocess
import sys

from hipcam.storage import SessionStore, StoredRep

HIPCAM = [sys.executable, "-m", "hipcam.cli"]


def test_history_reports_how_the_longest_set_fades(tmp_path):
    db = tmp_path / "s.db"
    with SessionStore(db) as store:
        sid = store.start_session("0", 100, started_at="2026-03-01T09:00:00+00:00")
        for n in range(1, 41):  # 40 reps: range 30° → 22°, reps slow from 1.6 s to 2.4 s, smoothness 80 → 41
            start = n * 3.0
            dur = 1.6 + 0.02 * (n - 1)
            score = 80.0 - (n - 1)
            rep = StoredRep("left", n, 1, start, start + dur / 2, start + dur, 30 - 0.2 * (n - 1), score)
            store.add_rep(sid, rep, n, 2.0, score, n, score)
        store.end_session(sid, "completed", 130.0)
    out = subprocess.run(HIPCAM + ["history", "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if "left leg, longest set" in ln)
    # last 13 vs first 13 reps are 27 reps apart: range -5.4°, time +0.54 s of ~1.72 s, smoothness -27
    assert "(40 reps): last 13 vs first 13 reps: range -5°, rep time +31%, smoothness -27" in line
    assert "right leg" not in out.stdout.split("best continuous set")[1]
    js = tmp_path / "h.json"
    quiet = subprocess.run(HIPCAM + ["history", "--db", str(db), "--json", str(js), "-q"],
                           capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 0 and quiet.stdout == ""
    trend = json.loads(js.read_text())[0]["legs"]["left"]["longest_set_trend"]
    assert trend["per_rep"]["smoothness"] == -1.0 and trend["window"] == 13

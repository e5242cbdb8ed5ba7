import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402

# -- the two tiers ----------------------------------------------------------------------------------
# ``pytest -m "not slow"`` (< 2 min) runs the pure logic and the pose-replay tier (tests/replay.py);
# ``slow`` marks what needs the real pose model, a real window, browser, Dask cluster, renderer or
# notebook kernel. Whole modules here; single tests can also carry ``@pytest.mark.slow`` themselves.
SLOW_MODULES = {
    "test_analyse_e2e", "test_batch_e2e", "test_batch_pool", "test_fuzz", "test_live",
    "test_live_equals_analyse", "test_model", "test_notebook", "test_pose_tracking", "test_robustness",
    "test_synth_render",
}
SLOW_TESTS = {
    "test_parallel": {"test_parallel_chunks_match_sequential_with_boundaries_inside_reps",
                      "test_stride_two_leaves_counts_unchanged"},
    "test_videowriter": {"test_analyse_annotate_writes_h264_with_overlay_at_real_speed"},
    "test_live_units": {"test_camera_unplugged_mid_session_saves_and_says_so",
                        "test_realtime_source_drops_stale_frames_and_latency_stays_flat"},
    # the real CLI with the real model (or renderer, or a Dask cluster) behind it
    "test_no_network": {"test_analyse_sends_nothing", "test_analyse_jobs_sends_nothing",
                        "test_live_source_file_sends_nothing", "test_batch_local_pool_sends_nothing",
                        "test_batch_on_dask_sends_nothing_beyond_loopback", "test_synth_sends_nothing"},
    "test_bad_input": {"test_database_locked_mid_session_keeps_the_reps",
                       "test_failures_keyed_by_path_and_cause", "test_jobs_capped_by_memory_says_so",
                       "test_300_character_names"},
    "test_safe_output": {"test_analyse_outputs_through_links_and_dash",
                         "test_live_refuses_record_onto_source_or_db", "test_annotate_to_stdout",
                         "test_analyse_dev_stdout_redirected_to_a_file"},
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.stem
        name = getattr(item, "originalname", item.name)
        if module in SLOW_MODULES or name in SLOW_TESTS.get(module, ()):
            item.add_marker(pytest.mark.slow)

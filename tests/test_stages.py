"""BackgroundStage: order, back-pressure, error propagation."""

import pytest

from hipcam.stages import BackgroundStage


def test_items_processed_in_order_before_join_returns():
    seen: list[int] = []
    st = BackgroundStage(seen.append, maxsize=2)
    for i in range(500):
        st.submit(i)
    st.join()
    assert seen == list(range(500))
    st.close()
    st.close()


def test_error_in_stage_is_raised_in_submitter():
    def fn(x: int) -> None:
        if x == 3:
            raise ValueError("boom")

    st = BackgroundStage(fn, maxsize=1)
    with pytest.raises(ValueError, match="boom"):
        for i in range(10_000):
            st.submit(i)
        st.join()
    st.close()


def test_close_without_join_does_not_hang():
    st = BackgroundStage(lambda x: None, maxsize=4)
    for i in range(4):
        st.submit(i)
    st.close()

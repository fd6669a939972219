from app.domain.records.similarity import SimilarityIndex, equal_figures


def test_equal_figures_counts_non_zero_equal_numbers():
    a = {"revenue": 100.5, "rd_expense": 3, "employees": 10, "standards": 0}
    b = {"revenue": 100.5, "rd_expense": 3, "employees": 11, "standards": 0}
    assert equal_figures(a, b) == 2


def test_index_finds_near_copies_and_ignores_strangers():
    index = SimilarityIndex()
    base = {"revenue": 1234.5, "rd_expense": 56.7, "total_assets": 999.9, "employees": 40,
            "rd_staff": 9, "net_profit": 88.1, "equity_begin": 300.2, "equity_end": 320.4}
    index.add(1, base)
    index.add(2, {**base, "employees": 41})
    index.add(3, {"revenue": 50.0, "rd_expense": 1.0, "total_assets": 70.0})
    assert index.similar_figures(1) == 7
    assert index.similar_figures(2) == 7
    assert index.similar_figures(3) == 0

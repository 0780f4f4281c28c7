"""Every op declared with ``@op`` answers an unknown keyword with a TypeError naming the op and, for a
NumPy or PyTorch spelling (or a typo), the keyword to use (autograd_engine/function.py)."""
import numpy as np
import pytest

import autograd_engine as ae

X = ae.Tensor(np.ones((2, 3)))

CASES = [
    (lambda: ae.sum(X, dims=0), r"sum: unknown keyword argument dims=; use axis="),
    (lambda: ae.cumsum(X, keepdim=True), r"cumsum: unknown keyword argument keepdims=; cumsum has no such argument"),
    (lambda: ae.exp(X, dim=1), r"exp: unknown keyword argument dim=; exp has no such argument \(neither NumPy's axis="),
    (lambda: ae.add(X, other=1), r"add: unknown keyword argument other=; pass it as argument 2 \(b\), by position"),
    (lambda: ae.exp(input=X), r"exp: unknown keyword argument input=; pass it as argument 1 \(x\)"),
    (lambda: ae.mean(X, out=None), r"mean: unknown keyword argument out=; out= is not supported"),
    (lambda: ae.mean(X, dtype=np.float64), r"mean: unknown keyword argument dtype=; .*astype"),
    (lambda: ae.var(X, ddof=0, correction=1), r"var: got both ddof= and correction=; pass one \(ddof=0"),
    (lambda: ae.std(X, unbiased=True, correction=0), r"std: got both correction= and unbiased=; pass one"),
    (lambda: ae.clip(X, min=0), r"clip: unknown keyword argument min=; use a_min="),
    (lambda: X.sum(kepdims=True), r"sum: unknown keyword argument kepdims=; did you mean keepdims="),
    (lambda: ae.power(X, exponent=2), r"power: unknown keyword argument exponent=; use b="),
    (lambda: ae.norm(X, p=1), r"norm: unknown keyword argument p=; use ord="),
    (lambda: ae.tan(X, foo=1), r"tan: unknown keyword argument foo=; it is not one of its arguments \(tan takes: x\)"),
]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_an_unknown_keyword_names_the_op_and_the_spelling_to_use(index):
    call, message = CASES[index]
    with pytest.raises(TypeError, match=message):
        call()


def test_the_known_keywords_still_work_and_other_type_errors_pass_through():
    assert ae.sum(X, dim=0, keepdim=True).shape == (1, 3)
    assert ae.clamp(X, min=0).shape == (2, 3)
    with pytest.raises(TypeError, match=r"sum: axis must be an int"):
        ae.sum(X, axis="0")  # an error from inside the op is not rewritten


def test_a_users_op_gets_the_same_help():
    @ae.op()
    def twice_for_keyword_test(x, scale=2.0):
        return x * scale

    try:
        with pytest.raises(TypeError, match=r"twice_for_keyword_test: unknown keyword argument scal=; did you mean scale="):
            twice_for_keyword_test(X, scal=3.0)
    finally:
        ae.OPS.pop("twice_for_keyword_test", None)

"""The notes' look at a network's codes: a 2-D embedding of them (scikit-learn's t-SNE or PCA, the
optional extra ``data``) with the images drawn at their positions, and the images whose codes are
nearest to a query's."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from autograd_engine.checks import check_choice, check_int, check_real
from autograd_engine.operands import value

from .drawing import displayable, new_figure, show_images


def _codes(features: Any, owner: str, at_least: int) -> np.ndarray:
    codes = np.asarray(value(features), dtype=np.float64)
    if codes.ndim < 2 or len(codes) < at_least:
        raise ValueError(f"{owner}: features must have shape (N, ...) with N >= {at_least} codes, got shape "
                         f"{codes.shape}")
    return codes.reshape(len(codes), -1)


def embed(features: Any, method: str = "tsne", seed: int | None = None, perplexity: float = 30.0) -> np.ndarray:
    """2-D coordinates of ``features`` (N, ...) (each flattened to one code): shape (N, 2).

    ``method="tsne"`` is scikit-learn's ``TSNE`` (PCA initialisation, ``perplexity`` -- which must
    be below N -- about the number of close neighbours each point keeps); ``"pca"`` the first two
    principal components.  t-SNE starts from the PCA projection, so the same codes give the same
    coordinates; ``seed`` is scikit-learn's ``random_state`` for whatever randomness remains.
    Needs scikit-learn: ``pip install -e ".[data]"``.
    """
    owner = "embed"
    method = check_choice(method, "method", owner, ("tsne", "pca"))
    codes = _codes(features, owner, at_least=2)
    seed = None if seed is None else check_int(seed, "seed", owner, low=0)
    try:
        from sklearn.decomposition import PCA
        from sklearn.manifold import TSNE
    except ImportError as error:
        raise ImportError(f'{owner} uses scikit-learn\'s TSNE and PCA: pip install -e ".[data]" '
                          f"(or pip install scikit-learn)") from error
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(codes)
    perplexity = check_real(perplexity, "perplexity", owner, low=0.0, low_open=True)
    if perplexity >= len(codes):
        raise ValueError(f"{owner}: perplexity must be below the number of codes ({len(codes)}), got {perplexity}; "
                         f"pass a smaller perplexity (5 to 50 is usual) or more codes")
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)


def embedding_plot(
    coords: Any, images: Any, labels: Any = None, image_size: float = 0.05, size: float = 6.0
) -> Any:
    """A Figure with each image drawn at its 2-D position in ``coords`` (N, 2), e.g. from ``embed``.

    Each image, (1, H, W), (3, H, W) or (H, W), spans ``image_size`` of the wider coordinate range.
    With ``labels`` (N class indices) each image is framed in its class's colour, so that
    clusters of one class show as one colour.  The axes hold one image per point.
    """
    coords = np.asarray(coords, dtype=np.float64)
    images = list(images)
    if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) != len(images):
        raise ValueError(f"embedding_plot: coords must have shape (N, 2) with one row per image ({len(images)}), "
                         f"got shape {coords.shape}")
    span = float(np.ptp(coords, axis=0).max()) or 1.0
    half = image_size * span / 2
    fig = new_figure("embedding_plot", (size, size))
    ax = fig.subplots()
    colours = None
    if labels is not None:
        import matplotlib as mpl  # present: new_figure imported matplotlib

        colours = mpl.colormaps["tab10"](np.asarray(labels) % 10)
    for i, ((x, y), image) in enumerate(zip(coords, images)):
        ax.imshow(displayable(image, "embedding_plot"), cmap="gray_r", extent=(x - half, x + half, y - half, y + half),
                  interpolation="nearest")
        if colours is not None:
            ax.add_patch(_frame(x - half, y - half, 2 * half, colours[i]))
    ax.set(xlim=(coords[:, 0].min() - 2 * half, coords[:, 0].max() + 2 * half),
           ylim=(coords[:, 1].min() - 2 * half, coords[:, 1].max() + 2 * half), aspect="equal")
    ax.axis("off")
    return fig


def _frame(x: float, y: float, side: float, colour: Any) -> Any:
    from matplotlib.patches import Rectangle  # present: new_figure imported matplotlib

    return Rectangle((x, y), side, side, fill=False, edgecolor=colour, linewidth=1.0)


class Neighbours(NamedTuple):
    """What ``nearest_images`` returns."""

    indices: np.ndarray  #: the k nearest codes' row indices, nearest first
    distances: np.ndarray  #: their L2 distances to the query's code


def nearest_images(features: Any, query_index: int, k: int = 5) -> Neighbours:
    """The ``k`` codes nearest to code ``query_index`` in L2 distance, the query itself excluded.

    ``features`` is (N, ...) (each row flattened to one code).  Returns a :class:`Neighbours`
    ``(indices, distances)``, nearest first; equal distances keep the order of the rows.
    Another row identical to the query is a neighbour at distance 0.
    """
    owner = "nearest_images"
    codes = _codes(features, owner, at_least=2)
    query_index = check_int(query_index, "query_index", owner)
    if not -len(codes) <= query_index < len(codes):
        raise ValueError(f"{owner}: query_index must index one of the {len(codes)} codes, got {query_index}")
    query_index %= len(codes)
    k = check_int(k, "k", owner, low=1)
    if k >= len(codes):
        raise ValueError(f"{owner}: k must be below the number of codes ({len(codes)}), as the query is excluded; "
                         f"got {k}")
    distances = np.sqrt(((codes - codes[query_index]) ** 2).sum(axis=1))
    others = np.delete(np.arange(len(codes)), query_index)
    nearest = others[np.argsort(distances[others], kind="stable")[:k]]
    return Neighbours(nearest, distances[nearest])


def plot_nearest_images(images: Any, query_index: int, neighbours: Neighbours, size: float = 1.0) -> Any:
    """The query image followed by its neighbours (from ``nearest_images``), titled by distance."""
    indices, distances = neighbours
    pictures = [images[query_index], *(images[i] for i in indices)]
    titles = ["query", *(f"{d:.2g}" for d in distances)]
    return show_images(pictures, titles=titles, size=size)

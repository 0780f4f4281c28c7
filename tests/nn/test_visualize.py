"""nn.visualize: each result against an independent computation -- centred finite differences or
PyTorch for saliency, closed forms for linear models, NumPy by hand for activations, occlusion,
filters and neighbours, scipy for the blur -- and the drawings' panels counted on the Agg canvas."""
import itertools
import sys

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn import visualize as V


def small_convnet(seed=0):
    """Conv -> BatchNorm -> Tanh -> AvgPool -> Dropout -> Linear in float64: smooth (no kinks for the finite
    differences), and with layers whose training mode would change the result."""
    ae.seed(seed)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.Tanh(), nn.AvgPool2d(2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * 2 * 2, 4)).double()
    rng = np.random.default_rng(seed)
    model[1].running_mean[:] = rng.normal(size=3)
    model[1].running_var[:] = rng.uniform(0.5, 2.0, size=3)
    model.train()
    return model


def linear_model(weight, bias):
    model = nn.Sequential(nn.Flatten(), nn.Linear(weight.shape[1], weight.shape[0])).double()
    model[1].weight.data[...] = weight
    model[1].bias.data[...] = bias
    return model


def scores_of(model, images):
    """The model's class scores in evaluation mode, without a graph."""
    model.eval()
    with ae.no_grad():
        return model(np.asarray(images)).data


IMAGES = np.random.default_rng(1).normal(size=(3, 2, 4, 4))
LABELS = np.array([0, 3, 1])


# ----- saliency ----------------------------------------------------------------------------------


def test_saliency_is_the_input_gradient_by_centred_finite_differences():
    model = small_convnet()
    saliency = V.saliency_map(model, IMAGES, LABELS)
    model.eval()

    def picked_scores(x):
        with ae.no_grad():
            return model(x).data[np.arange(3), LABELS].sum()

    numerical = np.zeros_like(IMAGES)
    eps = 1e-6
    for index in np.ndindex(IMAGES.shape):
        up, down = IMAGES.copy(), IMAGES.copy()
        up[index] += eps
        down[index] -= eps
        numerical[index] = (picked_scores(up) - picked_scores(down)) / (2 * eps)
    assert saliency.shape == (3, 4, 4)
    np.testing.assert_allclose(saliency, np.abs(numerical).max(axis=1), rtol=1e-6, atol=1e-9)


def test_saliency_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    model = small_convnet()
    conv, norm, linear = model[0], model[1], model[6]
    reference = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.Tanh(),
                                    torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Dropout(0.5),
                                    torch.nn.Linear(12, 4)).double()
    with torch.no_grad():
        reference[0].weight.copy_(torch.from_numpy(conv.weight.data))
        reference[0].bias.copy_(torch.from_numpy(conv.bias.data))
        reference[1].weight.copy_(torch.from_numpy(norm.weight.data))
        reference[1].bias.copy_(torch.from_numpy(norm.bias.data))
        reference[1].running_mean.copy_(torch.from_numpy(norm.running_mean))
        reference[1].running_var.copy_(torch.from_numpy(norm.running_var))
        reference[6].weight.copy_(torch.from_numpy(linear.weight.data))
        reference[6].bias.copy_(torch.from_numpy(linear.bias.data))
    reference.eval()
    x = torch.tensor(IMAGES, requires_grad=True)
    reference(x).gather(1, torch.from_numpy(LABELS)[:, None]).sum().backward()
    expected = x.grad.abs().amax(dim=1).numpy()
    np.testing.assert_allclose(V.saliency_map(model, IMAGES, LABELS), expected, rtol=1e-10, atol=1e-12)


def test_saliency_restores_every_mode_and_leaves_parameter_gradients_alone():
    model = small_convnet()
    model[0].eval()  # a mixed state must come back as it was
    sentinel = np.full(model[6].weight.shape, 7.0)
    model[6].weight.grad = sentinel.copy()
    V.saliency_map(model, IMAGES, LABELS)
    assert [m.training for m in model.modules()] == [True, False, True, True, True, True, True, True]
    np.testing.assert_array_equal(model[6].weight.grad, sentinel)
    assert all(p.grad is None for name, p in model.named_parameters() if name != "6.weight")


def test_saliency_of_a_linear_model_is_the_class_template():
    weight, bias = np.random.default_rng(2).normal(size=(3, 2 * 3 * 3)), np.zeros(3)
    images = np.random.default_rng(3).normal(size=(2, 2, 3, 3))
    saliency = V.saliency_map(linear_model(weight, bias), images, [2, 0])
    templates = np.abs(weight.reshape(3, 2, 3, 3)).max(axis=1)
    np.testing.assert_allclose(saliency, templates[[2, 0]])


# ----- fooling images ----------------------------------------------------------------------------


def test_fooling_a_linear_model_steps_along_the_target_template():
    rng = np.random.default_rng(4)
    weight, bias = rng.normal(size=(3, 16)), np.array([0.0, 0.0, 0.0])
    image = rng.normal(size=(1, 4, 4))
    model = linear_model(weight, bias)
    predicted = int(np.argmax(weight @ image.ravel()))
    target = (predicted + 1) % 3
    step = 0.05
    direction = (weight[target] / np.linalg.norm(weight[target])).reshape(1, 4, 4)
    expected_steps = next(n for n in range(1, 10_000)
                          if np.argmax(weight @ (image + n * step * direction).ravel()) == target)
    result = V.fooling_image(model, image, target, step_size=step, max_iter=10_000)
    assert result.fooled and result.steps == expected_steps
    np.testing.assert_allclose(result.image, image + expected_steps * step * direction, atol=1e-12)
    np.testing.assert_allclose(result.change_norm, expected_steps * step, rtol=1e-9)


def test_a_fooling_image_flips_a_convnet_with_a_small_change():
    model = small_convnet()
    image = IMAGES[2]
    predicted, target = np.argsort(scores_of(model, image[None])[0])[[-1, -2]]  # the runner-up class
    model.train()
    result = V.fooling_image(model, image, target, step_size=0.05, max_iter=500)
    assert all(m.training for m in model.modules())
    assert result.image.shape == image.shape
    assert int(scores_of(model, result.image[None]).argmax()) == target != predicted
    assert result.fooled and 1 <= result.steps <= 500
    change = np.linalg.norm(result.image - image)
    np.testing.assert_allclose(result.change_norm, change)
    assert change <= result.steps * 0.05 + 1e-9
    assert change < 0.15 * np.linalg.norm(image)


def test_fooling_stops_at_once_when_the_target_is_already_predicted_and_reports_failure():
    model = small_convnet()
    predicted = int(scores_of(model, IMAGES[:1]).argmax())
    already = V.fooling_image(model, IMAGES[:1], predicted)
    assert already.steps == 0 and already.fooled and already.change_norm == 0.0
    np.testing.assert_array_equal(already.image, IMAGES[:1])
    other = (predicted + 1) % 4
    stuck = V.fooling_image(model, IMAGES[0], other, step_size=1e-6, max_iter=3)
    assert stuck.steps == 3 and not stuck.fooled


# ----- class visualisation -----------------------------------------------------------------------


def test_class_visualization_raises_the_target_score():
    model = small_convnet()
    result = V.class_visualization(model, 2, (2, 4, 4), l2_reg=1e-3, step_size=0.5, num_iterations=40,
                                   blur_every=10, max_jitter=0, seed=0)
    before, after = scores_of(model, result.start[None])[0], scores_of(model, result.image[None])[0]
    assert after[2] > before[2] + 0.5 and after.argmax() == 2 != before.argmax()
    assert result.image.shape == result.start.shape == (2, 4, 4) and result.scores.shape == (40,)
    jittered = V.class_visualization(model, 2, (2, 4, 4), step_size=0.5, num_iterations=40, max_jitter=1, seed=0)
    assert scores_of(model, jittered.image[None])[0, 2] > before[2] + 0.2
    again = V.class_visualization(model, 2, (2, 4, 4), step_size=0.5, num_iterations=40, max_jitter=1, seed=0)
    np.testing.assert_array_equal(again.image, jittered.image)


def test_class_visualization_of_a_linear_model_without_regularisers_is_start_plus_the_template():
    weight = np.random.default_rng(5).normal(size=(3, 9))
    result = V.class_visualization(linear_model(weight, np.zeros(3)), 1, (1, 3, 3), l2_reg=0.0, step_size=0.5,
                                   num_iterations=7, blur_every=0, max_jitter=0, seed=3)
    direction = weight[1] / np.linalg.norm(weight[1])
    np.testing.assert_allclose(result.image.ravel(), result.start.ravel() + 7 * 0.5 * direction, rtol=1e-5)


def test_class_visualization_clips_to_the_given_range():
    result = V.class_visualization(small_convnet(), 0, (2, 4, 4), step_size=2.0, num_iterations=5, max_jitter=2,
                                   seed=1, clip=(-0.5, np.array([0.25, 0.75])[:, None, None]))
    assert result.image.min() >= -0.5
    assert result.image[0].max() <= 0.25 and result.image[1].max() <= 0.75


@pytest.mark.parametrize("sigma", [0.5, 1.3])
def test_gaussian_blur_matches_scipy(sigma):
    ndimage = pytest.importorskip("scipy.ndimage")
    images = np.random.default_rng(6).normal(size=(2, 3, 6, 7))
    expected = ndimage.gaussian_filter(images, sigma=(0, 0, sigma, sigma), mode="reflect")
    np.testing.assert_allclose(V.gaussian_blur(images, sigma), expected, atol=1e-12)


# ----- occlusion ---------------------------------------------------------------------------------


def region_model():
    """Class 1's score is 5 x the sum of the pixels in rows 1-2, columns 3-4; class 0's is a constant 2."""
    weight = np.zeros((2, 36))
    region = np.zeros((6, 6))
    region[1:3, 3:5] = 1.0
    weight[1] = 5.0 * region.ravel()
    return linear_model(weight, np.array([2.0, 0.0])), region


def test_occlusion_map_drops_where_the_object_is():
    model, region = region_model()
    image = region.copy()[None]  # the object: the bright region
    probabilities = V.occlusion_map(model, image, 1, patch=2, stride=1, fill=0.0)
    expected = np.zeros((5, 5))
    for top, left in itertools.product(range(5), range(5)):
        covered = region[top:top + 2, left:left + 2].sum()
        expected[top, left] = 1.0 / (1.0 + np.exp(2.0 - 5.0 * (4.0 - covered)))
    np.testing.assert_allclose(probabilities, expected, rtol=1e-12)
    assert np.unravel_index(probabilities.argmin(), probabilities.shape) == (1, 3)
    assert probabilities[4, 0] > 0.99 and probabilities[1, 3] < 0.2


def test_occlusion_map_shape_strides_and_per_channel_fill():
    model = small_convnet()
    assert V.occlusion_map(model, IMAGES[0], 1, patch=(2, 3), stride=(2, 1)).shape == (2, 2)
    image = np.ones((2, 4, 4))
    weight = np.concatenate([np.zeros(16), np.ones(16)])[None].repeat(2, axis=0) * [[1.0], [0.0]]
    two_channel = linear_model(weight, np.zeros(2))  # class 0's score: the sum of channel 1
    probabilities = V.occlusion_map(two_channel, image, 0, patch=4, fill=[9.0, 3.0])
    np.testing.assert_allclose(probabilities, [[1.0 / (1.0 + np.exp(-3.0 * 16))]])


# ----- filters and activations ---------------------------------------------------------------------


def test_filter_grid_scales_each_filter_on_its_own():
    filters = np.array([[[[0.0, 1.0], [2.0, 3.0]]], [[[10.0, 10.0], [10.0, 20.0]]], [[[4.0, 4.0], [4.0, 4.0]]]])
    grid = V.filter_grid(filters, padding=1)
    expected = np.ones((5, 5))  # 3 filters: 2 columns, 2 rows, white padding between them
    expected[0:2, 0:2] = [[0.0, 1 / 3], [2 / 3, 1.0]]
    expected[0:2, 3:5] = [[0.0, 0.0], [0.0, 1.0]]
    expected[3:5, 0:2] = 0.5  # a constant filter
    np.testing.assert_allclose(grid, expected)


def test_filter_grid_of_colour_filters_and_of_linear_templates():
    colour = np.arange(12.0).reshape(1, 3, 2, 2)
    grid = V.filter_grid(colour, ncols=1)
    assert grid.shape == (2, 2, 3)
    np.testing.assert_allclose(grid[..., 2], [[8 / 11, 9 / 11], [10 / 11, 1.0]])
    templates = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(V.filter_grid(templates, padding=0, image_shape=(2, 2)),
                               [[0.0, 1 / 3, 1.0, 0.0], [2 / 3, 1.0, 0.0, 0.0]])


def test_activation_grid_is_the_layers_output_computed_by_hand():
    ae.seed(3)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 3)).double()
    image = np.random.default_rng(7).normal(size=(1, 5, 5))
    w, b = model[0].weight.data, model[0].bias.data
    by_hand = np.zeros((2, 3, 3))
    for f, i, j in itertools.product(range(2), range(3), range(3)):
        by_hand[f, i, j] = max(0.0, (w[f] * image[:, i:i + 3, j:j + 3]).sum() + b[f])
    np.testing.assert_allclose(V.activation_grid(model, image, "1"), by_hand, rtol=1e-12)
    np.testing.assert_allclose(V.activation_grid(model, image[None], model[1]), by_hand, rtol=1e-12)
    assert V.activation_grid(model, image, "3").shape == (3,)


def test_layer_output_is_the_batch_of_codes_in_evaluation_mode():
    model = small_convnet()
    codes = V.layer_output(model, IMAGES, "4", batch_size=2)  # the Flatten: the classifier's input
    norm = model[1]
    conv = model[0](IMAGES).data
    normalised = (conv - norm.running_mean[:, None, None]) / np.sqrt(norm.running_var[:, None, None] + norm.eps)
    hidden = np.tanh(normalised * norm.weight.data[:, None, None] + norm.bias.data[:, None, None])
    pooled = hidden.reshape(3, 3, 2, 2, 2, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(codes, pooled.reshape(3, 12), rtol=1e-10)
    assert all(m.training for m in model.modules())


def test_activation_grid_finds_nested_layers_and_names_the_valid_ones():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU())
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
            self.unused = nn.Linear(2, 2)

        def forward(self, x):
            return self.head(self.features(x))

    net = Net()
    assert V.activation_grid(net, np.ones((1, 4, 4), np.float32), "features.1").shape == (2, 4, 4)
    with pytest.raises(ValueError, match=r"activation_grid: the model has no layer 'features.2'; its layers .* "
                                         r"'features.0' \(Conv2d\), 'features.1' \(ReLU\), 'head' \(Sequential\)"):
        V.activation_grid(net, np.ones((1, 4, 4)), "features.2")
    with pytest.raises(ValueError, match=r"layer 'unused' \(Linear\) did not run"):
        V.activation_grid(net, np.ones((1, 4, 4)), "unused")
    with pytest.raises(ValueError, match=r"no layer the Linear given"):
        V.activation_grid(net, np.ones((1, 4, 4)), nn.Linear(2, 2))


# ----- embeddings and neighbours --------------------------------------------------------------------


def test_nearest_images_on_a_hand_example():
    codes = np.array([[0.0], [1.0], [3.0], [7.0], [1.0]])
    neighbours = V.nearest_images(codes, 1, k=3)
    np.testing.assert_array_equal(neighbours.indices, [4, 0, 2])
    np.testing.assert_allclose(neighbours.distances, [0.0, 1.0, 2.0])


def test_nearest_images_agree_with_brute_force():
    codes = np.random.default_rng(8).normal(size=(20, 2, 3))
    for query in (0, 7, 19):
        others = [i for i in range(20) if i != query]
        by_distance = sorted(others, key=lambda i: (np.linalg.norm(codes[i] - codes[query]), i))
        neighbours = V.nearest_images(codes, query, k=5)
        np.testing.assert_array_equal(neighbours.indices, by_distance[:5])
        np.testing.assert_allclose(neighbours.distances, [np.linalg.norm(codes[i] - codes[query])
                                                          for i in by_distance[:5]])


def test_embed_is_two_dimensional_and_seeded():
    pytest.importorskip("sklearn")
    codes = np.random.default_rng(9).normal(size=(25, 6))
    coords = V.embed(codes, seed=0, perplexity=5)
    assert coords.shape == (25, 2) and np.isfinite(coords).all()
    np.testing.assert_array_equal(V.embed(codes, seed=0, perplexity=5), coords)
    near = V.nearest_images(codes, 0, k=3).indices  # t-SNE keeps close codes close
    far = V.nearest_images(codes, 0, k=24).indices[-3:]
    assert np.linalg.norm(coords[near] - coords[0], axis=1).mean() < np.linalg.norm(coords[far] - coords[0], axis=1).mean()


def test_pca_embedding_is_the_first_two_principal_components():
    pytest.importorskip("sklearn")
    codes = np.random.default_rng(10).normal(size=(12, 4)) * [5.0, 3.0, 1.0, 0.5]
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    np.testing.assert_allclose(np.abs(V.embed(codes, method="pca")), np.abs(expected), atol=1e-10)


def test_embed_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    monkeypatch.setitem(sys.modules, "sklearn.decomposition", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[data\]"'):
        V.embed(np.ones((5, 2)))


# ----- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: V.saliency_map(small_convnet(), np.ones((2, 1, 4, 4)), [0, 1]), ValueError,
     r"saliency_map: the model cannot take input of shape \(2, 1, 4, 4\); it expects \(N, 2, H, W\): layer '0' is a "
     r"Conv2d with 2 input channels"),
    (lambda: V.saliency_map(small_convnet(), np.ones((2, 4, 4)), [0, 1]), ValueError,
     r"saliency_map: images must have shape \(N, C, H, W\), got shape \(2, 4, 4\)"),
    (lambda: V.saliency_map(small_convnet(), IMAGES, [0, 4, 1]), ValueError,
     r"saliency_map: labels must be class indices in \[0, 4\) \(the model scores 4 classes\), got 4"),
    (lambda: V.saliency_map(small_convnet(), IMAGES, [0, 1]), ValueError, r"labels must have shape \(3,\)"),
    (lambda: V.saliency_map(small_convnet(), IMAGES, [0.0, 1.0, 2.0]), TypeError, r"labels must be integer"),
    (lambda: V.saliency_map(lambda x: x, IMAGES, LABELS), TypeError, r"saliency_map: model must be an nn.Module"),
    (lambda: V.fooling_image(small_convnet(), IMAGES, 1), ValueError,
     r"fooling_image: image must be one image of shape \(C, H, W\) \(or \(1, C, H, W\)\), got shape \(3, 2, 4, 4\)"),
    (lambda: V.fooling_image(small_convnet(), IMAGES[0], -1), ValueError,
     r"fooling_image: target_label must be a class index in \[0, 4\)"),
    (lambda: V.fooling_image(small_convnet(), IMAGES[0], 1, step_size=0), ValueError, r"step_size must lie in"),
    (lambda: V.class_visualization(small_convnet(), 9, (2, 4, 4), num_iterations=1), ValueError,
     r"class_visualization: target_label must be a class index in \[0, 4\)"),
    (lambda: V.class_visualization(small_convnet(), 0, (4, 4)), ValueError, r"shape must be the image's \(C, H, W\)"),
    (lambda: V.class_visualization(small_convnet(), 0, (3, 4, 4), num_iterations=1), ValueError,
     r"it expects \(N, 2, H, W\)"),
    (lambda: V.occlusion_map(small_convnet(), IMAGES[0], 0, patch=5), ValueError,
     r"occlusion_map: patch \(5, 5\) is larger than the image's \(4, 4\) pixels"),
    (lambda: V.occlusion_map(small_convnet(), IMAGES[0], 0, fill=[1.0, 2.0, 3.0]), ValueError,
     r"fill must be a number or one value per channel \(2,\)"),
    (lambda: V.activation_grid(small_convnet(), np.ones((1, 4, 4)), "0"), ValueError,
     r"activation_grid: the model cannot take input of shape \(1, 1, 4, 4\); it expects \(N, 2, H, W\)"),
    (lambda: V.filter_grid(np.ones((4, 6))), ValueError, r"filter_grid: weight must have shape \(F, C, KH, KW\).*image_shape"),
    (lambda: V.filter_grid(np.ones((4, 2, 3, 3))), ValueError, r"1 \(grey\) or 3 \(colour\) channels.*weight\[:, c:c \+ 1\]"),
    (lambda: V.filter_grid(np.ones((4, 6)), image_shape=(2, 2)), ValueError, r"weight of shape \(F, 4\), got shape \(4, 6\)"),
    (lambda: V.nearest_images(np.ones((4, 2)), 4), ValueError, r"query_index must index one of the 4 codes, got 4"),
    (lambda: V.nearest_images(np.ones((4, 2)), 0, k=4), ValueError, r"k must be below the number of codes \(4\)"),
    (lambda: V.embed(np.ones((4, 2)), method="umap"), ValueError, r"embed: method must be one of 'tsne', 'pca'"),
    (lambda: V.embed(np.ones((4, 2)), perplexity=30), ValueError, r"perplexity must be below the number of codes \(4\)"),
])
def test_bad_inputs_raise_errors_naming_the_function_and_the_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----- drawings ------------------------------------------------------------------------------------


@pytest.fixture
def figure_type():
    return pytest.importorskip("matplotlib.figure").Figure


def images_per_axes(fig):
    return [len(ax.images) for ax in fig.axes]


def test_every_drawing_is_a_figure_with_one_panel_per_image(figure_type):
    model = small_convnet()
    saliency = V.saliency_map(model, IMAGES, LABELS)
    fooled = V.fooling_image(model, IMAGES[0], 1, step_size=0.1)
    drawings = {
        "filters": (V.plot_filter_grid(V.filter_grid(model[0].weight[:, :1])), [1]),
        "saliency": (V.plot_saliency(IMAGES[:, :1], saliency), [1] * 6),
        "fooling": (V.plot_fooling_image(IMAGES[0, :1], fooled.image[:1]), [1] * 4),
        "classes": (V.plot_class_visualizations([IMAGES[0, :1], IMAGES[1, :1]], ["a", "b"]), [1, 1]),
        "occlusion": (V.plot_occlusion(IMAGES[0, :1], np.zeros((3, 3))), [1, 1, 0]),  # and the colour bar
        "activations": (V.plot_activation_grid(np.zeros((5, 3, 3)), ncols=4), [1] * 5),
        "embedding": (V.embedding_plot(np.random.default_rng(0).normal(size=(7, 2)), np.zeros((7, 1, 4, 4)),
                                       labels=np.arange(7)), [7]),
        "neighbours": (V.plot_nearest_images(IMAGES[:, :1], 0, V.nearest_images(IMAGES, 0, k=2)), [1] * 3),
    }
    for name, (fig, expected) in drawings.items():
        assert isinstance(fig, figure_type), name
        assert images_per_axes(fig) == expected, name


def test_drawing_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'plot_filter_grid draws with matplotlib: pip install -e "\.\[plots\]"'):
        V.plot_filter_grid(np.zeros((3, 3)))


def test_layer_output_works_on_a_model_that_returns_feature_maps_not_class_scores():
    backbone = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, 2, 3, padding=1))
    images = np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32)
    codes = V.layer_output(backbone, images, "1")
    with ae.no_grad():
        expected = backbone[1](backbone[0](ae.Tensor(images))).data
    np.testing.assert_allclose(codes, expected, rtol=1e-6)
    assert V.activation_grid(backbone, images[0], "2").shape == (2, 6, 6)


def test_filter_grid_takes_the_layer_itself_and_names_what_it_needs_otherwise():
    conv = nn.Conv2d(1, 4, 3)
    np.testing.assert_array_equal(V.filter_grid(conv), V.filter_grid(conv.weight))
    with pytest.raises(TypeError, match="ReLU has no weight"):
        V.filter_grid(nn.ReLU())
    with pytest.raises(TypeError, match="Sequential has no weight.*model\\[0\\].weight"):
        V.filter_grid(nn.Sequential(conv))
    with pytest.raises(TypeError, match="weight must be a layer's weight"):
        V.filter_grid("conv")

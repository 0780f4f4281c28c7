"""Seeing what a network learned, as in the notes' chapter on visualising ConvNets: filters,
activation maps, saliency maps, fooling images, class visualisations, occlusion maps, and
embeddings and nearest neighbours of the codes.

Each function returns NumPy arrays and has a drawing companion returning a matplotlib
``Figure`` (the optional extra ``plots``).  Everything runs through the public API -- input
gradients from ``autograd_engine.grad``, activations from ``Module.register_forward_hook`` --
so any model made of ``nn`` modules works; models run in evaluation mode and get their
modes back, and parameters' ``.grad`` are left as they were.
"""
from .activations import activation_grid, layer_output, plot_activation_grid
from .class_visualization import ClassVisualization, class_visualization, gaussian_blur, plot_class_visualizations
from .drawing import show_images
from .embedding import Neighbours, embed, embedding_plot, nearest_images, plot_nearest_images
from .filters import filter_grid, plot_filter_grid
from .occlusion import occlusion_map, plot_occlusion
from .saliency import FoolingImage, fooling_image, plot_fooling_image, plot_saliency, saliency_map

__all__ = [
    "filter_grid", "plot_filter_grid", "activation_grid", "layer_output", "plot_activation_grid",
    "saliency_map", "plot_saliency", "FoolingImage", "fooling_image", "plot_fooling_image",
    "ClassVisualization", "class_visualization", "plot_class_visualizations", "gaussian_blur",
    "occlusion_map", "plot_occlusion", "embed", "embedding_plot", "Neighbours", "nearest_images",
    "plot_nearest_images", "show_images",
]

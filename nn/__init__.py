"""Neural-network modules, layers and losses, composed only of autograd_engine primitives."""

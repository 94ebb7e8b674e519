"""Pictures made from networks and image tensors: sample grids and moons heatmaps, written as PNG files."""

"""Short names for tests: a method's config, networks, Training and training function, by the method's name."""
from ganforge import api, methods


def resolve(kind: str, preset=None, **options):
    return methods.get(kind).resolve(preset, **options)


def build_networks(kind: str, cfg, hw, code=None):
    return methods.build_networks(methods.get(kind), cfg, hw, code)


def prepare(kind: str, cfg, hw, *data):
    """The Training `ganforge train KIND` trains: data is (points,), (images,) or (images_a, images_b[, pairs])."""
    if methods.get(kind).data.offers == "translations" and len(data) == 2:
        data = (*data, None)
    return methods.prepare_training(methods.get(kind), cfg, hw, data)


def trainer(kind: str):
    """api.train_<kind>."""
    return getattr(api, f"train_{kind}")

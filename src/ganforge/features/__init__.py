"""The StyleNet feature network's life outside the network itself: training it (recipe.py),
storing it (store.py) and applying it to images (apply.py). Scoring uses it for FD,
KID and the style rates."""
from .apply import FeatureNet, extract_features, logits, pair_accuracy, predict_styles, style_rate
from .recipe import train_feature_net
from .store import FEATURES_VERSION, features_dir, load_feature_net, save_feature_net

__all__ = ["FeatureNet", "extract_features", "logits", "pair_accuracy", "predict_styles", "style_rate",
           "train_feature_net", "FEATURES_VERSION", "features_dir", "load_feature_net", "save_feature_net"]

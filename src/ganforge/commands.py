"""The commands and the one line each says of itself: what `ganforge --help` lists, known without importing any
of the code behind them (launch.py answers --help and --version from this alone)."""

DESCRIPTION = "Adversarial training workbench: moons GANs, DCGAN, CycleGAN, CUT, pix2pix."

COMMANDS = {
    "train": "train one model into a run folder",
    "translate": "translate image files (or a run's test set) with a trained CycleGAN, CUT or pix2pix",
    "sample": "draw samples from a trained DCGAN (an image grid) or moons GAN (points as CSV and a heatmap)",
    "eval": "score a run (metrics.json), list metrics, or train the feature net",
    "bench": "time the training loop against its arithmetic and the handouts' way",
    "sweep": "train the cross product of option values (a comma list is swept)",
    "reproduce": "run every experiment of a course assignment; one report.html",
    "report": "write report.html (and TensorBoard logs) for a run or sweep folder",
    "data": "build, look at and check the emoji data",
    "compare": "translation runs side by side on the same test emojis, with one table of their scores",
    "play": "a live moons GAN playground in the browser: the heatmap, the points and the generator's gradient as the "
            "real networks train (needs pip install 'ganforge[play]')",
    "demo": "build the data, run the main experiments, print where the pictures are",
}

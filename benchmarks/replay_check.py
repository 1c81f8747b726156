"""One epoch of ``hinton_2022`` on a GPU, step by step and replayed as a CUDA graph.

Run ``python benchmarks/replay_check.py`` on a machine with CUDA (MNIST from
``SKFF_DATA``). Both runs start from the same seed, so they draw the same
batches; the printed weight differences say whether the replayed steps also
drew the same negatives and computed the same updates.
"""

from skff.datasets import load_mnist
from skff.recipes import hinton_2022


def main():
    X, y = load_mnist(return_X_y=True)
    fitted = [
        hinton_2022(max_iter=1, random_state=0, device="cuda", cuda_graphs=graphs).fit(
            X[:6000], y[:6000]
        )
        for graphs in (False, True)
    ]
    eager, replayed = (
        [p for layer in clf.network_.layers for p in layer.parameters()]
        for clf in fitted
    )
    differences = [float((a - b).abs().max().detach()) for a, b in zip(eager, replayed)]
    print("replayed vs eager, one epoch of 6000 rows; largest |difference| per tensor:")
    print(differences)
    print("loss", fitted[0].loss_curve_, "replayed", fitted[1].loss_curve_)


if __name__ == "__main__":
    main()

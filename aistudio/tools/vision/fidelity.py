"""Product fidelity: does this frame show the reference product? SIFT + RANSAC inliers.

Label lettering, edges and patterns give SIFT keypoints; a frame that shows the same
product (scaled, moved, slightly rotated, colour graded, on another backdrop) yields many
matches that agree on one homography, a frame without it only a few chance matches.

Score normaliser: `FULL_SCORE_INLIERS` = 40 geometrically consistent matches saturate the
score at 1.0. Chance matches on an unrelated frame stay in single digits (a homography
fits any 4 points exactly, and RANSAC can usually add a few more), the QA pass mark
(`QASettings.min_fidelity_inliers`, 12) sits between, and 40 is an unambiguous find: a
product with a readable label typically yields 60-150 at our analysis sizes (a rendered
Aurum promo: 56-113 per frame).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MAX_REFERENCE_FEATURES = 2000
MAX_FRAME_FEATURES = 3000  # busy scenes must not crowd the product's keypoints out
RATIO = 0.75  # Lowe's ratio test
REPROJECTION_PX = 5.0
FULL_SCORE_INLIERS = 40
# The product is analysed at this long side (small cut-outs are enlarged so lettering gives
# keypoints; big ones reduced so the scale gap to a 30-60 % product in a frame is small).
REFERENCE_SIDE = 640
# Frames are analysed at this short side (long side capped), whatever their resolution:
# shots size the product by frame height, so a 16:9 frame must not be shrunk by its width.
FRAME_SHORT_SIDE, FRAME_MAX_SIDE = 720, 1600
# The reference is also described downscaled (level, share of the feature budget): a
# product filmed small looks like the area-averaged reference, not like its fine detail.
REFERENCE_LEVELS = ((1.0, 0.6), (0.5, 0.25), (0.25, 0.15))
MIN_SCALE, MAX_SCALE = 0.05, 8.0  # plausible product scale between reference and frame
MAX_KEYSTONE = 1.6  # most / least magnified corner of the product; orbit shots stay well under


@dataclass(frozen=True)
class FidelityResult:
    inliers: int  # matches consistent with one reference->frame homography
    good_matches: int  # matches passing the ratio test
    score: float  # min(1, inliers / FULL_SCORE_INLIERS)


_NONE = FidelityResult(0, 0, 0.0)


def _gray(image: np.ndarray) -> np.ndarray:
    code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
    gray: np.ndarray = cv2.cvtColor(np.ascontiguousarray(image), code)
    return gray


def _resize_long_side(image: np.ndarray, side: int, nearest: bool = False) -> np.ndarray:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if nearest:
        interpolation = cv2.INTER_NEAREST
    else:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized: np.ndarray = cv2.resize(image, size, interpolation=interpolation)
    return resized


def _plausible(homography: np.ndarray | None, extent: np.ndarray) -> bool:
    """Reject fits no real shot produces: chance alignments of a few glyphs do produce them.

    A product filmed in a frame is a mild perspective view of the reference: the
    projective denominator stays positive and nearly constant across the product (no
    point "behind the camera", no strong keystone), the map is not mirrored, and the
    scale is plausible.
    """
    if homography is None or abs(homography[2, 2]) < 1e-9:
        return False
    h = homography / homography[2, 2]
    det = float(np.linalg.det(h[:2, :2]))
    if not (det > 0 and MIN_SCALE**2 <= det <= MAX_SCALE**2):
        return False
    (x0, y0), (x1, y1) = extent
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], np.float64)
    denominators = corners @ h[2, :2] + 1.0
    return bool(denominators.min() > 0 and denominators.max() / denominators.min() < MAX_KEYSTONE)


def _distinct(points: np.ndarray) -> int:
    """Distinct positions: SIFT gives one location several orientations (duplicates)."""
    return len({(round(float(x)), round(float(y))) for x, y in points})


def _level_features(
    gray: np.ndarray, mask: np.ndarray, level: float, features: int
) -> tuple[list[cv2.KeyPoint], np.ndarray | None]:
    if level != 1.0:
        size = (max(1, round(gray.shape[1] * level)), max(1, round(gray.shape[0] * level)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
    found_kp, found_desc = cv2.SIFT_create(nfeatures=features).detectAndCompute(gray, mask)
    return list(found_kp), found_desc


class FidelityScorer:
    """Built once per reference (SIFT on the product region), then `score(frame)` per frame.

    Everything here is blocking OpenCV work: construct and score inside
    `asyncio.to_thread`, or use `score_async`.
    """

    def __init__(self, reference_rgba: np.ndarray) -> None:
        """`reference_rgba`: the cut-out (RGBA uint8), alpha = product mask."""
        gray = _resize_long_side(_gray(reference_rgba[..., :3]), REFERENCE_SIDE)
        alpha = _resize_long_side(
            np.ascontiguousarray(reference_rgba[..., 3]), REFERENCE_SIDE, nearest=True
        )
        # Erode: keypoints on the silhouette describe the old backdrop as much as the product.
        mask = cv2.erode((alpha > 127).astype(np.uint8) * 255, np.ones((5, 5), np.uint8))
        if not mask.any():
            mask = np.full(gray.shape, 255, np.uint8)
        keypoints: list[cv2.KeyPoint] = []
        descriptors: list[np.ndarray] = []
        points: list[np.ndarray] = []
        for level, share in REFERENCE_LEVELS:
            found_kp, found_desc = _level_features(
                gray, mask, level, round(MAX_REFERENCE_FEATURES * share)
            )
            if found_desc is None:
                continue
            keypoints += found_kp
            descriptors.append(found_desc)
            points.append(np.array([k.pt for k in found_kp], np.float32).reshape(-1, 2) / level)
        self.keypoints = keypoints
        self.descriptors = np.vstack(descriptors) if descriptors else None
        self._points = np.vstack(points) if points else np.zeros((0, 2), np.float32)
        self._extent = np.array([[0.0, 0.0], [gray.shape[1], gray.shape[0]]])

    @classmethod
    def from_mask(cls, rgb: np.ndarray, mask: np.ndarray) -> FidelityScorer:
        """From the normalized photo and its product mask (cropped to the product)."""
        ys, xs = np.nonzero(mask > 127)
        if xs.size:
            rgb = rgb[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            mask = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        return cls(np.dstack([rgb, mask]))

    @property
    def reference_features(self) -> int:
        return len(self.keypoints)

    def score(self, frame_rgb: np.ndarray) -> FidelityResult:
        """Match the reference against one RGB frame (blocking; ~0.3-0.6 s per frame on 2 cores)."""
        if self.descriptors is None or len(self.keypoints) < 4:
            return _NONE
        h, w = frame_rgb.shape[:2]
        long_side = min(FRAME_MAX_SIDE, round(FRAME_SHORT_SIDE * max(h, w) / min(h, w)))
        gray = _resize_long_side(_gray(frame_rgb), long_side)
        sift = cv2.SIFT_create(nfeatures=MAX_FRAME_FEATURES)  # per call: thread-safe
        keypoints, descriptors = sift.detectAndCompute(gray, None)
        if descriptors is None or len(keypoints) < 2:
            return _NONE
        pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(self.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
        if len(good) < 4:
            return FidelityResult(0, len(good), 0.0)
        src = self._points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
        dst = np.array([keypoints[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
        cv2.setRNGSeed(0)  # RANSAC sampling uses OpenCV's per-thread RNG: same frame, same count
        # Fit frame -> reference, so the 5 px tolerance is measured at the reference's fixed
        # analysis size: in the frame, 5 px on a product 150 px tall would accept nonsense.
        back, inlier_mask = cv2.findHomography(
            dst, src, cv2.RANSAC, REPROJECTION_PX, maxIters=4000, confidence=0.995
        )
        if back is None or inlier_mask is None or abs(np.linalg.det(back)) < 1e-12:
            return FidelityResult(0, len(good), 0.0)
        if not _plausible(np.linalg.inv(back), self._extent):
            return FidelityResult(0, len(good), 0.0)
        chosen = inlier_mask.ravel().astype(bool)
        # Distinct on both sides: duplicate keypoints, and repeated texture matching one
        # frame point many times, must not inflate the count.
        inliers = min(_distinct(src[chosen, 0]), _distinct(dst[chosen, 0]))
        return FidelityResult(inliers, len(good), round(min(1.0, inliers / FULL_SCORE_INLIERS), 4))

    def score_many(self, frames: Sequence[np.ndarray]) -> list[FidelityResult]:
        return [self.score(frame) for frame in frames]

    async def score_async(self, frame_rgb: np.ndarray) -> FidelityResult:
        return await asyncio.to_thread(self.score, frame_rgb)

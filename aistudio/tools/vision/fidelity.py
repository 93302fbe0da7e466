"""Product fidelity: does this frame show the reference product? SIFT + RANSAC inliers.

Label lettering, edges and patterns give SIFT keypoints; a frame that shows the same
product (scaled, moved, graded) yields many geometrically consistent matches, a frame
without it almost none.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_FEATURES = 2000
RATIO = 0.75
REPROJECTION_PX = 5.0
# Inliers at which the score saturates: 40 consistent matches is an unambiguous find.
FULL_SCORE_INLIERS = 40
FRAME_WIDTH = 720


@dataclass(frozen=True)
class FidelityResult:
    inliers: int
    good_matches: int
    score: float


def _gray(rgb: np.ndarray) -> np.ndarray:
    gray: np.ndarray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return gray


class FidelityScorer:
    def __init__(self, cutout_rgba: np.ndarray) -> None:
        rgb, alpha = cutout_rgba[..., :3], cutout_rgba[..., 3]
        h = rgb.shape[0]
        scale = 700 / h  # comparable to the product's size in a 720-wide frame
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(h * scale)))
        gray = cv2.resize(_gray(np.ascontiguousarray(rgb)), size, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(alpha, size, interpolation=cv2.INTER_NEAREST)
        mask = cv2.erode((mask > 127).astype(np.uint8) * 255, np.ones((5, 5), np.uint8))
        self._sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)
        self.keypoints, self.descriptors = self._sift.detectAndCompute(gray, mask)
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)

    @property
    def reference_features(self) -> int:
        return len(self.keypoints)

    def score(self, frame_rgb: np.ndarray) -> FidelityResult:
        if self.descriptors is None or len(self.keypoints) < 4:
            return FidelityResult(0, 0, 0.0)
        h, w = frame_rgb.shape[:2]
        scale = FRAME_WIDTH / w
        gray = cv2.resize(_gray(frame_rgb), (FRAME_WIDTH, round(h * scale)),
                          interpolation=cv2.INTER_AREA)
        keypoints, descriptors = self._sift.detectAndCompute(gray, None)
        if descriptors is None or len(keypoints) < 4:
            return FidelityResult(0, 0, 0.0)
        pairs = self._matcher.knnMatch(self.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
        if len(good) < 4:
            return FidelityResult(0, len(good), 0.0)
        src = np.array([self.keypoints[m.queryIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
        dst = np.array([keypoints[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
        _, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, REPROJECTION_PX)
        inliers = int(inlier_mask.sum()) if inlier_mask is not None else 0
        return FidelityResult(inliers, len(good), min(1.0, inliers / FULL_SCORE_INLIERS))

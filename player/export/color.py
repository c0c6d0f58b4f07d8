"""Colour handling for the H.264 output: keep the source's colours and say so in the stream.

Three cases, decided once from the first frame shown:

- yuv420p already (almost all camera and web video): frames go to the encoder untouched and
  the source's tags (matrix, primaries, transfer, range) are copied, so players show exactly
  what they showed for the source.
- another YUV layout (yuvj420p full range, 4:2:2, 10-bit) or grey: converted to limited-range
  yuv420p with the *same* matrix (a YUV to YUV conversion never goes through RGB, so the
  matrix only has to match its tag) and tagged as the source was, range now limited.
- RGB (PNG, screen capture): converted with BT.709 for HD and BT.601 for SD, as players
  assume for untagged video of that size, and tagged so.

Numbers are FFmpeg's: ``AVColorSpace`` etc. for the stream tags, ``SWS_CS_*`` for swscale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AVCOL_SPC_RGB = 0
AVCOL_SPC_BT709 = 1
AVCOL_SPC_UNSPECIFIED = 2
AVCOL_SPC_SMPTE170M = 6
AVCOL_RANGE_MPEG = 1

# AVColorSpace -> swscale's SWS_CS_* (ITU709 = 1, FCC = 4, ITU601 = 5, SMPTE240M = 7,
# BT2020 = 9); anything else uses swscale's default (BT.601).
_SWS_MATRIX = {1: 1, 4: 4, 5: 5, 6: 5, 7: 7, 9: 9, 10: 9}
_SWS_DEFAULT = 5
_YUV_PREFIXES = ("yuv", "yuvj", "yuva", "nv12", "nv16", "nv21", "nv24", "p010", "p016", "gray", "ya")


@dataclass(frozen=True, slots=True)
class ColorPlan:
    """How frames become yuv420p (``convert``: kwargs for ``VideoFrame.reformat``, None for
    none) and the tags the output stream carries."""

    convert: dict[str, Any] | None
    colorspace: int
    primaries: int
    trc: int
    color_range: int

    def tag(self, codec_context: Any) -> None:
        """Write the tags into the (not yet opened) encoder context."""
        codec_context.colorspace = self.colorspace
        codec_context.color_primaries = self.primaries
        codec_context.color_trc = self.trc
        codec_context.color_range = self.color_range


def color_plan(frame: Any) -> ColorPlan:
    """The colour plan for a source whose frames look like ``frame``."""
    name = frame.format.name
    spc, prim, trc, rng = (int(frame.colorspace), int(frame.color_primaries), int(frame.color_trc), int(frame.color_range))
    if name == "yuv420p":
        return ColorPlan(None, spc, prim, trc, rng)
    if name.startswith(_YUV_PREFIXES):
        matrix = _SWS_MATRIX.get(spc, _SWS_DEFAULT)
        convert: dict[str, Any] = {
            "src_colorspace": matrix,
            "dst_colorspace": matrix,
            "dst_color_range": AVCOL_RANGE_MPEG,
        }
        if rng or name.startswith("yuvj"):
            convert["src_color_range"] = rng or 2  # yuvj* is full range by definition
        return ColorPlan(convert, spc, prim, trc, AVCOL_RANGE_MPEG)
    hd = frame.height >= 720
    spc_out = AVCOL_SPC_BT709 if hd else AVCOL_SPC_SMPTE170M
    convert = {"dst_colorspace": _SWS_MATRIX[spc_out], "dst_color_range": AVCOL_RANGE_MPEG}
    return ColorPlan(convert, spc_out, prim, trc, AVCOL_RANGE_MPEG)

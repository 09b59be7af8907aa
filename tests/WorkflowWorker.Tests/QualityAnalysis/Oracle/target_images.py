"""Writes test images with Pillow and tifffile (the oracles for the reader), and a manifest of what each holds.

Usage: target_images.py <folder>. Prints the manifest as JSON: per file, width, height, channels, bits, ppi, the
profile's description, and the samples as the writer (or Pillow's own decoder, for JPEG) sees them, scaled to 0-65535.
"""
import json
import sys

import numpy
import tifffile
from PIL import Image, ImageCms

folder = sys.argv[1]
rng = numpy.random.default_rng(19264)
adobe = open("/usr/share/color/icc/colord/AdobeRGB1998.icc", "rb").read()
gray_profile = open("/usr/share/color/icc/ghostscript/sgray.icc", "rb").read()
manifest = {}


def record(name, samples, bits, ppi, profile):
    h, w = samples.shape[:2]
    channels = 1 if samples.ndim == 2 else samples.shape[2]
    scale = 257 if bits == 8 else 1
    manifest[name] = {"width": w, "height": h, "channels": channels, "bits": bits, "ppi": ppi, "profile": profile,
                      "samples": (samples.astype(numpy.int64) * scale).reshape(-1).tolist()}


# 8-bit RGB, Adobe RGB embedded, 300 pixels per inch, LZW: Pillow.
rgb8 = rng.integers(0, 256, size=(8, 16, 3), dtype=numpy.uint8)
Image.fromarray(rgb8, "RGB").save(f"{folder}/rgb8.tif", compression="tiff_lzw", dpi=(300, 300), icc_profile=adobe)
record("rgb8.tif", rgb8, 8, 300, "Adobe RGB (1998)")

# 16-bit RGB, no profile, 40 pixels per centimetre, deflate, big-endian: tifffile.
rgb16 = rng.integers(0, 65536, size=(9, 7, 3), dtype=numpy.uint16)
tifffile.imwrite(f"{folder}/rgb16.tif", rgb16.astype(">u2"), photometric="rgb", compression="zlib", byteorder=">",
                 resolution=(40, 40), resolutionunit="CENTIMETER")
record("rgb16.tif", rgb16, 16, 101.6, None)

# 16-bit grey with a grey profile, several strips: tifffile.
grey16 = rng.integers(0, 65536, size=(33, 5), dtype=numpy.uint16)
tifffile.imwrite(f"{folder}/grey16.tif", grey16, photometric="minisblack", rowsperstrip=4,
                 extratags=[(34675, 7, len(gray_profile), gray_profile, True)])
record("grey16.tif", grey16, 16, None, "sGray")

# JPEG, RGB with Adobe RGB and 600 dpi, no chroma subsampling: samples as Pillow's libjpeg decodes them.
smooth = numpy.clip(numpy.stack([numpy.add.outer(numpy.arange(24) * 8, numpy.arange(32) * 4) % 256] * 3, axis=2)
                    + rng.integers(0, 4, size=(24, 32, 3)), 0, 255).astype(numpy.uint8)
Image.fromarray(smooth, "RGB").save(f"{folder}/rgb.jpg", quality=95, subsampling=0, dpi=(600, 600), icc_profile=adobe)
record("rgb.jpg", numpy.asarray(Image.open(f"{folder}/rgb.jpg").convert("RGB")), 8, 600, "Adobe RGB (1998)")

# JPEG, grey, no profile and no density.
Image.fromarray(smooth[:, :, 0], "L").save(f"{folder}/grey.jpg", quality=95)
record("grey.jpg", numpy.asarray(Image.open(f"{folder}/grey.jpg")), 8, None, None)

# What must be refused: CMYK JPEG, 1-bit TIFF, tiled TIFF, truncated TIFF and JPEG, an RGB image with a grey profile.
Image.fromarray(smooth, "RGB").convert("CMYK").save(f"{folder}/cmyk.jpg")
Image.fromarray(rgb8[:, :, 0] > 128).save(f"{folder}/bilevel.tif")
tifffile.imwrite(f"{folder}/tiled.tif", numpy.zeros((32, 32, 3), numpy.uint8), photometric="rgb", tile=(16, 16))
data = open(f"{folder}/rgb16.tif", "rb").read()
open(f"{folder}/truncated.tif", "wb").write(data[: len(data) // 3])
data = open(f"{folder}/rgb.jpg", "rb").read()
open(f"{folder}/truncated.jpg", "wb").write(data[: len(data) // 2])
Image.fromarray(rgb8, "RGB").save(f"{folder}/mismatch.tif", icc_profile=gray_profile)
open(f"{folder}/notes.txt", "w").write("not an image")

print(json.dumps(manifest))

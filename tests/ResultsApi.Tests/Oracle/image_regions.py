"""Mean grey level (0-255) of boxes of a PNG, read by Pillow: the oracle of what the viewer drew on its canvas.

Usage: image_regions.py image.png left,top,right,bottom [...]; prints a JSON list of means, one per box.
"""
import json
import sys

from PIL import Image

image = Image.open(sys.argv[1]).convert("L")
means = []
for box in sys.argv[2:]:
    region = image.crop(tuple(int(v) for v in box.split(",")))
    pixels = list(region.getdata())
    means.append(sum(pixels) / len(pixels))
print(json.dumps(means))

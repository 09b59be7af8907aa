#!/usr/bin/python3
"""Writes a 24-bit BMP test card (a grey ramp), for DCMTK's img2dcm to turn into a Secondary Capture (modality OT)."""
import struct
import sys

width, height = 64, 48
row = bytearray()
for x in range(width):
    row += bytes([x * 4 % 256] * 3)
padding = (4 - len(row) % 4) % 4
pixels = (bytes(row) + b"\0" * padding) * height
header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
with open(sys.argv[1], "wb") as out:
    out.write(header + info + pixels)

#!/usr/bin/env python3
"""Reads the frames of examples/phi-sweep.mjs (or any of our .cbf / .img files) with fabio, the image library of
the ESRF, as a data-processing script would: pixels as a numpy array, the PILATUS header's angles.

    python3 examples/read_with_fabio.py <folder or files...>

Debian/Ubuntu: apt install python3-fabio (or pip install fabio). Prints one JSON line per file.
"""
import glob
import json
import os
import sys

import fabio


def describe(path):
    im = fabio.open(path)
    info = {"file": path, "format": type(im).__name__, "shape": list(im.data.shape),
            "sum": int(im.data.astype("int64").sum()), "max": int(im.data.max())}
    pilatus = getattr(im, "pilatus_headers", None)
    if pilatus is not None:  # CBF: the PILATUS_1.2 header lines, parsed
        info["start_angle"] = pilatus["Start_angle"]
        info["angle_increment"] = pilatus["Angle_increment"]
        info["wavelength"] = pilatus["Wavelength"]
    else:  # SMV: the header's key = value pairs
        info["phi"] = float(im.header.get("PHI", "nan"))
        info["wavelength"] = float(im.header.get("WAVELENGTH", "nan"))
    return info


def main(argv):
    paths = []
    for a in argv or ["sweep"]:
        paths += sorted(glob.glob(os.path.join(a, "*.cbf")) + glob.glob(os.path.join(a, "*.img"))) if os.path.isdir(a) else [a]
    if not paths:
        sys.exit("no .cbf or .img files found in " + " ".join(argv))
    for p in paths:
        print(json.dumps(describe(p)))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Image files that Pillow cannot make for us in the notebook: 16-bit RGB and 16-bit grey+alpha PNGs, written by hand."""
import struct, zlib

import numpy as np

from psvae.data import crop_views, open_image


def png16(arr, colortype):
    "A 16-bit PNG of `arr` ([H,W,C] uint16); colortype 2 = RGB, 4 = grey+alpha, 0 = grey."
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colortype, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_16bit_rgb_is_scaled_not_clipped():
    a = np.zeros((8, 8, 3), np.uint16); a[..., 0], a[..., 1], a[..., 2] = 1000, 32768, 65535
    x = crop_views(open_image(png16(a, 2)), (8,))[0]
    assert np.allclose(x[:, 0, 0].numpy(), [1000 / 65535, 32768 / 65535, 1.0], atol=1 / 255)


def test_16bit_grey_alpha_composites_on_white():
    a = np.zeros((8, 8, 2), np.uint16); a[..., 0] = 1000; a[:, 4:, 1] = 65535   # left half transparent
    x = np.asarray(open_image(png16(a, 4)))
    assert (x[:, :4] == 255).all() and (x[:, 4:] <= 4).all()


def test_16bit_grey_keeps_its_precision():
    a = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8, 1)
    x = crop_views(open_image(png16(a, 0)), (8,))[0]
    assert np.allclose(x[0].numpy().ravel(), a.ravel() / 65535, atol=1e-6)

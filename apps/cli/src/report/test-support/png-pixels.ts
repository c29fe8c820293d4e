import { inflateSync } from 'node:zlib';

export interface PngPixels {
  width: number;
  height: number;
  /** RGB triplets, row by row. */
  rgb: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes the PNGs Chromium writes for screenshots (8-bit RGB or RGBA, not interlaced), so a
 * test can look at the pixels rather than trust a file size.
 */
export function decodePng(png: Buffer): PngPixels {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) {
        throw new Error(`unsupported PNG: depth ${depth}, color type ${color}`);
      }
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] as number) : 0;
      const value = line[x] as number;
      const predicted =
        filter === 1
          ? a
          : filter === 2
            ? b
            : filter === 3
              ? (a + b) >> 1
              : filter === 4
                ? paeth(a, b, c)
                : 0;
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[i * 3] = pixels[i * channels] as number;
    rgb[i * 3 + 1] = pixels[i * channels + 1] as number;
    rgb[i * 3 + 2] = pixels[i * channels + 2] as number;
  }
  return { width, height, rgb };
}

/** How varied a picture is: its distinct colours and the share of pixels unlike the top-left one. */
export function pixelVariety({ width, height, rgb }: PngPixels): { colors: number; inked: number } {
  const colors = new Set<number>();
  const background = ((rgb[0] as number) << 16) | ((rgb[1] as number) << 8) | (rgb[2] as number);
  let inked = 0;
  for (let i = 0; i < width * height; i++) {
    const color =
      ((rgb[i * 3] as number) << 16) |
      ((rgb[i * 3 + 1] as number) << 8) |
      (rgb[i * 3 + 2] as number);
    colors.add(color);
    if (color !== background) inked++;
  }
  return { colors: colors.size, inked: inked / (width * height) };
}
